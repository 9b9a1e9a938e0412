/**
 * Operator norms (largest singular values) of the linear maps inside a network, for the per-layer
 * Lipschitz bounds of Szegedy et al. 2013 §4.3 (./lipschitz.ts). A convolution is a linear map on
 * its actual input shape (strides and padding included), so its norm is found by power iteration on
 * AᵀA with A = conv2d and Aᵀ = conv2dTranspose (the conv's input gradient, conv2DBackpropInput):
 * this is exact up to the stopping rule, unlike kernel-only bounds. Dense kernels are small enough
 * for float64 power iteration on the Gram matrix WᵀW in plain JS.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface NormEstimate {
  sigma: number;
  iterations: number;
  /** False when the step cap stopped it before the relative change fell below the tolerance. */
  converged: boolean;
}

export interface PowerOptions {
  /** Stop when |σₖ − σₖ₋₁| / σₖ falls below this (default 1e-6). */
  tol?: number;
  maxIter?: number;
  seed?: number;
}

/**
 * Largest singular value of a linear map given as `apply` and its transpose `applyT`, on inputs of
 * `shape`: power iteration on AᵀA, σ read as ‖Av‖ for the unit iterate v (a Rayleigh quotient, so
 * its error is second order in the iterate's).
 */
export function powerIteration(apply: (v: tf.Tensor) => tf.Tensor, applyT: (u: tf.Tensor) => tf.Tensor, shape: number[], opts: PowerOptions = {}): NormEstimate {
  const tol = opts.tol ?? 1e-6;
  const maxIter = opts.maxIter ?? 2000;
  let v = tf.tidy(() => {
    const r = tf.randomNormal(shape, 0, 1, 'float32', opts.seed ?? 1);
    return tf.div(r, tf.norm(r));
  });
  let sigma = 0;
  try {
    for (let i = 1; i <= maxIter; i++) {
      const [next, s] = tf.tidy(() => {
        const u = apply(v);
        const w = applyT(u);
        const n = tf.norm(w);
        return [tf.div(w, tf.maximum(n, 1e-30)), tf.norm(u)] as const;
      });
      const prev = sigma;
      sigma = (s.dataSync() as Float32Array)[0]!;
      s.dispose();
      v.dispose();
      v = next;
      if (sigma === 0) return { sigma: 0, iterations: i, converged: true };
      if (i > 1 && Math.abs(sigma - prev) / sigma < tol) return { sigma: finalSigma(apply, v), iterations: i, converged: true };
    }
    return { sigma: finalSigma(apply, v), iterations: maxIter, converged: false };
  } finally {
    v.dispose();
  }
}

const finalSigma = (apply: (v: tf.Tensor) => tf.Tensor, v: tf.Tensor): number => tf.tidy(() => tf.norm(apply(v)).dataSync()[0]!);

/** Aᵀ of a linear map through autodiff: the gradient of ⟨A x, u⟩ with respect to x. */
export function vjpTranspose(apply: (v: tf.Tensor) => tf.Tensor, inShape: number[]): (u: tf.Tensor) => tf.Tensor {
  return (u) => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(apply(x), u)))(tf.zeros(inShape));
}

export interface ConvSpec {
  /** [kh, kw, inC, outC] (Keras layout). */
  kernel: tf.Tensor4D;
  /** Input [H, W, C] without the batch dimension. */
  inputShape: [number, number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
  dilation?: [number, number];
}

/**
 * A dilated kernel written out with zeros between its taps: the same linear map at dilation 1 (and
 * the same 'same' padding, which uses the effective size), so the transpose needs no dilated gradient
 * (tfjs has none).
 */
export function undilate(kernel: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  const [dh, dw] = dilation;
  if (dh === 1 && dw === 1) return tf.clone(kernel);
  return tf.tidy(() => {
    const [kh, kw, ci, co] = kernel.shape;
    const eh = (kh - 1) * dh + 1;
    const ew = (kw - 1) * dw + 1;
    const src = kernel.arraySync();
    const out = Array.from({ length: eh }, (_, i) => Array.from({ length: ew }, (_, j) => (i % dh === 0 && j % dw === 0 ? src[i / dh]![j / dw]! : Array.from({ length: ci }, () => new Array<number>(co).fill(0)))));
    return tf.tensor4d(out, [eh, ew, ci, co]);
  });
}

/** Exact operator norm of a 2-D convolution (bias excluded: it does not change the Lipschitz constant). */
export function convNorm(c: ConvSpec, opts: PowerOptions = {}): NormEstimate {
  const shape = [1, ...c.inputShape] as [number, number, number, number];
  const k = undilate(c.kernel, c.dilation ?? [1, 1]);
  try {
    const apply = (v: tf.Tensor) => tf.conv2d(v as tf.Tensor4D, k, c.strides, c.padding);
    return powerIteration(apply, (u) => tf.conv2dTranspose(u as tf.Tensor4D, k, shape, c.strides, c.padding), shape, opts);
  } finally {
    k.dispose();
  }
}

/** Exact operator norm of a depthwise convolution (kernel [kh, kw, inC, multiplier]). */
export function depthwiseNorm(c: ConvSpec, opts: PowerOptions = {}): NormEstimate {
  const shape = [1, ...c.inputShape];
  const k = undilate(c.kernel, c.dilation ?? [1, 1]);
  try {
    const apply = (v: tf.Tensor) => tf.depthwiseConv2d(v as tf.Tensor4D, k, c.strides, c.padding);
    return powerIteration(apply, vjpTranspose(apply, shape), shape, opts);
  } finally {
    k.dispose();
  }
}

/**
 * Exact operator norm of 2-D average pooling on `inputShape`. tf's 'same' padding averages only the
 * real pixels, so the map is a box filter (a depthwise conv of ones) divided by each window's count;
 * written that way its transpose is exact (tfjs's own avgPool gradient divides by the full window).
 */
export function avgPoolNorm(inputShape: [number, number, number], pool: [number, number], strides: [number, number], padding: 'same' | 'valid', opts: PowerOptions = {}): NormEstimate {
  const shape = [1, ...inputShape] as [number, number, number, number];
  const box = tf.ones([pool[0], pool[1], inputShape[2], 1]) as tf.Tensor4D;
  const inv = tf.tidy(() => tf.reciprocal(tf.depthwiseConv2d(tf.ones(shape) as tf.Tensor4D, box, strides, padding)));
  try {
    const apply = (v: tf.Tensor) => tf.mul(tf.depthwiseConv2d(v as tf.Tensor4D, box, strides, padding), inv);
    return powerIteration(apply, vjpTranspose(apply, shape), shape, opts);
  } finally {
    tf.dispose([box, inv]);
  }
}

/**
 * Largest singular value of a dense kernel W [in, out] (row-vector convention y = xW), in float64:
 * power iteration on the out×out Gram matrix WᵀW, whose top eigenvalue is σ².
 */
export function denseNorm(w: Float32Array | Float64Array | number[], rows: number, cols: number, opts: PowerOptions = {}): NormEstimate {
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 20000;
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let i = 0; i < cols; i++) {
      const a = w[o + i]!;
      if (a === 0) continue;
      for (let j = i; j < cols; j++) g[i * cols + j]! += a * w[o + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) g[i * cols + j] = g[j * cols + i]!;
  const { value, iterations, converged } = symmetricTopEigen(g, cols, tol, maxIter, opts.seed ?? 1);
  return { sigma: Math.sqrt(Math.max(0, value)), iterations, converged };
}

/** Top eigenvalue of a symmetric positive semi-definite n×n matrix (row-major), by power iteration. */
export function symmetricTopEigen(g: Float64Array, n: number, tol: number, maxIter: number, seed = 1): { value: number; iterations: number; converged: boolean } {
  let v = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // deterministic start, not orthogonal to the top vector in practice
    v[i] = s / 2 ** 32 + 0.5;
  }
  normalize(v);
  let value = 0;
  for (let it = 1; it <= maxIter; it++) {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += g[i * n + j]! * v[j]!;
      w[i] = acc;
    }
    let rq = 0;
    for (let i = 0; i < n; i++) rq += v[i]! * w[i]!;
    const prev = value;
    value = rq;
    if (normalize(w) === 0) return { value: 0, iterations: it, converged: true };
    v = w;
    if (it > 1 && Math.abs(value - prev) <= tol * Math.abs(value)) return { value, iterations: it, converged: true };
  }
  return { value, iterations: maxIter, converged: false };
}

function normalize(v: Float64Array): number {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return n;
}
