/**
 * registerInputGradients() itself: idempotence, surviving a later re-registration of the stock
 * gradients, the filter-gradient error (raised only when a filter gradient is actually asked
 * for), batch norm in training mode (where the tape does ask for the mean/variance gradients),
 * wasm's zero-copy Identity, and wasm's batch norm as an affine 1×1 depthwise convolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { FILTER_GRADIENT_ERROR, OVERRIDDEN_GRADIENTS, registerInputGradients } from '../../../src/kernels';
import { crop4d } from '../../../src/kernels/crop';
import { createRng } from '../../../src/shared';
import { maxRelDiff, randomTensor, seedWeights } from './helpers';

function trainingBn(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', useBias: false }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.reLU({ maxValue: 6 }));
  seedWeights(m, 'bn-training');
  return m;
}

const rng = createRng('register');
let x: tf.Tensor;
let trainingLoss: (v: tf.Tensor) => tf.Scalar;
let stockTraining: Float32Array;
let stockGradients: Map<string, tf.GradConfig | undefined>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  x = randomTensor(rng, [2, 6, 6, 2]);
  const weights = randomTensor(rng, [2, 6, 6, 4]);
  const model = trainingBn();
  trainingLoss = (v) => tf.sum(tf.mul(model.apply(v, { training: true }) as tf.Tensor, weights));
  stockGradients = new Map(OVERRIDDEN_GRADIENTS.map((k) => [k, tf.getGradient(k)]));
  stockTraining = tf.tidy(() => tf.grad(trainingLoss)(x).dataSync().slice() as Float32Array);
  registerInputGradients();
  await tf.setBackend('wasm');
});

describe('registerInputGradients', () => {
  it('replaces the stock gradients and is idempotent', () => {
    const ours = OVERRIDDEN_GRADIENTS.map((k) => tf.getGradient(k));
    const kernel = tf.getKernel('FusedConv2D', 'wasm');
    registerInputGradients();
    expect(OVERRIDDEN_GRADIENTS.map((k) => tf.getGradient(k))).toEqual(ours);
    expect(tf.getKernel('FusedConv2D', 'wasm')).toBe(kernel);
    ours.forEach((g, i) => expect(g).not.toBe(stockGradients.get(OVERRIDDEN_GRADIENTS[i])));
  });

  it('re-registers gradients that something (e.g. a late tfjs-layers import) put back', () => {
    const ours = tf.getGradient('Conv2D');
    const stock = stockGradients.get('Conv2D')!;
    tf.registerGradient(stock);
    expect(tf.getGradient('Conv2D')).toBe(stock);
    registerInputGradients();
    expect(tf.getGradient('Conv2D')).toBe(ours);
  });

  it('throws the clear error only when a filter gradient is asked for', () => {
    const img = randomTensor(rng, [1, 5, 5, 3]) as tf.Tensor4D;
    const filter = randomTensor(rng, [3, 3, 3, 4]) as tf.Tensor4D;
    const dwFilter = randomTensor(rng, [3, 3, 3, 1]) as tf.Tensor4D;
    const ops: Array<(i: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor> = [
      (i, f) => tf.conv2d(i, f, 2, 'same'),
      (i, f) => tf.fused.conv2d({ x: i, filter: f, strides: 1, pad: 'valid' }),
    ];
    const dwOps: Array<(i: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor> = [
      (i, f) => tf.depthwiseConv2d(i, f, 1, 'same'),
      (i, f) => tf.fused.depthwiseConv2d({ x: i, filter: f, strides: 2, pad: 'same' }),
    ];
    for (const [list, f] of [[ops, filter], [dwOps, dwFilter]] as const) {
      for (const op of list) {
        expect(() => tf.grad((i: tf.Tensor) => tf.sum(op(i as tf.Tensor4D, f)))(img)).not.toThrow();
        expect(() => tf.grad((w: tf.Tensor) => tf.sum(op(img, w as tf.Tensor4D)))(f)).toThrow(FILTER_GRADIENT_ERROR);
      }
    }
  });

  it('keeps the mean/variance gradients that batch norm needs in training mode', () => {
    const ours = tf.tidy(() => tf.grad(trainingLoss)(x).dataSync().slice());
    expect(maxRelDiff(ours, stockTraining)).toBeLessThanOrEqual(1e-4);
  });

  it('keeps gradient conventions at the kinks: ReLU6 strict, clipByValue inclusive', () => {
    const x = tf.tensor1d([-1, 0, 3, 6, 7, -0.5, 1, Infinity]);
    const grad = (f: (v: tf.Tensor) => tf.Tensor) => Array.from(tf.grad((v: tf.Tensor) => tf.sum(f(v)))(x).dataSync());
    // As TensorFlow's Relu6Grad and PyTorch: no gradient at exactly 0 or 6 (stock tfjs passes it at 6).
    expect(grad(tf.relu6)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    // As stock tfjs and PyTorch's clamp: bounds included; infinite bounds work.
    expect(grad((v) => tf.clipByValue(v, -0.5, 1))).toEqual([0, 1, 0, 0, 0, 1, 1, 0]);
    expect(grad((v) => tf.clipByValue(v, -Infinity, 1))).toEqual([1, 1, 0, 0, 0, 1, 1, 0]);
    expect(grad((v) => tf.clipByValue(v, 0, Infinity))).toEqual([0, 1, 1, 1, 1, 0, 1, 1]);
    expect(grad((v) => tf.relu(v))).toEqual([0, 0, 1, 1, 1, 0, 1, 1]);
  });

  it('crops with the one-hot depthwise conv exactly as tf.slice', () => {
    const t = randomTensor(rng, [2, 9, 8, 5]) as tf.Tensor4D;
    const crops: Array<[[number, number], [number, number]]> = [
      [[0, 0], [8, 7]],
      [[1, 1], [7, 6]],
      [[0, 1], [9, 7]],
      [[2, 0], [7, 8]],
      [[1, 2], [5, 4]], // 4 rows dropped: falls back to tf.slice
    ];
    for (const [begin, size] of crops) {
      const ours = crop4d(t, begin, size);
      expect(ours.shape).toEqual([2, ...size, 5]);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(tf.slice(t, [0, ...begin, 0], [2, ...size, 5]).dataSync()));
    }
  });

  it('runs batch norm on wasm as an affine depthwise conv, matching the formula and leaking nothing', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect((tf.getKernel('FusedBatchNorm', 'wasm') as unknown as Record<string, unknown>).__printshotInputGradients).toBe(true);
    const c = 5;
    const t = randomTensor(rng, [2, 4, 3, c]) as tf.Tensor4D;
    const mean = randomTensor(rng, [c]) as tf.Tensor1D;
    const variance = tf.tidy(() => tf.add(tf.abs(randomTensor(rng, [c])), 0.1)) as tf.Tensor1D;
    const scale = randomTensor(rng, [c]) as tf.Tensor1D;
    const offset = randomTensor(rng, [c]) as tf.Tensor1D;
    const eps = 1e-3;
    // The definition, evaluated in float64.
    const reference = (m: Float32Array, v: Float32Array, s?: Float32Array, o?: Float32Array): number[] => {
      const xs = t.dataSync();
      const at = (a: Float32Array, i: number) => (a.length === 1 ? a[0] : a[i % c]);
      return Array.from(xs, (xv, i) => ((xv - at(m, i)) * (s ? at(s, i) : 1)) / Math.sqrt(at(v, i) + eps) + (o ? at(o, i) : 0));
    };
    const cases: Array<[string, () => tf.Tensor, number[]]> = [
      ['all parameters', () => tf.batchNorm(t, mean, variance, offset, scale, eps), reference(mean.dataSync() as Float32Array, variance.dataSync() as Float32Array, scale.dataSync() as Float32Array, offset.dataSync() as Float32Array)],
      ['no scale or offset', () => tf.batchNorm(t, mean, variance, undefined, undefined, eps), reference(mean.dataSync() as Float32Array, variance.dataSync() as Float32Array)],
      ['scalar parameters', () => tf.batchNorm(t, tf.scalar(0.5), tf.scalar(2), tf.scalar(-1), tf.scalar(3), eps), reference(Float32Array.of(0.5), Float32Array.of(2), Float32Array.of(3), Float32Array.of(-1))],
    ];
    for (const [, f, expected] of cases) {
      const tensors = tf.memory().numTensors;
      const buffers = tf.memory().numDataBuffers;
      const y = tf.tidy(f);
      expect(y.shape).toEqual(t.shape);
      expect(maxRelDiff(y.dataSync(), expected)).toBeLessThanOrEqual(1e-5);
      y.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.memory().numDataBuffers).toBe(buffers);
    }
    // Not NHWC rank 4: the stock kernel, same formula.
    const flat = tf.tidy(() => tf.batchNorm(tf.reshape(t, [24, c]), mean, variance, offset, scale, eps).dataSync());
    expect(maxRelDiff(flat, cases[0][2])).toBeLessThanOrEqual(1e-5);
    tf.dispose([t, mean, variance, scale, offset]);
  });

  it('makes Identity zero-copy on wasm without sharing lifetimes', () => {
    const t = tf.tensor([1, 2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const c = tf.clone(t);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    c.dispose();
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3]);
    t.dispose();
  });
});
