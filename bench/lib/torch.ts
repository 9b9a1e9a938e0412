/**
 * The PyTorch anchor (bench/torch_anchor.py), run as a child process with N threads:
 * torch.set_num_threads(N) plus OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS = N.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstLine, WORKLOADS, type RunConfig, type TorchModelId } from './config';
import { ROOT } from './node-bench';

export const PYTHON = '/usr/bin/python3';

export interface TorchRate {
  images: number;
  seconds: number;
  img_per_s: number;
  cpu_per_wall: number;
  background: number | null;
}
export interface TorchModelResult {
  model: TorchModelId;
  batch: number;
  params?: number;
  memory_format?: string;
  forward?: TorchRate;
  fwdbwd?: TorchRate;
  bim20?: TorchRate;
  error?: string;
}
export interface TorchReport {
  torch: string;
  python: string;
  threads: number;
  mkldnn: boolean;
  blas: string[];
  max_rss_mib: number;
  results: TorchModelResult[];
  command: string;
  error?: string;
}

export async function runTorch(threads: number, models: readonly TorchModelId[], runs: Record<TorchModelId, RunConfig>): Promise<TorchReport> {
  const args = [join('bench', 'torch_anchor.py'), '--threads', String(threads), '--models', models.join(',')];
  for (const id of models) {
    const c = runs[id];
    args.push(`--batch-${id}`, String(c.batch), `--warmup-${id}`, String(c.warmup), `--iters-${id}`, String(c.iters), `--bim-runs-${id}`, String(c.bimBatches));
  }
  const command = `OMP_NUM_THREADS=${threads} OPENBLAS_NUM_THREADS=${threads} ${PYTHON} ${args.join(' ')}`;
  const empty = { torch: '?', python: '?', threads, mkldnn: false, blas: [], max_rss_mib: 0, results: [], command };
  if (!existsSync(PYTHON)) return { ...empty, error: `${PYTHON} not found` };
  try {
    const { stdout } = await promisify(execFile)(PYTHON, args, {
      cwd: ROOT,
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
      maxBuffer: 16 << 20,
      timeout: 600_000,
    });
    const lastLine = stdout.trim().split('\n').pop() ?? '';
    return { ...(JSON.parse(lastLine) as Omit<TorchReport, 'command'>), command };
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim().split('\n').slice(-1)[0];
    return { ...empty, error: stderr || firstLine(e) };
  }
}

/** Per model and workload, the best of several anchor runs (interference only slows a loop down). */
export function mergeTorchRuns(runs: TorchReport[]): TorchReport {
  const ok = runs.filter((r) => !r.error);
  if (!ok.length) return runs[0];
  const base = ok[0];
  const best = (a: TorchRate | undefined, b: TorchRate | undefined): TorchRate | undefined => (!a ? b : !b ? a : b.img_per_s > a.img_per_s ? b : a);
  return {
    ...base,
    max_rss_mib: Math.max(...ok.map((r) => r.max_rss_mib)),
    results: base.results.map((first) => {
      const same = ok.map((r) => r.results.find((m) => m.model === first.model)).filter((m): m is TorchModelResult => !!m);
      const merged: TorchModelResult = { ...first };
      for (const w of WORKLOADS) merged[w] = same.map((m) => m[w]).reduce(best, undefined);
      // The memory format that served the best fwd+bwd.
      merged.memory_format = same.find((m) => m.fwdbwd === merged.fwdbwd)?.memory_format ?? first.memory_format;
      return merged;
    }),
  };
}

/** "OpenBLAS 0.3.21 …" style summary of the BLAS the anchor actually mapped. */
export function torchDescription(t: TorchReport): string {
  return `torch ${t.torch} (python ${t.python}, BLAS ${t.blas.filter((b) => /blas/i.test(b)).join('+') || '?'}, oneDNN ${t.mkldnn ? 'on' : 'off'})`;
}
