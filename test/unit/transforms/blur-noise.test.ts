import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianBlur, gaussianKernel1d, gaussianNoise } from '../../../src/transforms';
import { createRng } from '../../../src/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const apply = async (d: typeof gaussianBlur, x: tf.Tensor4D, sigma: number, seed = 1) =>
  (await d.apply(x, { sigma }, createRng(seed))) as tf.Tensor4D;

describe('gaussian blur', () => {
  it('builds a normalised kernel of radius ceil(3 sigma)', () => {
    for (const sigma of [0.4, 1, 1.5, 2]) {
      const k = gaussianKernel1d(sigma);
      expect(k.length).toBe(2 * Math.ceil(3 * sigma) + 1);
      expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(k[(k.length - 1) / 2]).toBe(Math.max(...k)); // peak at the centre
      expect(Array.from(k)).toEqual(Array.from(k).reverse()); // symmetric
    }
    expect(() => gaussianKernel1d(0)).toThrow(/sigma > 0/);
  });

  it('keeps a constant image constant (edge padding), also when the radius exceeds the image', async () => {
    const x = tf.fill([2, 3, 4, 3], 0.37) as tf.Tensor4D;
    const y = await apply(gaussianBlur, x, 2); // radius 6 > 3x4 image
    for (const v of await y.data()) expect(v).toBeCloseTo(0.37, 5);
    tf.dispose([x, y]);
  });

  it('preserves the mean of an interior impulse and spreads it with the expected weights', async () => {
    const v = new Float32Array(15 * 15);
    v[7 * 15 + 7] = 1;
    const x = tf.tensor4d(v, [1, 15, 15, 1]);
    const y = await apply(gaussianBlur, x, 1);
    const out = await y.data();
    expect(Array.from(out).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const k = gaussianKernel1d(1);
    expect(out[7 * 15 + 7]).toBeCloseTo(k[3] * k[3], 6);
    expect(out[7 * 15 + 8]).toBeCloseTo(k[3] * k[4], 6);
    expect(out[5 * 15 + 9]).toBeCloseTo(k[1] * k[5], 6);
    tf.dispose([x, y]);
  });

  it('blurs channels independently', async () => {
    const x = tf.tidy(() => tf.concat([tf.fill([1, 5, 5, 1], 0.2), tf.fill([1, 5, 5, 1], 0.9)], 3) as tf.Tensor4D);
    const y = await apply(gaussianBlur, x, 1.2);
    const out = await y.data();
    for (let i = 0; i < 25; i++) {
      expect(out[2 * i]).toBeCloseTo(0.2, 5);
      expect(out[2 * i + 1]).toBeCloseTo(0.9, 5);
    }
    tf.dispose([x, y]);
  });

  it('sigma = 0 returns the input values unchanged (as a new tensor)', async () => {
    const x = tf.tidy(() => tf.randomUniform([1, 4, 4, 3], 0, 1, 'float32', 9) as tf.Tensor4D);
    for (const d of [gaussianBlur, gaussianNoise]) {
      const y = await apply(d, x, 0);
      expect(y).not.toBe(x);
      expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
      y.dispose();
    }
    x.dispose();
  });
});

describe('gaussian noise', () => {
  const x = () => tf.fill([2, 64, 64, 3], 0.5) as tf.Tensor4D;

  it('is reproducible for a seed and differs across seeds', async () => {
    const a = x();
    const y1 = await apply(gaussianNoise, a, 10, 42);
    const y2 = await apply(gaussianNoise, a, 10, 42);
    const y3 = await apply(gaussianNoise, a, 10, 43);
    expect(Array.from(await y1.data())).toEqual(Array.from(await y2.data()));
    expect(Array.from(await y1.data())).not.toEqual(Array.from(await y3.data()));
    tf.dispose([a, y1, y2, y3]);
  });

  it('has mean 0 and std sigma on the 0..255 scale (mid-grey, no clipping)', async () => {
    const a = x();
    for (const sigma of [5, 20]) {
      const y = await apply(gaussianNoise, a, sigma, 7);
      const d = Array.from(await y.data(), (v) => (v - 0.5) * 255);
      const mean = d.reduce((s, v) => s + v, 0) / d.length;
      const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
      expect(Math.abs(mean)).toBeLessThan(0.1 * sigma);
      expect(std).toBeGreaterThan(sigma * 0.97);
      expect(std).toBeLessThan(sigma * 1.03);
      y.dispose();
    }
    a.dispose();
  });

  it('presets convert imagecorruptions [0,1] std to the 0..255 scale', () => {
    expect(gaussianNoise.presets!.map((p) => p.value)).toEqual([20.4, 30.6, 45.9, 66.3, 96.9]);
  });
});
