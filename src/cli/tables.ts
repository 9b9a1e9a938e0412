/** Human tables for evaluation results: accuracy with intervals and destruction rates. */
import type { AccuracyResult, DestructionRate } from '../metrics';
import type { TransformResult } from '../services/evaluate';
import { formatTable, pct } from './output';

export function ciText(ci: { low: number; high: number } | null): string {
  return ci ? `[${pct(ci.low, 0)}, ${pct(ci.high, 0)}]` : '';
}

export function rateText(d: DestructionRate): string {
  return `${pct(d.rate)} (${d.numerator}/${d.denominator}) ${ciText(d.ci)}`.trim();
}

export function accuracyLine(title: string, a: { top1: AccuracyResult; top5: AccuracyResult }): string {
  return `${title.padEnd(24)} top-1 ${pct(a.top1.accuracy)} ${ciText(a.top1.ci)}   top-5 ${pct(a.top5.accuracy)} ${ciText(a.top5.ci)}`;
}

export function destructionTable(results: readonly TransformResult[]): string {
  return formatTable(
    ['transform', 'destruction top-1', 'destruction top-5', 'T(adv) top-1 acc'],
    results.map((r) => [r.spec, rateText(r.destruction.top1), rateText(r.destruction.top5), pct(r.adversarial.top1.accuracy)]),
  );
}
