/**
 * Helpers for the input-gradient tests: seeded tensors and weights, and a finite-difference check
 * that is exact for the piecewise-linear graphs we test (convs, BN in inference mode, ReLU6,
 * pooling, residual adds), so float32 rounding is the only error left.
 *
 * Check: for out = f(x) piecewise linear and a float64 loss L(out),
 *   ⟨∇ₓL, v⟩ = ⟨∇L(out(x)), J v⟩,   J v = (f(x + hv) − f(x − hv)) / 2h
 * exactly, unless the segment [x − hv, x + hv] crosses a kink (a ReLU6 or max-pool switch). Such a
 * crossing shows up as a non-zero second difference f(x+hv) − 2f(x) + f(x−hv); we then try a
 * smaller h or another random direction.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRng, type Rng } from '../../../src/shared';

export function randomTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
  return tf.tensor(data, shape, 'float32');
}

/** Replaces every weight of `model` with seeded values (BN statistics kept in a sane range). */
export function seedWeights(model: tfl.LayersModel, seed: number | string): void {
  const rng = createRng(seed);
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 1;
    for (let i = 0; i < n; i++) {
      if (/moving_variance/.test(w.name)) data[i] = rng.uniform(0.5, 1.5);
      else if (/gamma/.test(w.name)) data[i] = rng.uniform(0.5, 1.5);
      else if (/moving_mean|beta|bias/.test(w.name)) data[i] = rng.normal() * 0.1;
      else data[i] = rng.normal() * Math.sqrt(2 / fanIn);
    }
    return tf.tensor(data, shape, 'float32');
  });
  model.setWeights(values);
  tf.dispose(values);
}

/** A float64 loss of a flat output and its gradient with respect to that output. */
export interface Loss64 {
  value(out: Float32Array): number;
  grad(out: Float32Array): Float64Array;
  /** The same loss in tfjs, for autodiff. */
  tf(out: tf.Tensor): tf.Scalar;
}

/** L = Σ w·out with fixed random w: makes every output element count. */
export function weightedSumLoss(rng: Rng, shape: number[]): Loss64 & { weights: tf.Tensor } {
  const weights = randomTensor(rng, shape);
  const w = Float64Array.from(weights.dataSync());
  return {
    weights,
    value: (out) => out.reduce((s, o, i) => s + o * w[i], 0),
    grad: () => w,
    tf: (out) => tf.sum(tf.mul(out, weights)),
  };
}

/** Softmax cross-entropy from logits [batch, classes], summed over the batch. */
export function crossEntropyLoss(labels: number[], classes: number): Loss64 {
  const rows = (out: Float32Array) => labels.map((_, b) => Array.from(out.subarray(b * classes, (b + 1) * classes)));
  const softmax = (z: number[]) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return { p: e.map((v) => v / s), lse: m + Math.log(s) };
  };
  return {
    value: (out) => rows(out).reduce((s, z, b) => s + softmax(z).lse - z[labels[b]], 0),
    grad: (out) => {
      const g = new Float64Array(out.length);
      rows(out).forEach((z, b) => softmax(z).p.forEach((p, c) => (g[b * classes + c] = p - (c === labels[b] ? 1 : 0))));
      return g;
    },
    tf: (out) => {
      const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      return tf.sum(tf.sub(tf.logSumExp(out, 1), tf.sum(tf.mul(out, onehot), 1)));
    },
  };
}

export interface DirectionalResult {
  autodiff: number;
  finiteDiff: number;
  relErr: number;
  h: number;
  tries: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Compares ⟨∇ₓL, v⟩ from tf.grad with the finite difference along random unit directions v.
 * Throws if no direction/step pair stays on one linear piece.
 */
export function directionalCheck(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, loss: Loss64, seed: number | string): DirectionalResult {
  const rng = createRng(seed);
  const grad = tf.tidy(() => tf.grad((v: tf.Tensor) => loss.tf(f(v)))(x).dataSync().slice());
  const out0 = tf.tidy(() => f(x).dataSync().slice()) as Float32Array;
  const dLdOut = loss.grad(out0);
  let tries = 0;
  for (let d = 0; d < 6; d++) {
    const v = randomTensor(rng, x.shape);
    const vNorm = tf.tidy(() => tf.div(v, tf.norm(v)));
    const vData = vNorm.dataSync().slice();
    const autodiff = dot(grad, vData);
    for (const h of [0.3, 0.1, 0.03, 0.01]) {
      tries++;
      const [plus, minus] = tf.tidy(() => [1, -1].map((sign) => f(tf.add(x, tf.mul(vNorm, sign * h))).dataSync().slice()));
      let curvature = 0;
      let spread = 0;
      const jv = new Float64Array(out0.length);
      for (let i = 0; i < out0.length; i++) {
        jv[i] = (plus[i] - minus[i]) / (2 * h);
        curvature = Math.max(curvature, Math.abs(plus[i] + minus[i] - 2 * out0[i]));
        spread = Math.max(spread, Math.abs(plus[i] - minus[i]), Math.abs(out0[i]) * 1e-3);
      }
      if (curvature > 1e-4 * spread) continue; // crossed a kink: not one linear piece
      const finiteDiff = dot(dLdOut, jv);
      tf.dispose([v, vNorm]);
      const relErr = Math.abs(autodiff - finiteDiff) / Math.max(Math.abs(finiteDiff), 1e-12);
      return { autodiff, finiteDiff, relErr, h, tries };
    }
    tf.dispose([v, vNorm]);
  }
  throw new Error('no direction stayed on one linear piece; the check cannot decide');
}

/** Max |a − b| relative to max |b|. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}
