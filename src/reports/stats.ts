/**
 * Small statistics for report cells: rates with Wilson intervals (the same intervals the
 * evaluate command prints) and means with a normal-approximation interval.
 */
import { destructionRate, wilsonInterval, Z_95, type Rate } from '../metrics';
import type { Cell } from './types';

export function ratioCell(numerator: number, denominator: number): Cell {
  return {
    value: denominator ? numerator / denominator : null,
    format: 'pct',
    numerator,
    denominator,
    ci: wilsonInterval(numerator, denominator),
  };
}

/** The same cell from a summary's rate (src/metrics/attack-summary.ts). */
export function rateCell(r: Rate): Cell {
  return { value: r.rate, format: 'pct', numerator: r.count, denominator: r.total, ci: r.ci };
}

/** Rank of the true label among the top-5 predictions (0 = top-1), or -1 when outside. */
export type Rank = number;

export const top1 = (r: Rank | null | undefined): boolean => r === 0;
export const top5 = (r: Rank | null | undefined): boolean => r !== null && r !== undefined && r >= 0 && r < 5;

/** Accuracy over the images at `idx` whose rank is known (photos may lack a clean crop). */
export function accuracyCell(ranks: readonly (Rank | null)[], idx: readonly number[], hit: (r: Rank) => boolean): Cell {
  let n = 0;
  let c = 0;
  for (const i of idx) {
    const r = ranks[i];
    if (r === null || r === undefined) continue;
    n++;
    if (hit(r)) c++;
  }
  return ratioCell(c, n);
}

/**
 * Kurakin Eq. (1) over the images at `idx`: clean and adversarial terms from the digital
 * images, the third from the channel (photo or synthetic transform).
 */
export function destructionCell(
  clean: readonly Rank[],
  adv: readonly Rank[],
  transformed: readonly (Rank | null)[],
  idx: readonly number[],
  hit: (r: Rank) => boolean,
): Cell {
  const use = idx.filter((i) => transformed[i] !== null && transformed[i] !== undefined);
  const d = destructionRate({
    cleanCorrect: use.map((i) => hit(clean[i])),
    advCorrect: use.map((i) => hit(adv[i])),
    transformedCorrect: use.map((i) => hit(transformed[i] as Rank)),
  });
  return { value: d.rate, format: 'pct', numerator: d.numerator, denominator: d.denominator, ci: d.ci };
}

export interface Summary {
  mean: number;
  sd: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary | null {
  const xs = values.filter((v) => Number.isFinite(v));
  if (!xs.length) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** A mean as a cell: 95% interval mean ± 1.96·sd/√n (n is large enough in every report). */
export function meanCell(values: readonly number[], format: 'num' | 'db' = 'num'): Cell {
  const s = summarize(values);
  if (!s) return { value: null, format, ci: null };
  const half = (Z_95 * s.sd) / Math.sqrt(s.n);
  return { value: s.mean, format, denominator: s.n, ci: { low: s.mean - half, high: s.mean + half } };
}

export function valueCell(value: number | null, format: 'num' | 'db' = 'num'): Cell {
  return { value: value !== null && Number.isFinite(value) ? value : null, format };
}

/** Text of a cell for tables: '36.4% (37/102) [27.6, 46.2]' style pieces, kept separate. */
export function cellText(c: Cell | null | undefined, digits = 1): string {
  if (!c || c.value === null) return '—';
  if (c.format === 'pct') return `${(c.value * 100).toFixed(digits)}`;
  if (c.format === 'db') return `${c.value.toFixed(1)} dB`;
  return Math.abs(c.value) >= 100 ? c.value.toFixed(0) : Math.abs(c.value) >= 1 ? c.value.toFixed(2) : c.value.toFixed(3);
}

export function ciText(c: Cell | null | undefined): string {
  if (!c?.ci || c.value === null) return '';
  if (c.format === 'pct') return `[${(c.ci.low * 100).toFixed(0)}–${(c.ci.high * 100).toFixed(0)}]`;
  return `±${((c.ci.high - c.ci.low) / 2).toPrecision(2)}`;
}

export function countText(c: Cell | null | undefined): string {
  return c && c.format === 'pct' && c.denominator !== undefined ? `${c.numerator}/${c.denominator}` : '';
}
