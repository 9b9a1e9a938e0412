/**
 * Gaussian blur with sigma in pixels (Fig. 6 axis 0.4..2.0). Built from gather + depthwiseConv2d
 * so gradients flow through it (EOT). Separable: one 1-D pass along x, one along y, each with the
 * same normalised kernel of radius ceil(3 sigma).
 *
 * Borders use edge padding (replicate the outermost pixel, scipy/skimage mode 'nearest', which
 * is what imagecorruptions' gaussian_blur uses through skimage). Edge padding keeps a constant
 * image exactly constant and, unlike tf.mirrorPad, works when the radius exceeds the image size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { rangedNumber } from './params';
import type { TransformDescriptor } from './types';

/** Normalised 1-D Gaussian taps for offsets -r..r, r = ceil(3 sigma); sums to 1. */
export function gaussianKernel1d(sigma: number): Float32Array {
  if (!(sigma > 0)) throw new RangeError(`gaussian kernel needs sigma > 0 (got ${sigma})`);
  const r = Math.ceil(3 * sigma);
  const taps = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    // The centre tap is 1 explicitly: for denormal sigma, 0 / (2 sigma^2) would be 0/0 = NaN.
    const v = i === 0 ? 1 : Math.exp(-(i * i) / (2 * sigma * sigma));
    taps[i + r] = v;
    sum += v;
  }
  // Normalise in float64, then store: the float32 taps sum to 1 within rounding.
  return Float32Array.from(taps, (v) => v / sum);
}

/** Source index for each padded position -r..n-1+r, clamped to the edge. */
function edgeIndices(n: number, r: number): Int32Array {
  const idx = new Int32Array(n + 2 * r);
  for (let i = 0; i < idx.length; i++) idx[i] = Math.min(n - 1, Math.max(0, i - r));
  return idx;
}

/** Blur each channel of an NHWC tensor independently (no clipping; a convex combination stays in range). */
export function gaussianBlurTensor(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) / 2;
  // Depthwise filter layout [fh, fw, inChannels, multiplier]: the same taps for every channel.
  const perChannel = new Float32Array(k.length * c);
  for (let i = 0; i < k.length; i++) perChannel.fill(k[i], i * c, (i + 1) * c);
  return tf.tidy(() => {
    const kx = tf.tensor4d(perChannel, [1, k.length, c, 1]);
    const ky = tf.tensor4d(perChannel, [k.length, 1, c, 1]);
    const padW = tf.gather(x, tf.tensor1d(edgeIndices(w, r), 'int32'), 2);
    const alongX = tf.depthwiseConv2d(padW as tf.Tensor4D, kx, 1, 'valid');
    const padH = tf.gather(alongX, tf.tensor1d(edgeIndices(h, r), 'int32'), 1);
    return tf.depthwiseConv2d(padH as tf.Tensor4D, ky, 1, 'valid');
  });
}

const blurParams = z.strictObject({
  sigma: rangedNumber('sigma', 0, 20, 1, { unit: 'pixels' }),
});

export const gaussianBlur: TransformDescriptor<{ sigma: number }> = {
  id: 'gaussian-blur',
  title: 'Gaussian blur (sigma in pixels)',
  sweepParam: 'sigma',
  params: blurParams,
  paperRange: { min: 0.4, max: 2.0 },
  sweep: [0.4, 0.8, 1.2, 1.6, 2.0],
  // imagecorruptions gaussian_blur: skimage sigma in pixels, same unit as ours.
  presets: [1, 2, 3, 4, 6].map((c, i) => ({ severity: i + 1, value: c })),
  differentiable: true,
  apply(x, { sigma }) {
    if (sigma === 0) return tf.clone(x);
    return tf.tidy(() => tf.clipByValue(gaussianBlurTensor(x, sigma), 0, 1));
  },
};
