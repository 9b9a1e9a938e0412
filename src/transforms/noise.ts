/**
 * Additive Gaussian noise, sigma on the 0..255 scale (Fig. 6 axis 5..20), clipped to [0,1].
 * The noise comes from the project's seeded Rng (not tf.randomNormal), so a seed reproduces it
 * bit for bit on every backend, and one Rng stream feeds a whole batch in NHWC order.
 * Differentiable w.r.t. x: the noise is a constant added to the input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Rng } from '../shared';
import { rangedNumber } from './params';
import type { TransformDescriptor } from './types';

/** N(0, sigma/255) samples for `size` elements, drawn in order from rng. */
export function normalNoise(size: number, sigma255: number, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  const s = sigma255 / 255;
  for (let i = 0; i < size; i++) out[i] = rng.normal() * s;
  return out;
}

const noiseParams = z.strictObject({
  sigma: rangedNumber('sigma', 0, 255, 10, { unit: 'intensity levels (0..255 scale)' }),
});

export const gaussianNoise: TransformDescriptor<{ sigma: number }> = {
  id: 'gaussian-noise',
  title: 'Gaussian noise (sigma on 0..255 scale)',
  sweepParam: 'sigma',
  params: noiseParams,
  paperRange: { min: 5, max: 20 },
  sweep: [5, 10, 15, 20],
  // imagecorruptions gaussian_noise: std c on the [0,1] scale, so sigma = 255 c here.
  presets: [0.08, 0.12, 0.18, 0.26, 0.38].map((c, i) => ({ severity: i + 1, value: Math.round(c * 255 * 100) / 100 })),
  differentiable: true,
  apply(x, { sigma }, rng) {
    if (sigma === 0) return tf.clone(x);
    const noise = normalNoise(x.size, sigma, rng);
    return tf.tidy(() => tf.clipByValue(tf.add(x, tf.tensor(noise, x.shape, 'float32')), 0, 1));
  },
};
