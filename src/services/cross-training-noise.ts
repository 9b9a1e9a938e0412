/**
 * The baseline of Szegedy et al.'s Table 4 (arXiv 1312.6199, §4.2): Gaussian noise with the same
 * RMS distortion as an image's adversarial example. Szegedy et al. compare against noise of the
 * same standard deviation; here the match is per image and exact after clipping to [0,1]: a
 * draw g ~ N(0, I) is scaled by s so that rms(clip(x + s·g) − x) equals the target. That
 * distance never decreases as s grows (each pixel's |clip(x + s·g) − x| is monotone in s), so
 * bisection finds s. Without the exact match, clipping on Fashion-MNIST's black background
 * would halve the noise there and bias the baseline low.
 */
import { PrintshotError, type Rng } from '../shared';

/** ‖a − b‖₂ / √m. */
export function rmsDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new PrintshotError('bad-argument', `rmsDistance: lengths differ (${a.length} vs ${b.length})`);
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += (a[i] - b[i]) ** 2;
  return a.length ? Math.sqrt(sq / a.length) : 0;
}

function clipped(x: ArrayLike<number>, g: Float32Array, s: number, out: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = Math.min(1, Math.max(0, x[i] + s * g[i]));
  return out;
}

/**
 * x + noise in [0,1] with rmsDistance(result, x) = rms (to ~1e-9 relative), noise drawn from `rng`.
 * `reached` is false when even a huge scale cannot reach `rms` (the result is then the farthest one).
 */
export function sameRmsNoise(x: ArrayLike<number>, rms: number, rng: Rng): { image: Float32Array; rms: number; reached: boolean } {
  if (!(rms >= 0) || !Number.isFinite(rms)) throw new PrintshotError('bad-argument', `sameRmsNoise: rms must be a finite number ≥ 0 (got ${rms})`);
  const out = new Float32Array(x.length);
  if (rms === 0) return { image: Float32Array.from(x), rms: 0, reached: true };
  const g = new Float32Array(x.length);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  const at = (s: number) => rmsDistance(clipped(x, g, s, out), x);
  let lo = 0;
  let hi = rms;
  while (at(hi) < rms) {
    lo = hi;
    hi *= 2;
    if (hi > 1e4) return { image: clipped(x, g, hi, out), rms: at(hi), reached: false };
  }
  for (let k = 0; k < 60 && hi - lo > 1e-12 * hi; k++) {
    const mid = (lo + hi) / 2;
    if (at(mid) < rms) lo = mid;
    else hi = mid;
  }
  return { image: clipped(x, g, hi, out), rms: at(hi), reached: true };
}
