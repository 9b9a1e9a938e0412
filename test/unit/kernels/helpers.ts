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
 * How to draw directions: 'dense' = every coordinate moves by a random amount, along the sign of
 * its gradient where that is non-zero and with a random sign where it is zero (so ⟨∇L, v⟩ is far
 * from 0 and rounding noise, yet a wrong value anywhere changes the finite difference; the random
 * part on zero-gradient pixels catches gradients that were dropped); a number k = k coordinates drawn among the 5% largest |∂L/∂x|, each moved along the sign
 * of its gradient. Whole models have tens of thousands of ReLU/max-pool kinks, so a dense
 * direction crosses one for any step large enough to beat float32 rounding; a sparse one only
 * moves a few receptive fields, and following the gradient's signs keeps ⟨∇L, v⟩ well above
 * rounding noise (a wrong value or sign on a chosen coordinate still changes the difference).
 */
export type Directions = 'dense' | number;

function drawDirection(rng: Rng, grad: Float32Array, shape: number[], kind: Directions): tf.Tensor {
  if (kind === 'dense') {
    const v = grad.map((g) => (g === 0 ? rng.normal() : Math.sign(g) * Math.abs(rng.normal())));
    const norm = Math.hypot(...v);
    return tf.tensor(v.map((e) => e / norm), shape, 'float32');
  }
  const order = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a]));
  const top = order.slice(0, Math.max(8, Math.floor(order.length / 20)));
  const v = new Float32Array(grad.length);
  for (let k = 0; k < kind; k++) {
    const i = top[rng.int(top.length)];
    v[i] = Math.sign(grad[i]) / Math.sqrt(kind);
  }
  return tf.tensor(v, shape, 'float32');
}

/**
 * Compares ⟨∇ₓL, v⟩ from tf.grad with the finite difference along drawn directions v, taking the
 * largest step h (of `steps`) for which f stays on one linear piece, until `wanted` directions were
 * decided. Throws if too few direction/step pairs stay on one piece. Deep models on wasm need
 * steps ≥ 0.01: at h = 0.003, float32 rounding of the forward alone is ~1e-3 of the difference.
 */
export function directionalCheck(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  loss: Loss64,
  seed: number | string,
  directions: Directions = 'dense',
  wanted = 1,
  steps: readonly number[] = [0.3, 0.1, 0.03, 0.01, 0.003],
): DirectionalResult[] {
  const rng = createRng(seed);
  const grad = tf.tidy(() => tf.grad((v: tf.Tensor) => loss.tf(f(v)))(x).dataSync().slice()) as Float32Array;
  const out0 = tf.tidy(() => f(x).dataSync().slice()) as Float32Array;
  const dLdOut = loss.grad(out0);
  const results: DirectionalResult[] = [];
  let tries = 0;
  for (let d = 0; d < 60 && results.length < wanted; d++) {
    const v = drawDirection(rng, grad, x.shape, directions);
    const autodiff = dot(grad, v.dataSync());
    for (const h of steps) {
      tries++;
      const [plus, minus] = tf.tidy(() => [1, -1].map((sign) => f(tf.add(x, tf.mul(v, sign * h))).dataSync().slice()));
      let curvature = 0;
      let spread = 0;
      const jv = new Float64Array(out0.length);
      for (let i = 0; i < out0.length; i++) {
        jv[i] = (plus[i] - minus[i]) / (2 * h);
        curvature = Math.max(curvature, Math.abs(plus[i] + minus[i] - 2 * out0[i]));
        spread = Math.max(spread, Math.abs(plus[i] - minus[i]), Math.abs(out0[i]) * 1e-3);
      }
      // For one kink crossed, the central difference is off by curvature / spread (relative), and
      // float32 rounding shows up the same way: keep the check's own error well under 1e-3.
      if (curvature > 2e-4 * spread) continue;
      const finiteDiff = dot(dLdOut, jv);
      const relErr = Math.abs(autodiff - finiteDiff) / Math.max(Math.abs(finiteDiff), 1e-12);
      results.push({ autodiff, finiteDiff, relErr, h, tries });
      break;
    }
    v.dispose();
  }
  if (results.length < wanted) throw new Error(`only ${results.length} of ${wanted} directions stayed on one linear piece`);
  return results;
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
