/**
 * Brightness and contrast exactly as the paper's Fig. 6 labels them: "brightness +X" adds X
 * intensity levels (0..255 scale) and "contrast *X" multiplies the raw intensities; both clip
 * to the valid range. Neither re-centres on the image mean (imagecorruptions' contrast does;
 * see docs/transforms-and-metrics.md for how its presets map onto ours).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { rangedNumber } from './params';
import type { TransformDescriptor } from './types';

const brightnessParams = z.strictObject({
  delta: rangedNumber('delta', -255, 255, 20, { unit: 'intensity levels (0..255 scale)' }),
});

export const brightness: TransformDescriptor<{ delta: number }> = {
  id: 'brightness',
  title: 'Brightness (X + delta)',
  sweepParam: 'delta',
  params: brightnessParams,
  paperRange: { min: -30, max: 30 },
  sweep: [-30, -20, -10, 0, 10, 20, 30],
  // imagecorruptions adds c in [0,1] units to HSV value (to the intensity itself for grayscale).
  presets: [0.1, 0.2, 0.3, 0.4, 0.5].map((c, i) => ({ severity: i + 1, value: c * 255 })),
  differentiable: true,
  apply(x, { delta }) {
    // Adding 0 then clipping a [0,1] input is the identity, so no special case is needed.
    return tf.tidy(() => tf.clipByValue(tf.add(x, delta / 255), 0, 1));
  },
};

const contrastParams = z.strictObject({
  factor: rangedNumber('factor', 0, 10, 0.8, { unit: '(multiplier of raw intensities)' }),
});

export const contrast: TransformDescriptor<{ factor: number }> = {
  id: 'contrast',
  title: 'Contrast (X * factor)',
  sweepParam: 'factor',
  params: contrastParams,
  paperRange: { min: 0.7, max: 1.2 },
  sweep: [0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
  // imagecorruptions scales deviations from the per-image mean by c; ours scales deviations
  // from 0 by the same c, so the presets keep c (the AC gain matches, the mean also drops).
  presets: [0.4, 0.3, 0.2, 0.1, 0.05].map((c, i) => ({ severity: i + 1, value: c })),
  differentiable: true,
  apply(x, { factor }) {
    return tf.tidy(() => tf.clipByValue(tf.mul(x, factor), 0, 1));
  },
};
