/**
 * The EOT distribution and the camera simulator reach every registry transform through their
 * `transforms` stage (src/transforms/ranges.ts), including one registered here, in the test: no
 * stage lists transforms by hand.
 */
import '@tensorflow/tfjs'; // tfjs's stock gradients (installBackend() loads them in the app)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDistribution, parseDistribution, sampleTransform } from '../../../src/attacks/eot-distribution';
import { applyEotSample } from '../../../src/attacks/eot-ops';
import { createRng } from '../../../src/shared';
import { DEFAULT_CAMERA, developFrame, sampleCamera, type CameraModel } from '../../../src/simulate';
import { listTransforms, registerTransform, type TransformDescriptor } from '../../../src/transforms';

/** x → x + a·(1 − 2x): the identity at a = 0, the negative at a = 1. Differentiable. */
const invert: TransformDescriptor<{ amount: number }> = {
  id: 'test-invert',
  title: 'Invert (test)',
  sweepParam: 'amount',
  params: z.strictObject({ amount: z.number().min(0).max(1).default(1) }),
  paperRange: { min: 0, max: 1 },
  sweep: [0, 1],
  differentiable: true,
  apply: (x, { amount }) => tf.tidy(() => tf.add(x, tf.mul(amount, tf.sub(1, tf.mul(2, x))))),
};

let unregister: () => void;
beforeAll(async () => {
  await tf.setBackend('cpu');
  unregister = registerTransform(invert);
});
afterAll(() => unregister());

describe('EOT distribution', () => {
  it('applies a transform registered in the test, with its gradient', () => {
    const d = parseDistribution({ transforms: { 'test-invert': { amount: [1, 1] } } });
    const s = sampleTransform(d, createRng('eot'), 2, 3, 1);
    expect(s.transforms).toEqual([{ id: 'test-invert', params: { amount: 1 }, seed: expect.any(Number) }]);
    expect(describeDistribution(d)).toBe('test-invert (amount 1–1)');
    const x = tf.tensor4d([0, 0.25, 0.5, 0.75, 1, 0.1], [1, 2, 3, 1]);
    const w = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    expect(Array.from(applyEotSample(x, s).dataSync())).toEqual([1, 0.75, 0.5, 0.25, 0, 0.9].map((v) => expect.closeTo(v, 6)));
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(applyEotSample(v as tf.Tensor4D, s), w)))(x);
    expect(Array.from(g.dataSync())).toEqual([-1, -2, -3, -4, -5, -6]);
  });

  it('accepts every registered differentiable transform, refuses the others and unknown ids', () => {
    for (const d of listTransforms()) {
      const parse = () => parseDistribution({ transforms: { [d.id]: {} } });
      if (d.differentiable) expect(parse).not.toThrow();
      else expect(parse).toThrow(`eot-pgd: distribution: transforms: transform '${d.id}' is not differentiable and cannot run inside a gradient`);
    }
    expect(() => parseDistribution({ transforms: { 'no-such': {} } })).toThrow(/unknown transform 'no-such'; known: .*test-invert/);
    expect(() => parseDistribution({ transforms: { 'test-invert': { amount: [0.5, 2] } } })).toThrow("eot-pgd: distribution: transforms: transform 'test-invert': Too big: expected number to be <=1");
  });

  it('draws nothing when the stage is absent, so existing streams do not move', () => {
    const a = createRng('same');
    const b = createRng('same');
    sampleTransform(parseDistribution({ blur: { sigma: [0, 1] } }), a, 4, 4, 1);
    sampleTransform(parseDistribution({ blur: { sigma: [0, 1] }, transforms: {} }), b, 4, 4, 1);
    expect(a.next()).toBe(b.next());
  });
});

describe('camera simulator', () => {
  const still: CameraModel = {
    ...DEFAULT_CAMERA,
    frame: { width: 4, height: 3 },
    lensBlurPx: [0, 0],
    lighting: 0,
    colourCast: 0,
    exposure: [1, 1],
    brightness: [0, 0],
    noiseSigma: [0, 0],
    jpegQuality: null,
  };
  const frame = Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 7) % 36 / 35);

  async function develop(model: CameraModel) {
    const s = { ...sampleCamera(model, createRng('camera')), blurPx: 0 };
    return { s, photo: (await developFrame(frame, model, s, createRng('noise'))).photo };
  }

  it('applies a transform registered in the test after the sensor noise', async () => {
    const plain = await develop(still);
    const inverted = await develop({ ...still, transforms: { 'test-invert': { amount: [1, 1] } } });
    expect(inverted.s.transforms).toEqual([{ id: 'test-invert', params: { amount: 1 }, seed: expect.any(Number) }]);
    const sums = Array.from(plain.photo.data, (v, i) => v + inverted.photo.data[i]);
    expect(sums.every((v) => v === 255)).toBe(true);
  });

  it('accepts every registered transform, the non-differentiable ones included', async () => {
    for (const d of listTransforms()) {
      await expect(develop({ ...still, transforms: { [d.id]: {} } })).resolves.toMatchObject({ s: { transforms: [{ id: d.id }] } });
    }
    await expect(develop({ ...still, transforms: { 'no-such': {} } })).rejects.toThrow(/unknown transform 'no-such'/);
  });
});
