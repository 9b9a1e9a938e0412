/**
 * Wilson score interval for a binomial proportion k/n. Preferred over the normal (Wald)
 * interval because the paper's experiments use ~102 images and rates near 0 or 1, where Wald
 * collapses to zero width or leaves [0,1].
 */
import { PrintshotError } from '../shared';

/** Two-sided 95% standard normal quantile. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson interval for k successes out of n; null when n = 0 (no information). */
export function wilsonInterval(k: number, n: number, z: number = Z_95): Interval | null {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) {
    throw new PrintshotError('bad-argument', `wilson interval needs integers 0 <= k <= n (got k=${k}, n=${n})`);
  }
  if (!(z > 0) || !Number.isFinite(z)) throw new PrintshotError('bad-argument', `z must be a positive number (got ${z})`);
  if (n === 0) return null;
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 / k = n the exact bound is 0 / 1; pin it so float error cannot leave [0,1].
  return {
    low: k === 0 ? 0 : Math.max(0, centre - half),
    high: k === n ? 1 : Math.min(1, centre + half),
  };
}
