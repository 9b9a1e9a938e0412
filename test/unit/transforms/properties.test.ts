import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTransform, parseTransformParams } from '../../../src/transforms';
import { createRng } from '../../../src/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Valid-range values for each sweep parameter (wider than the paper axes on purpose). */
const paramArb: Record<string, fc.Arbitrary<number>> = {
  brightness: fc.double({ min: -255, max: 255, noNaN: true }),
  contrast: fc.double({ min: 0, max: 10, noNaN: true }),
  'gaussian-blur': fc.double({ min: 0, max: 3, noNaN: true }),
  'gaussian-noise': fc.double({ min: 0, max: 255, noNaN: true }),
  jpeg: fc.integer({ min: 1, max: 100 }),
};

describe('transform properties', () => {
  for (const [id, arb] of Object.entries(paramArb)) {
    it(`${id}: output in [0,1], same shape, input untouched, no leaked tensors`, async () => {
      const d = getTransform(id);
      await fc.assert(
        fc.asyncProperty(
          arb,
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 5 }),
          fc.constantFrom(1, 3),
          fc.integer(),
          async (v, h, w, c, seed) => {
            const x = tf.tidy(() => tf.randomUniform([2, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D);
            const xs = Array.from(await x.data());
            const before = tf.memory().numTensors;
            const y = await d.apply(x, parseTransformParams(d, { [d.sweepParam]: v }), createRng(seed));
            expect(y.shape).toEqual(x.shape);
            for (const o of await y.data()) {
              expect(o).toBeGreaterThanOrEqual(0);
              expect(o).toBeLessThanOrEqual(1);
            }
            y.dispose();
            expect(tf.memory().numTensors).toBe(before);
            expect(Array.from(await x.data())).toEqual(xs);
            x.dispose();
          },
        ),
        { numRuns: id === 'jpeg' ? 25 : 60 },
      );
    });
  }
});
