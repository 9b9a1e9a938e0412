/**
 * The matched-threads table of bench/attack-throughput.ts: for each thread count N, Printshot's
 * engine using N cores (N pool workers of one wasm thread each; for N > 1 also one worker with an
 * N-threaded wasm backend) against PyTorch with N threads. Each Printshot cell runs in its own
 * process (matched-child.ts) so its peak RSS is its own. Workers load models from folders, like a
 * user's: the bundled model is 'default'; the random MobileNetV2 is saved once to a temporary
 * folder as a TF.js Layers model with a model card.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelCard } from '../../src/model/card';
import { buildMobileNetV2Model, randomizeWeights } from '../mobilenetv2';
import { createRng } from '../../src/shared';
import { firstLine, type ModelId, type RunConfig } from './config';
import type { MatchedCell } from './matched-child';
import { ROOT } from './node-bench';
import { saveLayersModel, tempModelDir } from './save-model';

export interface MatchedVariant {
  workers: number;
  wasmThreads: number;
  label: string;
}

export interface MatchedResult {
  threads: number;
  model: ModelId;
  variant: MatchedVariant;
  cell?: MatchedCell;
  error?: string;
  command: string;
}

/** N workers × 1 thread; for N > 1 also 1 worker × N wasm threads (threaded build). */
export function variantsFor(n: number, wasmThreads: boolean): MatchedVariant[] {
  const v: MatchedVariant[] = [{ workers: n, wasmThreads: 1, label: n === 1 ? '1 worker' : `${n} workers` }];
  if (n > 1 && wasmThreads) v.push({ workers: 1, wasmThreads: n, label: `1 worker × ${n} wasm thr` });
  return v;
}

/** Model folders the workers load; call the returned cleanup when done. */
export async function prepareModelDirs(models: readonly ModelId[]): Promise<{ dirs: Partial<Record<ModelId, string>>; cleanup: () => void }> {
  const dirs: Partial<Record<ModelId, string>> = {};
  const temp: string[] = [];
  for (const id of models) {
    if (id === 'cnn') {
      dirs.cnn = 'default';
    } else if (id === 'mobilenetv2') {
      const model = buildMobileNetV2Model({ relu6: 'keras' });
      randomizeWeights(model, createRng(0));
      const card: ModelCard = {
        schemaVersion: 1,
        name: 'mobilenetv2-1-224-random',
        description: 'bench/mobilenetv2.ts, seed 0 (random weights, for throughput only)',
        labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
        input: { height: 224, width: 224, channels: 3 },
        range: '-1-1',
        outputs: 'logits',
      };
      const dir = tempModelDir('mobilenetv2');
      temp.push(dir);
      await saveLayersModel(model, card, dir);
      model.dispose();
      dirs.mobilenetv2 = dir;
    }
  }
  return { dirs, cleanup: () => temp.forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

export function childArgs(dir: string, v: MatchedVariant, cfg: RunConfig): string[] {
  return [
    '--import',
    'tsx',
    join('bench', 'lib', 'matched-child.ts'),
    '--model-dir',
    dir,
    '--workers',
    String(v.workers),
    '--wasm-threads',
    String(v.wasmThreads),
    '--batch',
    String(cfg.batch),
    '--warmup',
    String(cfg.warmup),
    '--iters',
    String(cfg.iters),
    '--bim-batches',
    String(cfg.bimBatches),
  ];
}

/** Runs one cell in a child process; progress lines go to stderr unless `quiet`. */
export function runCell(n: number, model: ModelId, dir: string, v: MatchedVariant, cfg: RunConfig, quiet: boolean): Promise<MatchedResult> {
  const args = childArgs(dir, v, cfg);
  const command = `node ${args.join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.on('error', (e) => resolve({ threads: n, model, variant: v, error: firstLine(e), command }));
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve({ threads: n, model, variant: v, cell: JSON.parse(last) as MatchedCell, command });
      } catch (e) {
        resolve({ threads: n, model, variant: v, error: `matched-child: ${firstLine(e)}`, command });
      }
    });
  });
}

/** Every (N, model, variant) cell, one child process after another. */
export async function benchMatched(
  threads: readonly number[],
  models: readonly ModelId[],
  dirs: Partial<Record<ModelId, string>>,
  runs: Record<ModelId, RunConfig>,
  wasmThreads: boolean,
  say: (line: string) => void,
  quiet: boolean,
): Promise<MatchedResult[]> {
  const out: MatchedResult[] = [];
  for (const n of threads) {
    for (const model of models) {
      const dir = dirs[model];
      if (!dir) continue;
      for (const v of variantsFor(n, wasmThreads)) {
        say(`  N=${n}: ${model}, Printshot ${v.label}, batch ${runs[model].batch}`);
        out.push(await runCell(n, model, dir, v, runs[model], quiet));
      }
    }
  }
  return out;
}
