/**
 * A(P, x, l): the patch resampled into each image at its placement (bilinear), with a per-image
 * contrast gain and brightness offset on the pasted pixels only, composited over the image.
 * Differentiable in the patch; the pixels outside the patch are the image's, unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from '../attacks/eot-ops';
import type { PatchTaps } from './placement';

export interface Photometric {
  /** Contrast gain about mid-grey. */
  gain: number;
  /** Brightness offset on the 0..1 scale. */
  offset: number;
}

/** x [N, H, W, C] in [0, 1], patch [1, p, p, C]; one placement (in `taps`) per image. */
export function pastePatch(x: tf.Tensor4D, patch: tf.Tensor4D, taps: PatchTaps, photometric?: readonly Photometric[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const p = patch.shape[1];
    const rows = tf.reshape(patch, [p * p, c]) as tf.Tensor2D;
    let placed = tf.reshape(gatherRows(rows, taps.idx, taps.weights, 4), [n, h, w, c]) as tf.Tensor4D;
    if (photometric) {
      const gain = tf.tensor4d(photometric.map((q) => q.gain), [n, 1, 1, 1]);
      const offset = tf.tensor4d(photometric.map((q) => q.offset), [n, 1, 1, 1]);
      placed = tf.clipByValue(tf.add(tf.add(tf.mul(tf.sub(placed, 0.5), gain), 0.5), offset), 0, 1) as tf.Tensor4D;
    }
    const mask = tf.tensor4d(taps.mask, [n, h, w, 1]);
    return tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(placed, mask)) as tf.Tensor4D;
  });
}
