/**
 * Concat's input gradient (kernels/concat-gradient.ts): the channel split kernel on wasm and cpu
 * gives exactly the stock gradient (tf.split), other axes keep tf.split, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs's stock gradients, which registerInputGradients() builds on (installBackend() loads them in the app).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerInputGradients } from '../../../src/kernels';
import { createRng } from '../../../src/shared';
import { randomTensor } from './helpers';

let parts: tf.Tensor[];
let weights: tf.Tensor;
const loss = (axis: number) => (...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.concat(xs, axis), axis === 3 ? weights : tf.reshape(weights, [2, 5, 36, 1])));
let stock: Float32Array[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  const rng = createRng('concat');
  parts = [randomTensor(rng, [2, 5, 3, 4]), randomTensor(rng, [2, 5, 3, 1]), randomTensor(rng, [2, 5, 3, 7])];
  weights = randomTensor(rng, [2, 5, 3, 12]);
  stock = tf.grads(loss(3))(parts).map((g) => g.dataSync() as Float32Array);
  registerInputGradients();
});

describe.each(['cpu', 'wasm'])('concat gradient on %s', (backend) => {
  it('splits dy by channels with the split kernel, exactly as stock', async () => {
    await tf.setBackend(backend);
    expect(tf.getKernel('PrintshotSplitChannels', backend)).toBeDefined();
    const ours = tf.grads(loss(3))(parts);
    ours.forEach((g, i) => {
      expect(g.shape).toEqual(parts[i].shape);
      expect(Array.from(g.dataSync())).toEqual(Array.from(stock[i]));
    });
    tf.dispose(ours);
  });

  it('keeps tf.split for another axis and leaks nothing', async () => {
    await tf.setBackend(backend);
    const xs = parts.map((p) => tf.reshape(p, [2, 5, p.shape[2]! * p.shape[3]!, 1]));
    const g = tf.grads(loss(2))(xs);
    // d/dx_i Σ w·concat(xs) is w's slice for x_i.
    const expected = tf.split(tf.reshape(weights, [2, 5, 36, 1]), [12, 3, 21], 2);
    g.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(expected[i].dataSync())));
    tf.dispose([...g, ...xs, ...expected]);
    tf.grads(loss(3))(parts).forEach((t) => t.dispose());
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads(loss(3))(parts);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
