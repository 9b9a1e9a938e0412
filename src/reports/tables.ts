/**
 * The paper's tables from per-image outcomes, for one channel (photos or a synthetic transform):
 *   Table 1  accuracy, average case: channel clean/adv, source clean/adv, top-1/top-5
 *   Table 2  the same on the prefiltered case
 *   Table 3  destruction rate, average and prefiltered, top-1/top-5
 * plus the digital table and perturbation statistics. Row order follows the paper (fast, basic
 * iterative, l.l. class; eps descending).
 */
import { sampleIndices, selectPrefiltered, type ConfidenceOn } from '../metrics';
import { createRng } from '../shared';
import type { RunOutcomes } from './outcomes';
import { rankOf } from './outcomes';
import { accuracyCell, destructionCell, meanCell, ratioCell, top1, top5, type Rank } from './stats';
import type { Cell, ReportTable, RunInfo, TableColumn, TableRow } from './types';

export const METHOD_NAMES: Record<string, string> = { fgsm: 'fast', bim: 'iter. basic', illc: 'l.l. class' };
const METHOD_ORDER = ['fgsm', 'bim', 'illc'];

export function methodName(method: string): string {
  return METHOD_NAMES[method] ?? method;
}

export interface SelectionOptions {
  n: number | null;
  seed: number | string;
  confidenceOn: ConfidenceOn;
}

export interface RunEntry {
  info: RunInfo;
  out: RunOutcomes;
  /** Row label, e.g. 'fgsm eps=16' (suffixed when a method/eps pair has several runs). */
  label: string;
}

/** Paper order: method (fast, basic, l.l., then others by name), eps descending, then age. */
export function sortRuns<T extends { method: string; eps: number }>(runs: readonly T[]): T[] {
  const order = (m: string) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
  return [...runs].sort((a, b) => order(a.method) - order(b.method) || a.method.localeCompare(b.method) || b.eps - a.eps);
}

export const cleanRanks = (o: RunOutcomes): Rank[] => o.clean.map((p, i) => rankOf(p, o.labels[i]));
export const advRanks = (o: RunOutcomes): Rank[] => o.adversarial.map((p, i) => rankOf(p, o.labels[i]));

/**
 * The images of one case among those `available` on the channel. Average: all of them, or n at
 * random. Prefiltered: clean right and adversarial wrong in top-1 and top-5 with confidence
 * ≥ 0.8 (see src/metrics/selection.ts), then n at random. One seeded draw per run and case.
 */
/**
 * Prefilter input with top-k lists padded to 5 entries (-1 = no class): a model with fewer than
 * five classes then has its label "in the top 5" always, as the definition implies, instead of
 * failing the top-5 check for lack of entries.
 */
export function prefiltered(o: RunOutcomes, confidenceOn: ConfidenceOn): number[] {
  const pad = (p: RunOutcomes['clean'][number]) => ({ topK: [...p.topK, -1, -1, -1, -1, -1].slice(0, Math.max(5, p.topK.length)), topProb: p.topProb });
  return selectPrefiltered({ labels: o.labels, clean: o.clean.map(pad), adversarial: o.adversarial.map(pad) }, { confidenceOn });
}

export function selectCase(o: RunOutcomes, available: (i: number) => boolean, mode: 'average' | 'prefiltered', sel: SelectionOptions): number[] {
  const all = o.labels.map((_, i) => i);
  const base = mode === 'prefiltered' ? prefiltered(o, sel.confidenceOn) : all;
  const eligible = base.filter(available);
  return sel.n === null ? eligible : sampleIndices(eligible, sel.n, createRng(sel.seed));
}

export interface ChannelRanks {
  /** Rank under the channel for the clean image (null when not photographed / not computed). */
  clean: (Rank | null)[] | null;
  adversarial: (Rank | null)[];
}

export function channelRanks(o: RunOutcomes, channel: string): ChannelRanks | null {
  if (channel === 'photo') {
    if (!o.photo || !o.photo.adversarial.some((p) => p)) return null;
    const r = (ps: (RunOutcomes['clean'][number] | null)[]) => ps.map((p, i) => (p ? rankOf(p, o.labels[i]) : null));
    return { clean: r(o.photo.clean), adversarial: r(o.photo.adversarial) };
  }
  const adv = o.transformed[channel];
  return adv ? { clean: o.transformedClean[channel] ?? null, adversarial: adv } : null;
}

function rowOf(e: RunEntry, cells: Record<string, Cell | null>): TableRow {
  return { key: e.info.id, label: e.label, run: e.info.id, method: e.info.method, eps: e.info.eps, cells };
}

function accuracyColumns(channelGroup: string): TableColumn[] {
  const cols: TableColumn[] = [];
  for (const [g, p] of [[`${channelGroup} clean`, 'chClean'], [`${channelGroup} adv.`, 'chAdv'], ['Source clean', 'srcClean'], ['Source adv.', 'srcAdv']]) {
    cols.push({ key: `${p}1`, label: 'top-1', group: g }, { key: `${p}5`, label: 'top-5', group: g });
  }
  return cols;
}

/** Tables 1–3 for one channel; empty when no run has data on it. */
export function paperTables(entries: readonly RunEntry[], channel: string, channelTitle: string, sel: SelectionOptions): ReportTable[] {
  const group = channel === 'photo' ? 'Photos' : 'T(x)';
  const t1: TableRow[] = [];
  const t2: TableRow[] = [];
  const t3: TableRow[] = [];
  for (const e of entries) {
    const ch = channelRanks(e.out, channel);
    if (!ch) continue;
    const src = { clean: cleanRanks(e.out), adv: advRanks(e.out) };
    const available = (i: number) => ch.adversarial[i] !== null;
    const cases = { average: selectCase(e.out, available, 'average', sel), prefiltered: selectCase(e.out, available, 'prefiltered', sel) };
    const acc = (idx: number[]): Record<string, Cell | null> => ({
      chClean1: ch.clean ? accuracyCell(ch.clean, idx, top1) : null,
      chClean5: ch.clean ? accuracyCell(ch.clean, idx, top5) : null,
      chAdv1: accuracyCell(ch.adversarial, idx, top1),
      chAdv5: accuracyCell(ch.adversarial, idx, top5),
      srcClean1: accuracyCell(src.clean, idx, top1),
      srcClean5: accuracyCell(src.clean, idx, top5),
      srcAdv1: accuracyCell(src.adv, idx, top1),
      srcAdv5: accuracyCell(src.adv, idx, top5),
    });
    t1.push(rowOf(e, acc(cases.average)));
    t2.push(rowOf(e, acc(cases.prefiltered)));
    const d = (idx: number[], hit: (r: Rank) => boolean) => destructionCell(src.clean, src.adv, ch.adversarial, idx, hit);
    t3.push(rowOf(e, { avg1: d(cases.average, top1), avg5: d(cases.average, top5), pre1: d(cases.prefiltered, top1), pre5: d(cases.prefiltered, top5) }));
  }
  if (!t1.length) return [];
  const what = channel === 'photo' ? 'photos' : `synthetic transform ${channelTitle}`;
  const tClean = channel !== 'photo' && t1.every((r) => r.cells.chClean1 === null) ? ' T(clean) was not computed for this setting.' : '';
  // An all-"—" table must say why: here, no image of any run met the prefilter.
  const noValue = (rows: TableRow[]) => rows.every((r) => Object.values(r.cells).every((c) => c === null || c.value === null));
  const t2Empty = noValue(t2) ? ' Empty: no image passed the prefilter in any run (the attack fooled no correctly classified image with confidence ≥ 0.8), so there is nothing to measure.' : '';
  return [
    { id: `table1-${channel}`, number: 'Table 1', title: `Accuracy, average case — ${what} (%)`, channel, columns: accuracyColumns(group), rows: t1, note: `Cells: percent correct; counts and 95% Wilson intervals in CSV/JSON.${tClean}` },
    { id: `table2-${channel}`, number: 'Table 2', title: `Accuracy, prefiltered case — ${what} (%)`, channel, columns: accuracyColumns(group), rows: t2, note: `Prefiltered: clean right and adversarial wrong in top-1 and top-5, top prediction confidence ≥ 0.8.${t2Empty}` },
    {
      id: `table3-${channel}`,
      number: 'Table 3',
      title: `Destruction rate — ${what} (%)`,
      channel,
      columns: [
        { key: 'avg1', label: 'top-1', group: 'Average' },
        { key: 'avg5', label: 'top-5', group: 'Average' },
        { key: 'pre1', label: 'top-1', group: 'Prefiltered' },
        { key: 'pre5', label: 'top-5', group: 'Prefiltered' },
      ],
      rows: t3,
      note: 'Kurakin Eq. (1): of the images with clean right and digital adversarial wrong, the fraction the channel makes right again.',
    },
  ];
}

/** Digital accuracy (average case) and attack success, one row per run. */
export function digitalTable(entries: readonly RunEntry[], sel: SelectionOptions): ReportTable {
  const rows = entries.map((e) => {
    const idx = selectCase(e.out, () => true, 'average', sel);
    const pre = prefiltered(e.out, sel.confidenceOn);
    const c = cleanRanks(e.out);
    const a = advRanks(e.out);
    return rowOf(e, {
      clean1: accuracyCell(c, idx, top1),
      clean5: accuracyCell(c, idx, top5),
      adv1: accuracyCell(a, idx, top1),
      adv5: accuracyCell(a, idx, top5),
      success: e.info.attackSuccess,
      rawSuccess: e.info.success,
      prefiltered: ratioCell(pre.length, e.out.labels.length),
    });
  });
  return {
    id: 'digital',
    number: 'Digital',
    title: 'Digital accuracy of source images, average case (%)',
    columns: [
      { key: 'clean1', label: 'top-1', group: 'Clean' },
      { key: 'clean5', label: 'top-5', group: 'Clean' },
      { key: 'adv1', label: 'top-1', group: 'Adversarial' },
      { key: 'adv5', label: 'top-5', group: 'Adversarial' },
      { key: 'success', label: 'success', group: 'Attack' },
      { key: 'rawSuccess', label: 'raw, all images', group: 'Attack' },
      { key: 'prefiltered', label: 'eligible', group: 'Prefiltered' },
    ],
    rows,
    note: 'Success: of the images the model got right before the attack, the share the attack fooled (hit the target for l.l. class), judged after 8-bit rounding; "raw" also counts images already misclassified. Adversarial top-1 is accuracy over all images. "Eligible": share of images that pass the prefilter.',
  };
}

export function perturbationTable(entries: readonly RunEntry[]): ReportTable {
  const num = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const rows = entries.map((e) => {
    const p = e.out.perturbation;
    return rowOf(e, {
      linf: meanCell(p.linf),
      linfMax: { value: p.linf.length ? Math.max(...p.linf) : null, format: 'num' },
      l2: meanCell(p.l2),
      psnr: meanCell(num(p.psnr), 'db'),
      ssim: meanCell(num(p.ssim)),
    });
  });
  return {
    id: 'perturbation',
    number: 'Perturbation',
    title: 'Perturbation statistics, adversarial vs clean (0..255 scale; means with 95% intervals)',
    columns: [
      { key: 'linf', label: 'L∞ mean' },
      { key: 'linfMax', label: 'L∞ max' },
      { key: 'l2', label: 'L2 mean' },
      { key: 'psnr', label: 'PSNR' },
      { key: 'ssim', label: 'SSIM' },
    ],
    rows,
    note: 'PSNR leaves out unchanged images (infinite PSNR). SSIM: Wang et al. 2004, 11×11 Gaussian window.',
  };
}
