/** Human tables for evaluation results: accuracy with intervals and destruction rates. */
import type { AccuracyResult, AttackSummary, DestructionRate, Rate } from '../metrics';
import type { Cell } from '../reports/types';
import type { TransformResult } from '../services/evaluate';
import { formatTable, pct } from './output';

export function ciText(ci: { low: number; high: number } | null): string {
  return ci ? `[${pct(ci.low, 0)}, ${pct(ci.high, 0)}]` : '';
}

export function rateText(d: DestructionRate): string {
  return `${pct(d.rate)} (${d.numerator}/${d.denominator}) ${ciText(d.ci)}`.trim();
}

/** A rate with its counts and 95 % interval: "80.0% (4/5) [38%, 96%]". */
export function rateCountText(r: Rate): string {
  return `${pct(r.rate)} (${r.count}/${r.total}) ${ciText(r.ci)}`.trim();
}

/**
 * The attack command's table: success among the images the model got right before the attack
 * (the headline) beside adversarial accuracy over all images, each with counts and interval.
 * Images already wrong are counted apart, never as fooled.
 */
export function attackSummaryTable(runDir: string, name: string, s: AttackSummary): string {
  const table = formatTable(
    ['run', 'images', 'success (of clean-correct)', 'adv top-1 accuracy', 'clean top-1 accuracy', 'mean L∞', 'mean L2'],
    [[`${runDir} (${name})`, s.images, rateCountText(s.attackSuccess), rateCountText(s.adversarialAccuracy), rateCountText(s.cleanAccuracy), s.meanLinf.toFixed(2), s.meanL2.toFixed(1)]],
  );
  const wrong = s.alreadyMisclassified
    ? `\n${s.alreadyMisclassified} image(s) already misclassified before the attack are not counted as fooled (raw success over all images: ${s.rawSuccess.count}/${s.rawSuccess.total}).`
    : '';
  return `${table}\nSuccess is judged after rounding to 8 bits; intervals are 95% Wilson.${wrong}`;
}

/** A report cell's rate with its counts and interval; '—' when there is none. */
export function cellRateText(c: Cell | null | undefined): string {
  if (!c || c.value === null) return '—';
  return c.denominator === undefined ? pct(c.value) : rateCountText({ count: c.numerator ?? 0, total: c.denominator, rate: c.value, ci: c.ci ?? null });
}

/** An accuracy with its counts and 95 % interval: "62.5% (5/8) [31%, 86%]". */
export function accuracyText(a: AccuracyResult): string {
  return `${pct(a.accuracy)} (${a.correct}/${a.total}) ${ciText(a.ci)}`.trim();
}

export function accuracyLine(title: string, a: { top1: AccuracyResult; top5: AccuracyResult }): string {
  return `${title.padEnd(24)} top-1 ${accuracyText(a.top1)}   top-5 ${accuracyText(a.top5)}`;
}

export function destructionTable(results: readonly TransformResult[]): string {
  return formatTable(
    ['transform', 'destruction top-1', 'destruction top-5', 'T(adv) top-1 acc'],
    results.map((r) => [r.spec, rateText(r.destruction.top1), rateText(r.destruction.top5), accuracyText(r.adversarial.top1)]),
  );
}
