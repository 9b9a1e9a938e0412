import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { brightness, contrast, getTransform, listTransforms } from '../../../src/transforms';
import { createRng } from '../../../src/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** A 1x1x4x1 tensor from 0..255 values, in [0,1]. */
const px = (...v: number[]) => tf.tensor4d(v.map((x) => x / 255), [1, 1, v.length, 1]);
const to255 = async (t: tf.Tensor) => Array.from(await t.data()).map((x) => x * 255);

describe('brightness', () => {
  it('adds delta levels and clips', async () => {
    const x = px(0, 100, 240, 255);
    const up = brightness.apply(x, { delta: 30 }, createRng(1)) as tf.Tensor4D;
    const down = brightness.apply(x, { delta: -30 }, createRng(1)) as tf.Tensor4D;
    (await to255(up)).forEach((v, i) => expect(v).toBeCloseTo([30, 130, 255, 255][i], 3));
    (await to255(down)).forEach((v, i) => expect(v).toBeCloseTo([0, 70, 210, 225][i], 3));
    tf.dispose([x, up, down]);
  });
});

describe('contrast', () => {
  it('multiplies raw intensities and clips', async () => {
    const x = px(0, 100, 200, 250);
    const lo = contrast.apply(x, { factor: 0.7 }, createRng(1)) as tf.Tensor4D;
    const hi = contrast.apply(x, { factor: 1.2 }, createRng(1)) as tf.Tensor4D;
    (await to255(lo)).forEach((v, i) => expect(v).toBeCloseTo([0, 70, 140, 175][i], 3));
    (await to255(hi)).forEach((v, i) => expect(v).toBeCloseTo([0, 120, 240, 255][i], 3));
    tf.dispose([x, lo, hi]);
  });
});

describe('all transforms', () => {
  it('stay in [0,1], return new tensors, keep shape, and leak nothing', async () => {
    const x = tf.tidy(() => tf.randomUniform([2, 9, 7, 3], 0, 1, 'float32', 3) as tf.Tensor4D);
    for (const d of listTransforms()) {
      const settings = [...d.sweep, ...(d.presets ?? []).map((p) => p.value)];
      for (const v of settings) {
        const before = tf.memory().numTensors;
        const y = await d.apply(x, { [d.sweepParam]: v }, createRng(5));
        expect(y).not.toBe(x);
        expect(y.shape).toEqual(x.shape);
        const { min, max } = tf.tidy(() => ({ min: tf.min(y).dataSync()[0], max: tf.max(y).dataSync()[0] }));
        expect(min).toBeGreaterThanOrEqual(0);
        expect(max).toBeLessThanOrEqual(1);
        y.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it('sweep grids lie inside the paper ranges, which match Fig. 6', () => {
    const ranges = Object.fromEntries(listTransforms().map((d) => [d.id, [d.paperRange.min, d.paperRange.max]]));
    expect(ranges).toEqual({
      brightness: [-30, 30],
      contrast: [0.7, 1.2],
      'gaussian-blur': [0.4, 2.0],
      'gaussian-noise': [5, 20],
      jpeg: [10, 100],
    });
    for (const d of listTransforms()) {
      for (const v of d.sweep) {
        expect(v).toBeGreaterThanOrEqual(d.paperRange.min);
        expect(v).toBeLessThanOrEqual(d.paperRange.max);
      }
      expect(d.sweep[0]).toBe(d.paperRange.min);
      expect(d.sweep.at(-1)).toBe(d.paperRange.max);
      expect(d.presets?.map((p) => p.severity)).toEqual([1, 2, 3, 4, 5]);
    }
    expect(getTransform('jpeg').differentiable).toBe(false);
    expect(listTransforms().filter((d) => d.differentiable).map((d) => d.id)).toEqual([
      'brightness',
      'contrast',
      'gaussian-blur',
      'gaussian-noise',
    ]);
  });

  it('differentiable transforms pass gradients to the input', () => {
    // d(sum of 36 outputs)/dx summed over inputs: 36 for brightness, noise (no clipping at 0.5)
    // and blur (every output is a convex combination); 36 * 0.8 for contrast.
    const expected: Record<string, number> = { brightness: 36, contrast: 28.8, 'gaussian-blur': 36, 'gaussian-noise': 36 };
    const x = tf.fill([1, 6, 6, 1], 0.5) as tf.Tensor4D;
    for (const d of listTransforms().filter((t) => t.differentiable)) {
      const params = { [d.sweepParam]: d.sweep[1] };
      const g = tf.grad((z: tf.Tensor) => tf.sum(d.apply(z as tf.Tensor4D, params, createRng(1)) as tf.Tensor4D));
      const gx = g(x);
      expect(tf.tidy(() => tf.sum(gx).dataSync()[0])).toBeCloseTo(expected[d.id], 4);
      gx.dispose();
    }
    x.dispose();
  });
});
