/**
 * Minimal-perturbation summaries (issue 18, deliverable 3): a minimum-norm attack (cw-l2, lbfgs,
 * fab) on the images the model gets right, and the distribution of the perturbation it needed
 * per image, as Szegedy et al. (arXiv 1312.6199) Table 1's "minimal distortion" column and the
 * median/CDF of Carlini & Wagner. Found = top-1 ≠ label after 8-bit rounding; L-BFGS runs
 * untargeted here (its default aims at the least-likely class, a different, larger minimum).
 */
import { getAttack } from '../attacks';
import { PrintshotError, type LabeledImage } from '../shared';
import type { SuiteLanes } from './robustness-lanes';

/** The minimum-norm attacks: the others stop at their eps, so their perturbation is no minimum. */
export const MINIMAL_METHODS = ['cw-l2', 'cw-l0', 'cw-linf', 'lbfgs', 'fab'];

export function checkMinimalMethod(method: string): void {
  const id = getAttack(method).id;
  if (!MINIMAL_METHODS.includes(id)) throw new PrintshotError('bad-argument', `--minimal takes minimum-norm attacks (${MINIMAL_METHODS.join(', ')}); ${id} stops at its eps`, `e.g. --minimal cw-l2,lbfgs,fab`);
}

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
}

export interface MinimalSummary {
  method: string;
  /** Clean-correct images attacked. */
  images: number;
  /** Images for which a misclassified point was found (the others have no minimal ε). */
  found: number;
  /** Of the found perturbations, on the 0..255 scale. */
  l2: Quartiles | null;
  linf: Quartiles | null;
  /** Szegedy's distortion, sqrt(Σ(x'−x)²/n) on the [0,1] scale: its mean over the found images. */
  distortion: number | null;
  /** CDF of the minimal L2: share of the attacked images broken within x (not-found never counts). */
  cdf: { x: number; share: number }[];
  seconds: number;
}

/** Linear-interpolated quantile of a sorted list. */
export function quantile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (h - lo);
}

const quartiles = (s: readonly number[]): Quartiles | null => (s.length ? { q1: quantile(s, 0.25), median: quantile(s, 0.5), q3: quantile(s, 0.75) } : null);

/** The summary of per-image minimal norms (null: not found) over `images` attacked images. */
export function summarizeMinimal(method: string, found: readonly { l2: number; linf: number; dims: number }[], images: number, seconds: number): MinimalSummary {
  const l2 = found.map((f) => f.l2).sort((a, b) => a - b);
  const linf = found.map((f) => f.linf).sort((a, b) => a - b);
  // The CDF at the found norms' deciles: enough points to draw, few enough to print.
  const xs = [...new Set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((p) => quantile(l2, p)))].filter(Number.isFinite);
  return {
    method,
    images,
    found: found.length,
    l2: quartiles(l2),
    linf: quartiles(linf),
    distortion: found.length ? found.reduce((s, f) => s + f.l2 / 255 / Math.sqrt(f.dims), 0) / found.length : null,
    cdf: xs.map((x) => ({ x, share: images ? l2.filter((v) => v <= x).length / images : 0 })),
    seconds,
  };
}

export async function minimalSummary(lanes: SuiteLanes, correct: readonly LabeledImage[], method: string): Promise<MinimalSummary> {
  const attack = getAttack(method);
  const t0 = Date.now();
  const params = attack.id === 'lbfgs' ? { target: 'untargeted' } : {};
  const rows = await lanes.run(attack.id, params, correct);
  const found = rows.filter((r) => r.advTop[0].label !== r.label).map((r) => ({ l2: r.l2, linf: r.linf, dims: r.adversarial.data.length }));
  return summarizeMinimal(attack.id, found, correct.length, (Date.now() - t0) / 1000);
}
