/**
 * Rows and text tables of bench/attack-throughput.ts: the in-process one-thread table and the
 * matched-threads table (Printshot using N cores against PyTorch with N threads).
 */
import { BIM_STEPS, MATCHED_WORKLOADS, MODEL_LABEL, TORCH_MODEL, WORKLOAD_LABEL, WORKLOADS, type MatchedWorkload, type ModelId, type Workload } from './config';
import type { FlopCounts } from './flops';
import { peakGflops, type MachineInfo } from './machine';
import type { MatchedResult } from './matched';
import { bestOutcome, type NodeModelResult, type Outcome } from './node-bench';
import type { TorchReport } from './torch';

export function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function fmtNum(v: number | string | undefined, digits = 2): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(digits);
}

export function workloadFlops(f: FlopCounts, w: Workload): number {
  return w === 'forward' ? f.forward : w === 'fwdbwd' ? f.forwardBackward : f.bim(BIM_STEPS);
}

const rateOf = (o: Outcome | undefined): number | undefined => (o && !('error' in o) ? o.imgPerS : undefined);
const gf = (gflops: number | undefined, peak: number): string => (gflops !== undefined ? `${fmtNum(gflops)} (${((100 * gflops) / peak).toFixed(0)}%)` : '—');

function table(header: string[], widths: number[], rows: string[][], rightFrom: number): string[] {
  const fmt = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i], i >= rightFrom)).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

// ----------------------------------------------------------------------------- one thread, in-process

export interface SingleRow {
  model: string;
  workload: string;
  batch: number;
  printshot: number | string;
  pytorch: number | string;
  ratio: number | undefined;
  printshotGflops: number | undefined;
  pytorchGflops: number | undefined;
  printshotBackground: number | undefined;
  pytorchBackground: number | undefined;
  printshotRuns: number[];
  pytorchRuns: number[];
}

export function singleRows(node: NodeModelResult[], nodeRuns: NodeModelResult[][], torch: TorchReport | undefined, torchRuns: TorchReport[]): SingleRow[] {
  const rows: SingleRow[] = [];
  for (const m of node) {
    const t = torch?.results.find((r) => r.model === TORCH_MODEL[m.id]);
    for (const w of WORKLOADS) {
      const o = m.results[w];
      const ps = rateOf(o);
      const pt = t?.[w]?.img_per_s;
      const flops = workloadFlops(m.flops, w);
      rows.push({
        model: MODEL_LABEL[m.id],
        workload: WORKLOAD_LABEL[w],
        batch: m.batch,
        printshot: ps ?? (o && 'error' in o ? `failed: ${o.error}` : 'not run'),
        pytorch: pt ?? (torch ? (t?.error ? `failed: ${t.error}` : torch.error ? 'failed' : 'not run') : 'skipped'),
        ratio: ps !== undefined && pt !== undefined ? ps / pt : undefined,
        printshotGflops: ps !== undefined ? (ps * flops) / 1e9 : undefined,
        pytorchGflops: pt !== undefined ? (pt * flops) / 1e9 : undefined,
        printshotBackground: o && !('error' in o) ? (o.background ?? undefined) : undefined,
        pytorchBackground: t?.[w]?.background ?? undefined,
        printshotRuns: nodeRuns.map((run) => rateOf(run.find((x) => x.id === m.id)?.results[w])).filter((x): x is number => x !== undefined),
        pytorchRuns: torchRuns.map((run) => run.results.find((x) => x.model === TORCH_MODEL[m.id])?.[w]?.img_per_s).filter((x): x is number => x !== undefined),
      });
    }
  }
  return rows;
}

export function renderSingle(rows: SingleRow[], peak: number, repeats: number): string[] {
  const failures: string[] = [];
  const cells = rows.map((r) =>
    [
      r.model,
      r.workload,
      String(r.batch),
      typeof r.printshot === 'number' ? fmtNum(r.printshot) : r.printshot,
      typeof r.pytorch === 'number' ? fmtNum(r.pytorch) : r.pytorch,
      r.ratio !== undefined ? r.ratio.toFixed(2) : '—',
      gf(r.printshotGflops, peak),
      gf(r.pytorchGflops, peak),
    ].map((c, i) => {
      if (!c.startsWith('failed')) return c;
      failures.push(`${r.model} ${r.workload} (${i === 3 ? 'Printshot' : 'PyTorch'}): ${c}`);
      return 'failed*';
    }),
  );
  const lines = table(['model', 'workload', 'batch', 'Printshot img/s', 'PyTorch img/s', 'ratio P/T', 'Printshot GFLOP/s', 'PyTorch GFLOP/s'], [26, 9, 5, 16, 14, 9, 18, 16], cells, 2);
  for (const f of failures) lines.push(`  * ${f}`);
  lines.push('', `runs and contention (best of ${repeats} shown above; bg = cores kept busy by other processes during the best run's loop, 0 when idle):`);
  const runs = rows.map((r) => [r.model, r.workload, r.printshotRuns.map((v) => fmtNum(v)).join(', ') || '—', fmtNum(r.printshotBackground), r.pytorchRuns.map((v) => fmtNum(v)).join(', ') || '—', fmtNum(r.pytorchBackground)]);
  lines.push(...table(['model', 'workload', 'Printshot img/s, runs', 'P bg', 'PyTorch img/s, runs', 'T bg'], [26, 9, 22, 6, 22, 6], runs, 2));
  return lines;
}

// ----------------------------------------------------------------------------- matched threads

export interface MatchedRow {
  threads: number;
  model: ModelId;
  workload: MatchedWorkload;
  batch: number;
  variant: string;
  workers: number;
  wasmThreads: number;
  threadsObtained: number[];
  printshot: number | string;
  pytorch: number | string;
  ratio: number | undefined;
  /** The fastest PyTorch thread count ≤ N measured for this row, and the ratio against it. */
  bestTorch: { threads: number; imgPerS: number } | undefined;
  ratioBest: number | undefined;
  printshotGflops: number | undefined;
  pytorchGflops: number | undefined;
  printshotPeak: number;
  pytorchPeak: number;
  printshotBackground: number | undefined;
  pytorchBackground: number | undefined;
  printshotRuns: number[];
  pytorchRuns: number[];
  maxRssMiB: number | undefined;
  /** numTensors equal before and after in every worker (no leak), or undefined when not run. */
  tensorsSteady: boolean | undefined;
}

export function matchedRows(
  runs: MatchedResult[][],
  torchByThreads: Map<number, TorchReport>,
  torchRunsByThreads: Map<number, TorchReport[]>,
  flops: Partial<Record<ModelId, FlopCounts>>,
  machine: MachineInfo,
): MatchedRow[] {
  const rows: MatchedRow[] = [];
  for (const first of runs[0] ?? []) {
    const same = runs.map((r) => r.find((x) => x.threads === first.threads && x.model === first.model && x.variant.label === first.variant.label)).filter((x): x is MatchedResult => !!x);
    const torchOf = (n: number): TorchReport | undefined => torchByThreads.get(n);
    const tm = TORCH_MODEL[first.model];
    for (const w of MATCHED_WORKLOADS) {
      const outcomes = same.flatMap((s) => (s.cell ? [s.cell[w]] : [{ error: s.error ?? 'failed' }]));
      const o = bestOutcome(outcomes);
      const ps = rateOf(o);
      const t = torchOf(first.threads);
      const tr = t?.results.find((r) => r.model === tm);
      const pt = tr?.[w]?.img_per_s;
      let bestTorch: MatchedRow['bestTorch'];
      for (const [n, rep] of torchByThreads) {
        const v = rep.results.find((r) => r.model === tm)?.[w]?.img_per_s;
        if (n <= first.threads && v !== undefined && (!bestTorch || v > bestTorch.imgPerS)) bestTorch = { threads: n, imgPerS: v };
      }
      const f = flops[first.model] ? workloadFlops(flops[first.model]!, w) : 0;
      const cells = same.flatMap((s) => (s.cell ? [s.cell] : []));
      const tensors = cells.flatMap((c) => c.tensors[w]);
      rows.push({
        threads: first.threads,
        model: first.model,
        workload: w,
        batch: cells[0]?.batch ?? 0,
        variant: first.variant.label,
        workers: first.variant.workers,
        wasmThreads: first.variant.wasmThreads,
        threadsObtained: cells[0]?.threadsObtained ?? [],
        printshot: ps ?? (o && 'error' in o ? `failed: ${o.error}` : 'not run'),
        pytorch: pt ?? (t ? (tr?.error ? `failed: ${tr.error}` : t.error ? 'failed' : 'not run') : 'skipped'),
        ratio: ps !== undefined && pt !== undefined ? ps / pt : undefined,
        bestTorch,
        ratioBest: ps !== undefined && bestTorch ? ps / bestTorch.imgPerS : undefined,
        printshotGflops: ps !== undefined ? (ps * f) / 1e9 : undefined,
        pytorchGflops: pt !== undefined ? (pt * f) / 1e9 : undefined,
        printshotPeak: peakGflops(machine, first.variant.workers * first.variant.wasmThreads),
        pytorchPeak: peakGflops(machine, first.threads),
        printshotBackground: o && !('error' in o) ? (o.background ?? undefined) : undefined,
        pytorchBackground: tr?.[w]?.background ?? undefined,
        printshotRuns: same.map((s) => rateOf(s.cell?.[w])).filter((x): x is number => x !== undefined),
        pytorchRuns: (torchRunsByThreads.get(first.threads) ?? []).map((r) => r.results.find((x) => x.model === tm)?.[w]?.img_per_s).filter((x): x is number => x !== undefined),
        maxRssMiB: cells.length ? Math.max(...cells.map((c) => c.maxRssMiB)) : undefined,
        tensorsSteady: tensors.length ? tensors.every(([b, a]) => a === b) : undefined,
      });
    }
  }
  return rows;
}

export function renderMatched(rows: MatchedRow[], repeats: number): string[] {
  const cells = rows.map((r) => [
    String(r.threads),
    MODEL_LABEL[r.model],
    WORKLOAD_LABEL[r.workload],
    String(r.batch),
    r.variant + (r.wasmThreads > 1 && r.threadsObtained.some((t) => t !== r.wasmThreads) ? ` (got ${r.threadsObtained.join(',')})` : ''),
    typeof r.printshot === 'number' ? fmtNum(r.printshot) : 'failed*',
    typeof r.pytorch === 'number' ? fmtNum(r.pytorch) : r.pytorch.startsWith('failed') ? 'failed*' : r.pytorch,
    r.ratio !== undefined ? r.ratio.toFixed(2) : '—',
    r.ratioBest !== undefined && r.bestTorch ? `${r.ratioBest.toFixed(2)} (${r.bestTorch.threads})` : '—',
    gf(r.printshotGflops, r.printshotPeak),
    gf(r.pytorchGflops, r.pytorchPeak),
  ]);
  const lines = table(
    ['N', 'model', 'workload', 'batch', 'Printshot on N cores', 'Printshot img/s', 'PyTorch img/s', 'ratio P/T', 'vs best T≤N', 'Printshot GFLOP/s', 'PyTorch GFLOP/s'],
    [2, 24, 8, 5, 24, 15, 13, 9, 11, 17, 15],
    cells,
    5,
  );
  for (const r of rows) {
    if (typeof r.printshot === 'string' && r.printshot.startsWith('failed')) lines.push(`  * N=${r.threads} ${r.model} ${r.workload} ${r.variant}: ${r.printshot}`);
    if (typeof r.pytorch === 'string' && r.pytorch.startsWith('failed')) lines.push(`  * N=${r.threads} ${r.model} ${r.workload} PyTorch: ${r.pytorch}`);
  }
  lines.push('', `matched runs, contention and memory (best of ${repeats}; bg = cores busy in other processes during the best run; RSS = peak of the process running the workers):`);
  const runs = rows.map((r) => [
    String(r.threads),
    MODEL_LABEL[r.model],
    WORKLOAD_LABEL[r.workload],
    r.variant,
    r.printshotRuns.map((v) => fmtNum(v)).join(', ') || '—',
    fmtNum(r.printshotBackground),
    r.pytorchRuns.map((v) => fmtNum(v)).join(', ') || '—',
    fmtNum(r.pytorchBackground),
    r.maxRssMiB !== undefined ? r.maxRssMiB.toFixed(0) : '—',
    r.tensorsSteady === undefined ? '—' : r.tensorsSteady ? 'steady' : 'LEAK',
  ]);
  lines.push(...table(['N', 'model', 'workload', 'Printshot', 'P img/s, runs', 'P bg', 'T img/s, runs', 'T bg', 'RSS MiB', 'tensors'], [2, 24, 8, 24, 18, 5, 18, 5, 7, 7], runs, 4));
  return lines;
}
