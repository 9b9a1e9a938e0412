/**
 * Distances between two 8-bit images on the 0..255 scale: the perturbation norms the attacks
 * are constrained by (L_inf is the paper's eps) plus PSNR. All channels count, alpha included.
 */
import { PrintshotError, type Image8 } from '../shared';

export function assertSameShape(a: Image8, b: Image8): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new PrintshotError(
      'bad-argument',
      `images differ in shape: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
    );
  }
}

export interface ImageNorms {
  /** Number of changed values (pixels x channels). */
  l0: number;
  /** Euclidean norm of the difference, 0..255 units. */
  l2: number;
  /** Largest absolute difference, 0..255 units. */
  linf: number;
  /** Root mean square difference (l2 / sqrt(count)), 0..255 units. */
  rms: number;
  /** Number of values compared (width x height x channels). */
  count: number;
}

export function imageNorms(a: Image8, b: Image8): ImageNorms {
  assertSameShape(a, b);
  let l0 = 0;
  let sq = 0;
  let linf = 0;
  const n = a.data.length;
  for (let i = 0; i < n; i++) {
    const d = a.data[i] - b.data[i];
    if (d !== 0) {
      l0++;
      sq += d * d;
      const ad = d < 0 ? -d : d;
      if (ad > linf) linf = ad;
    }
  }
  return { l0, l2: Math.sqrt(sq), linf, rms: n ? Math.sqrt(sq / n) : 0, count: n };
}

/** Peak signal-to-noise ratio in dB with peak 255; Infinity for identical images. */
export function psnr(a: Image8, b: Image8): number {
  assertSameShape(a, b);
  if (a.data.length === 0) throw new PrintshotError('bad-argument', 'psnr of empty images is undefined');
  let sq = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sq += d * d;
  }
  if (sq === 0) return Infinity;
  const mse = sq / a.data.length;
  return 10 * Math.log10((255 * 255) / mse);
}
