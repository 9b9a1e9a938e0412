import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransform8, brightness, contrast, gaussianNoise, getTransform, toByte } from '../../../src/transforms';
import { createRng, makeImage8 } from '../../../src/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('applyTransform8', () => {
  const gray = makeImage8(4, 1, 1, Uint8Array.from([0, 5, 100, 250]));

  it('rounds half up and clips like a saved image', async () => {
    // 5 * 0.7 = 3.5 -> 4 (half up); 250 * 1.1 = 275 -> 255; 100 * 0.7 = 70.
    const [c] = await applyTransform8(contrast, [gray], { factor: 0.7 }, createRng(1));
    expect(Array.from(c.data)).toEqual([0, 4, 70, 175]);
    const [c2] = await applyTransform8(contrast, [gray], { factor: 1.1 }, createRng(1));
    expect(Array.from(c2.data)).toEqual([0, 6, 110, 255]); // 5.5 -> 6
    const [b] = await applyTransform8(brightness, [gray], { delta: -10 }, createRng(1));
    expect(Array.from(b.data)).toEqual([0, 0, 90, 240]);
    // 185 * 0.7 = 129.5 exactly, but float32 gives 129.49999988: still a half, rounds up.
    const halves = makeImage8(2, 1, 1, Uint8Array.from([185, 125]));
    expect(Array.from((await applyTransform8(contrast, [halves], { factor: 0.7 }, createRng(1)))[0].data)).toEqual([130, 88]);
    expect(Array.from((await applyTransform8(contrast, [halves], { factor: 1.1 }, createRng(1)))[0].data)).toEqual([204, 138]);
    expect([toByte(3.5 / 255), toByte(3.49 / 255), toByte(-0.2), toByte(1.7), toByte(NaN)]).toEqual([4, 3, 0, 255, 0]);
  });

  it('identity settings give back the input bytes', async () => {
    const rgb = makeImage8(3, 2, 3, Uint8Array.from({ length: 18 }, (_, i) => (i * 37) % 256));
    for (const [id, p] of [
      ['brightness', { delta: 0 }],
      ['contrast', { factor: 1 }],
      ['gaussian-blur', { sigma: 0 }],
      ['gaussian-noise', { sigma: 0 }],
    ] as const) {
      const [out] = await applyTransform8(getTransform(id), [rgb], p, createRng(1));
      expect(Array.from(out.data)).toEqual(Array.from(rgb.data));
    }
  });

  it('handles batches, keeps alpha, validates params and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const a = makeImage8(2, 2, 4, Uint8Array.from([10, 20, 30, 1, 40, 50, 60, 2, 70, 80, 90, 3, 100, 110, 120, 4]));
    const outs = await applyTransform8(brightness, [a, a], { delta: 5 }, createRng(1));
    expect(outs).toHaveLength(2);
    expect(Array.from(outs[1].data)).toEqual([15, 25, 35, 1, 45, 55, 65, 2, 75, 85, 95, 3, 105, 115, 125, 4]);
    await expect(applyTransform8(brightness, [a], { delta: 999 }, createRng(1))).rejects.toThrow(/between -255 and 255/);
    await expect(applyTransform8(brightness, [a, gray], {}, createRng(1))).rejects.toThrow(/share size/);
    await expect(applyTransform8(brightness, [], {}, createRng(1))).rejects.toThrow(/no images/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('noise is reproducible through the 8-bit path', async () => {
    const img = makeImage8(8, 8, 3, new Uint8Array(192).fill(128));
    const [n1] = await applyTransform8(gaussianNoise, [img], { sigma: 15 }, createRng('s'));
    const [n2] = await applyTransform8(gaussianNoise, [img], { sigma: 15 }, createRng('s'));
    expect(Array.from(n1.data)).toEqual(Array.from(n2.data));
    expect(Array.from(n1.data)).not.toEqual(Array.from(img.data));
  });
});
