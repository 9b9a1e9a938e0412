/**
 * The text report of bench/architectures.ts: Markdown tables (steady state, whole process, leak
 * check) that can be pasted into docs/BENCHMARKS.md as they are.
 */
import type { ArchId, ArchModel } from './arch-models';
import { ARCH_TITLE } from './arch-models';
import type { ChildResult, LeakCell, TorchArchResult } from './arch-steady';
import { leakVerdict } from './arch-steady';
import type { ProcessRun } from './arch-whole';
import { fmtNum } from './report';
import type { MatchedCell } from './matched-child';
import type { Outcome } from './node-bench';

export interface SteadyRow {
  model: ArchId;
  batch: number;
  bimSteps: number;
  workers: number;
  printshot: ChildResult<MatchedCell>;
  torch?: TorchArchResult;
}
export interface WholeRow {
  model: ArchId;
  images: number;
  printshot: ProcessRun;
  torch?: ProcessRun;
}
export interface LeakRow {
  model: ArchId;
  result: ChildResult<LeakCell>;
}

const rate = (o: Outcome | undefined): number | undefined => (o && !('error' in o) ? o.imgPerS : undefined);
const ratio = (p: number | undefined, t: number | undefined): string => (p !== undefined && t ? `**${(p / t).toFixed(2)}**` : '—');
const bg = (v: number | undefined | null): string => (v === undefined || v === null ? '?' : v.toFixed(2));
const errOf = (o: Outcome | undefined): string | undefined => (o && 'error' in o ? o.error : undefined);

export function renderSteady(rows: readonly SteadyRow[], models: ReadonlyMap<ArchId, ArchModel>): string[] {
  const L = [
    '| model | batch | workload | Printshot img/s | PyTorch img/s | ratio P/T | Printshot GFLOP/s | PyTorch GFLOP/s | bg P / T | Printshot peak RSS MiB | tensors |',
    '|---|--:|---|--:|--:|--:|--:|--:|---|--:|---|',
  ];
  const notes: string[] = [];
  for (const r of rows) {
    const macs = models.get(r.model)?.macs ?? 0;
    const cell = r.printshot.value;
    const work = [
      { name: 'fwd+bwd', p: cell?.fwdbwd, t: r.torch?.fwdbwd, flop: 4 * macs, tensors: cell?.tensors.fwdbwd },
      { name: `BIM-${r.bimSteps}`, p: cell?.bim20, t: r.torch?.bim, flop: (r.bimSteps * 4 + 4) * macs, tensors: cell?.tensors.bim20 },
    ];
    for (const w of work) {
      const p = rate(w.p);
      const t = w.t?.img_per_s;
      const steady = w.tensors?.length ? (w.tensors.every(([a, b]) => a === b) ? 'steady' : 'LEAK') : '—';
      L.push(
        `| ${ARCH_TITLE[r.model]} | ${r.batch} | ${w.name} | ${fmtNum(p)} | ${fmtNum(t)} | ${ratio(p, t)} | ${p ? fmtNum((p * w.flop) / 1e9) : '—'} | ${t ? fmtNum((t * w.flop) / 1e9) : '—'} | ${bg(w.p && !('error' in w.p) ? w.p.background : undefined)} / ${bg(w.t?.background)} | ${cell ? cell.maxRssMiB.toFixed(0) : '—'} | ${steady} |`,
      );
      const e = r.printshot.error ?? errOf(w.p);
      if (e) notes.push(`${ARCH_TITLE[r.model]} ${w.name}: Printshot failed: ${e}`);
    }
    if (r.torch?.error) notes.push(`${ARCH_TITLE[r.model]}: PyTorch failed: ${r.torch.error}`);
  }
  return [...L, ...notes.map((n) => `- ${n}`)];
}

/** The `printshot attack --json` object (experiment, run, summary, execution), if stdout has one. */
function cliJson(stdout: string): { execution?: unknown; summary?: unknown } | undefined {
  try {
    const v = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { execution?: unknown; summary?: unknown };
    return typeof v === 'object' && v ? v : undefined;
  } catch {
    return undefined;
  }
}

export function renderWhole(rows: readonly WholeRow[]): string[] {
  const L = [
    '| model | images | Printshot s | PyTorch s | ratio T/P (speed) | Printshot peak RSS MiB | PyTorch peak RSS MiB | Printshot cpu s | PyTorch cpu s | bg P / T | PNGs P / T |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|',
  ];
  const notes: string[] = [];
  for (const r of rows) {
    const p = r.printshot;
    const t = r.torch;
    const ok = (x: ProcessRun | undefined): boolean => !!x && !x.error;
    const sp = ok(p) && ok(t) ? `**${(t!.seconds / p.seconds).toFixed(2)}**` : '—';
    L.push(
      `| ${ARCH_TITLE[r.model]} | ${r.images} | ${ok(p) ? p.seconds.toFixed(1) : 'failed'} | ${t ? (ok(t) ? t.seconds.toFixed(1) : 'failed') : '—'} | ${sp} | ${fmtNum(p.maxRssMiB, 0)} | ${fmtNum(t?.maxRssMiB, 0)} | ${fmtNum(p.cpuSeconds, 1)} | ${fmtNum(t?.cpuSeconds, 1)} | ${bg(p.background)} / ${bg(t?.background)} | ${p.pngsWritten} / ${t?.pngsWritten ?? '—'} |`,
    );
    if (p.error) notes.push(`${ARCH_TITLE[r.model]} × ${r.images}: Printshot ${p.error}`);
    for (const l of p.planLines) notes.push(`${ARCH_TITLE[r.model]} × ${r.images}: CLI log: ${l.trim()}`);
    const said = cliJson(p.stdout);
    if (said) notes.push(`${ARCH_TITLE[r.model]} × ${r.images}: the CLI reported execution ${JSON.stringify(said.execution ?? null)}, summary ${JSON.stringify(said.summary ?? null)}`);
    if (t?.error) notes.push(`${ARCH_TITLE[r.model]} × ${r.images}: PyTorch ${t.error}`);
  }
  return [...L, ...notes.map((n) => `- ${n}`)];
}

export function renderLeak(rows: readonly LeakRow[]): string[] {
  return rows.map((r) => {
    const c = r.result.value;
    if (!c || r.result.error) return `- ${ARCH_TITLE[r.model]}: leak check failed: ${r.result.error ?? 'no result'}`;
    return `- ${ARCH_TITLE[r.model]}, BIM-${c.steps} at batch ${c.batch} (one wasm thread, in its own process, ${c.seconds.toFixed(0)} s): peak RSS **${c.maxRssMiB.toFixed(0)} MiB**; ${leakVerdict(c).text}${c.path ? `; execution ${c.path}` : ''}`;
  });
}
