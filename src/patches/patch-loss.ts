/**
 * The two regularisers of a printable patch, after Sharif et al. ("Accessorize to a Crime",
 * CCS 2016) and Eykholt et al. (RP2, arXiv 1707.08945):
 *
 *   NPS(P) = mean over patch pixels p of min_k ‖p − c_k‖₂, with c_k the colours the printer and
 *            camera can reproduce (measured from calibration photos, or a default list). The min
 *            form (RP2's) keeps the loss on the 0..1 scale of a colour distance; its gradient
 *            pulls each pixel toward its nearest printable colour.
 *   TV(P)  = mean over pixels of √((p[i+1,j] − p[i,j])² + (p[i,j+1] − p[i,j])² + 1e-8): noise-like
 *            high frequencies are what a printer blurs away, so they are penalised.
 *
 * Patches are [1, p, p, C] tensors in [0, 1]; colours are [K, C] in [0, 1].
 */
import * as tf from '@tensorflow/tfjs-core';
import { ERROR_CODES, PrintshotError } from '../shared';

/**
 * The fallback gamut when no calibration photo has been measured: the 27 colours of a 3-level RGB
 * grid at levels a laser print reaches (paper white ≈ 0.94, toner black ≈ 0.08) plus three greys.
 * Not Sharif et al.'s measured list (theirs is specific to their printer); reports name it
 * "default palette".
 */
export function defaultPalette(channels: 1 | 3): number[][] {
  const levels = [0.08, 0.5, 0.94];
  if (channels === 1) return [0.08, 0.3, 0.5, 0.7, 0.94].map((v) => [v]);
  const grid = levels.flatMap((r) => levels.flatMap((g) => levels.map((b) => [r, g, b])));
  return [...grid, [0.3, 0.3, 0.3], [0.7, 0.7, 0.7], [0.85, 0.85, 0.85]];
}

/** Checks a palette's shape and range; colours are rows of `channels` values in [0, 1]. */
export function checkPalette(palette: readonly (readonly number[])[], channels: number): void {
  if (palette.length === 0) throw new PrintshotError(ERROR_CODES.badArgument, 'the printable palette is empty', 'measure a calibration photo (printshot calibrate) or leave the palette out to use the default one');
  palette.forEach((c, i) => {
    if (c.length !== channels || c.some((v) => !(v >= 0 && v <= 1))) {
      throw new PrintshotError(ERROR_CODES.badArgument, `palette colour ${i + 1} is not ${channels} value(s) in [0, 1]: ${JSON.stringify(c)}`);
    }
  });
}

/** Mean distance of the patch's pixels to their nearest palette colour (a scalar). */
export function nonPrintability(patch: tf.Tensor4D, palette: readonly (readonly number[])[]): tf.Scalar {
  return tf.tidy(() => {
    const c = patch.shape[3];
    const pixels = tf.reshape(patch, [-1, 1, c]);
    const colours = tf.reshape(tf.tensor2d(palette.map((p) => [...p]), [palette.length, c]), [1, palette.length, c]);
    const dist = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(pixels, colours)), 2), 1e-8));
    return tf.mean(tf.min(dist, 1));
  });
}

/** Mean isotropic total variation of the patch (a scalar). */
export function totalVariation(patch: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w, c] = patch.shape;
    if (h < 2 || w < 2) return tf.scalar(0);
    const base = tf.slice(patch, [0, 0, 0, 0], [1, h - 1, w - 1, c]);
    const down = tf.sub(tf.slice(patch, [0, 1, 0, 0], [1, h - 1, w - 1, c]), base);
    const right = tf.sub(tf.slice(patch, [0, 0, 1, 0], [1, h - 1, w - 1, c]), base);
    return tf.mean(tf.sqrt(tf.add(tf.add(tf.square(down), tf.square(right)), 1e-8)));
  });
}
