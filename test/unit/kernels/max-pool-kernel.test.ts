/**
 * The one-pass max-pool input gradient (src/kernels/max-pool-kernel.ts) against the composite
 * built from forward kernels (itself checked against finite differences and stock cpu in
 * op-suite.ts), on inputs full of ties, where "first maximum in row-major order" decides.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxPoolInputGradComposite, registerInputGradients } from '../../../src/kernels';
import { maxPoolInputGradKernel, type MaxPoolGradAttrs } from '../../../src/kernels/max-pool-kernel';
import { createRng } from '../../../src/shared';

type Case = [string, [number, number, number, number], MaxPoolGradAttrs];
const CASES: Case[] = [
  ['2×2/2 valid, even', [2, 8, 8, 5], { filterSize: 2, strides: 2, pad: 'valid' }],
  ['2×2/2 valid, odd (last row and column unread)', [2, 11, 9, 3], { filterSize: 2, strides: 2, pad: 'valid' }],
  ['2×2/2 same, odd (windows past the border)', [1, 7, 7, 4], { filterSize: 2, strides: 2, pad: 'same' }],
  ['3×3/2 same (overlapping windows add up)', [2, 9, 10, 3], { filterSize: 3, strides: 2, pad: 'same' }],
  ['3×3/1 same', [1, 6, 6, 2], { filterSize: 3, strides: 1, pad: 'same' }],
  ['2×3/(2,3) valid', [1, 8, 9, 2], { filterSize: [2, 3], strides: [2, 3], pad: 'valid' }],
];

/** Values on a coarse grid around 0 (many ties, zeros, negatives and −0). */
function tiedInput(shape: number[], seed: string): tf.Tensor4D {
  const rng = createRng(seed);
  const n = shape.reduce((a, d) => a * d, 1);
  const values = Float32Array.from({ length: n }, () => {
    const v = rng.int(7) - 3;
    return v === 0 && rng.int(2) === 0 ? -0 : v / 2;
  });
  return tf.tensor4d(values, shape as [number, number, number, number]);
}

/** Bit-equal (±0 alike) where windows do not overlap; where they do, sums may round differently. */
function expectSameGradient(ours: ArrayLike<number>, composite: ArrayLike<number>, attrs: MaxPoolGradAttrs): void {
  const overlapping = JSON.stringify(attrs.filterSize) !== JSON.stringify(attrs.strides);
  const tolerance = overlapping ? 1e-6 : 0;
  const worst = Array.from(composite).reduce((w, c, i) => Math.max(w, Math.abs(ours[i] - c) / Math.max(Math.abs(c), 1)), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
  // Zero pattern identical: which pixels get no gradient is what sign() sees.
  expect(Array.from(ours, (v) => v === 0)).toEqual(Array.from(composite, (v) => v === 0));
}

describe.each(['cpu', 'wasm'])('max-pool input gradient kernel on %s', (backend) => {
  beforeAll(async () => {
    registerInputGradients();
    await tf.setBackend(backend);
  });

  it.each(CASES)('%s: same as the composite gradient, ties to the first maximum', (name, shape, attrs) => {
    tf.tidy(() => {
      const x = tiedInput(shape, name);
      const y = tf.maxPool(x, attrs.filterSize, attrs.strides, attrs.pad);
      const dy = tf.randomUniform(y.shape, 0.5, 1.5, 'float32', 7) as tf.Tensor4D;
      const ours = maxPoolInputGradKernel(dy, x, attrs).dataSync() as Float32Array;
      const composite = maxPoolInputGradComposite(dy, x, attrs).dataSync();
      expectSameGradient(ours, composite, attrs);
      // Every window routes its whole gradient somewhere: the sums agree.
      const total = tf.sum(dy).dataSync()[0];
      expect(Math.abs(ours.reduce((a: number, b: number) => a + b, 0) - total)).toBeLessThanOrEqual(1e-5 * total);
    });
  });

  it.each(CASES)('%s, positiveOnly: the gradient of relu then max-pool', (name, shape, attrs) => {
    tf.tidy(() => {
      const x = tf.relu(tiedInput(shape, `${name} relu`)) as tf.Tensor4D;
      const y = tf.maxPool(x, attrs.filterSize, attrs.strides, attrs.pad);
      const dy = tf.randomUniform(y.shape, 0.5, 1.5, 'float32', 8) as tf.Tensor4D;
      const ours = maxPoolInputGradKernel(dy, x, { ...attrs, positiveOnly: true }).dataSync();
      const composite = tf.mul(maxPoolInputGradComposite(dy, x, attrs), tf.step(x)).dataSync();
      expectSameGradient(ours, composite, attrs);
    });
  });

  it('allocates only its output', () => {
    const x = tiedInput([1, 6, 6, 2], 'leak');
    const dy = tf.ones([1, 3, 3, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const dx = maxPoolInputGradKernel(dy, x, { filterSize: 2, strides: 2, pad: 'valid' });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, dy, dx]);
  });
});
