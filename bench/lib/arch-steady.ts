/**
 * Steady state for bench/architectures.ts, threads matched: Printshot with N pool workers (one
 * wasm thread each, one full batch each in flight; bench/lib/matched-child.ts, one process per
 * cell) against bench/torch_archs.py's `steady` mode with N threads on one batch. Also the
 * in-process leak and peak-RSS check (arch-leak-child.ts), in its own process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { firstLine, type RunConfig } from './config';
import type { ArchId } from './arch-models';
import { childArgs } from './matched';
import type { MatchedCell } from './matched-child';
import { ROOT } from './node-bench';
import { PYTHON, type TorchRate } from './torch';

export interface ChildResult<T> {
  command: string;
  value?: T;
  error?: string;
}

/** Spawns a child, returns its last stdout line parsed as JSON; progress goes to stderr unless quiet. */
export function jsonChild<T>(file: string, args: readonly string[], env: Record<string, string>, quiet: boolean, timeoutS: number): Promise<ChildResult<T>> {
  const command = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), file === process.execPath ? 'node' : file, ...args].join(' ');
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('error', (e) => resolve({ command, error: firstLine(e) }));
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        const value = JSON.parse(out.trim().split('\n').pop() ?? '') as T;
        resolve(code === 0 ? { command, value } : { command, value, error: `exit code ${code}` });
      } catch {
        resolve({ command, error: `exit code ${code}, no JSON on stdout` });
      }
    });
  });
}

export interface SteadyConfig extends RunConfig {
  bimSteps: number;
}

export function printshotSteady(dir: string, workers: number, cfg: SteadyConfig, quiet: boolean): Promise<ChildResult<MatchedCell>> {
  const args = [...childArgs(dir, { workers, wasmThreads: 1, label: `${workers} workers` }, cfg), '--bim-steps', String(cfg.bimSteps)];
  return jsonChild<MatchedCell>(process.execPath, args, {}, quiet, 1800);
}

export interface TorchArchResult {
  model: ArchId;
  size?: number;
  batch: number;
  params?: number;
  memory_format?: string;
  format_probe_s_per_step?: Record<string, number> | null;
  fwdbwd?: TorchRate;
  bim?: TorchRate;
  bim_steps?: number;
  error?: string;
}
export interface TorchArchReport {
  torch: string;
  torchvision: string;
  threads: number;
  blas: string[];
  max_rss_mib: number;
  results: TorchArchResult[];
}

export function torchSteady(models: readonly ArchId[], threads: number, cfg: SteadyConfig, quiet: boolean): Promise<ChildResult<TorchArchReport>> {
  const n = String(threads);
  const args = [join('bench', 'torch_archs.py'), 'steady', '--models', models.join(','), '--threads', n, '--batch', String(cfg.batch), '--warmup', String(cfg.warmup), '--iters', String(cfg.iters), '--bim-steps', String(cfg.bimSteps)];
  return jsonChild<TorchArchReport>(PYTHON, args, { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n }, quiet, 1800);
}

/** What arch-leak-child.ts prints. */
export interface LeakCell {
  batch: number;
  steps: number;
  seconds: number;
  /** tf.memory().numTensors before the attack, at every step, after it. */
  tensorsBefore: number;
  tensorsPerStep: number[];
  tensorsAfter: number;
  maxRssMiB: number;
  /** The execution path loadClassifier reported, when it reports one. */
  path?: string;
}

export function leakCheck(dir: string, batch: number, steps: number, quiet: boolean): Promise<ChildResult<LeakCell>> {
  const args = ['--import', 'tsx', join('bench', 'lib', 'arch-leak-child.ts'), '--model-dir', dir, '--batch', String(batch), '--steps', String(steps)];
  return jsonChild<LeakCell>(process.execPath, args, {}, quiet, 3600);
}

/** Steady when the count never moves between steps and is back to the start after the attack. */
export function leakVerdict(c: LeakCell): { steady: boolean; text: string } {
  const per = c.tensorsPerStep;
  const lo = Math.min(...per);
  const hi = Math.max(...per);
  const steady = per.length === c.steps && lo === hi && c.tensorsAfter === c.tensorsBefore;
  return { steady, text: `${steady ? 'steady' : 'LEAK'}: numTensors ${c.tensorsBefore} before, ${lo === hi ? lo : `${lo}…${hi}`} at each of ${per.length} steps, ${c.tensorsAfter} after` };
}

/** PyTorch's faster memory format per model (torch_archs.py probe), for the whole-process runs. */
export async function torchFormats(models: readonly ArchId[], threads: number, batch: number, quiet: boolean): Promise<ChildResult<Record<string, [string, Record<string, number>]>>> {
  const n = String(threads);
  const args = [join('bench', 'torch_archs.py'), 'probe', '--models', models.join(','), '--threads', n, '--batch', String(batch)];
  const r = await jsonChild<{ formats: Record<string, [string, Record<string, number>]> }>(PYTHON, args, { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n }, quiet, 1800);
  return { command: r.command, value: r.value?.formats, error: r.error };
}
