/**
 * The fused attack update (src/kernels/sign-step-kernel.ts) is bit-identical to the tfjs ops it
 * replaces, including exact zeros, gradients below wasm's tf.sign threshold and both clip sides.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerInputGradients } from '../../../src/kernels';
import { SIGN_STEP, signStep } from '../../../src/kernels/sign-step-kernel';
import { createRng } from '../../../src/shared';

/** The update as tfjs ops (what iterative-core ran before the kernel). */
function reference(x: tf.Tensor, g: tf.Tensor, step: number, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  const sign = tf.sub(tf.cast(tf.greater(g, 0), 'float32'), tf.cast(tf.less(g, 0), 'float32'));
  return tf.minimum(tf.maximum(tf.add(x, tf.mul(sign, step)), lo), hi);
}

describe.each(['cpu', 'wasm'])('sign-step kernel on %s', (backend) => {
  beforeAll(async () => {
    registerInputGradients();
    await tf.setBackend(backend);
  });

  it.each([2 / 255, -1 / 255, 16 / 255])('step %f: bit-identical to the tfjs ops', (step) => {
    expect(tf.getKernel(SIGN_STEP, backend)).toBeDefined();
    tf.tidy(() => {
      const rng = createRng(`sign step ${step}`);
      const n = 4 * 9 * 7 * 3;
      const x0 = tf.tensor4d(Float32Array.from({ length: n }, () => rng.int(256) / 255), [4, 9, 7, 3]);
      const eps = 8 / 255;
      const lo = tf.maximum(tf.sub(x0, eps), 0);
      const hi = tf.minimum(tf.add(x0, eps), 1);
      const x = tf.minimum(tf.maximum(tf.add(x0, tf.randomUniform(x0.shape, -eps, eps, 'float32', 3)), lo), hi);
      // Exact zeros, values below 2^-23 (wasm's tf.sign says 0 there), ordinary values.
      const g = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => [0, 1e-30, -3e-9, rng.normal()][i % 4]), [4, 9, 7, 3]);
      const ours = signStep(x, g, step, lo, hi).dataSync();
      const ref = reference(x, g, step, lo, hi).dataSync();
      expect(Buffer.from(ours.buffer)).toEqual(Buffer.from(ref.buffer));
      // And it moved: pixels with g = 0 stay, the others moved or hit the box.
      const xs = x.dataSync();
      expect(ours.filter((v, i) => i % 4 === 0 && v !== xs[i])).toHaveLength(0);
      expect(ours.filter((v, i) => i % 4 !== 0 && v !== xs[i]).length).toBeGreaterThan(n / 2);
    });
  });

  it('rejects mismatched shapes, and allocates only its output', () => {
    const x = tf.zeros([1, 2, 2, 1]);
    const bad = tf.zeros([1, 2, 1, 1]);
    expect(() => signStep(x, bad, 0.1, x, x)).toThrow(/one shape/);
    const before = tf.memory().numTensors;
    const out = signStep(x, x, 0.1, x, x);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, bad, out]);
  });
});
