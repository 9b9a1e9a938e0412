/**
 * The differentiable transformations EOT samples (stages of eot-distribution.ts), built from tf
 * ops whose input gradients exist on every backend, wasm included:
 *
 * - Gathers (the warp's bilinear taps, edge padding for the blur) go through `gatherRows`, a
 *   customGrad whose backward is a scatter-add (tf.scatterND sums duplicate indices).
 *   tf.gather's stock gradient needs UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks,
 *   and tf.image.transform has no gradient at all. This is also why the registry's own blur
 *   (which pads with tf.gather) is re-implemented here with the same taps.
 * - Contrast, brightness and noise are the registry's transforms (src/transforms), called
 *   synchronously; they are pointwise tf ops.
 * - JPEG is the real codec in the forward pass and the identity in the backward pass
 *   (straight-through): `jpegResidual` returns jpeg(t) − t as a constant to add to t.
 *
 * All functions take and return NHWC float32 tensors in [0,1]. The sync ones must run inside a
 * tf.tidy (they create index tensors the gradient needs later).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, makeImage8 } from '../shared';
import { gaussianKernel1d, getTransform, jpegRoundTrip, parseTransformParams, quantizeToBytes } from '../transforms';
import type { EotSample } from './eot-distribution';

/**
 * out[i] = Σ_t w[t·M + i] · x[idx[t·M + i]] over the rows of x ([R, D] → [M, D]), for `taps`
 * taps per output row stored tap-major. Gradient: scatter-add of dy·w back to the rows.
 */
export function gatherRows(x: tf.Tensor2D, idx: Int32Array, weights: Float32Array | null, taps: number): tf.Tensor2D {
  const [rows, d] = x.shape;
  const m = idx.length / taps;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const indices = tf.tensor1d(idx, 'int32');
    const w = weights ? tf.tensor2d(weights, [idx.length, 1]) : null;
    save(w ? [indices, w] : [indices]);
    let g = tf.gather(input, indices, 0);
    if (w) g = tf.mul(g, w);
    const value = taps > 1 ? tf.sum(tf.reshape(g, [taps, m, d]), 0) : g;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ind, wt] = saved;
        const rep = taps > 1 ? tf.concat(Array.from({ length: taps }, () => dy), 0) : dy;
        const upd = wt ? tf.mul(rep, wt) : rep;
        return tf.scatterND(tf.reshape(ind, [idx.length, 1]), upd, [rows, d]);
      },
    };
  });
  return op(x) as tf.Tensor2D;
}

/** Bilinear taps (edge-clamped) for output pixel centres mapped through m (centred coordinates). */
export function bilinearTaps(h: number, w: number, m: readonly number[]): { idx: Int32Array; weights: Float32Array } {
  const size = h * w;
  const idx = new Int32Array(4 * size);
  const weights = new Float32Array(4 * size);
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const X = u + 0.5 - w / 2;
      const Y = v + 0.5 - h / 2;
      const den = m[6] * X + m[7] * Y + m[8];
      const xs = clamp((m[0] * X + m[1] * Y + m[2]) / den + w / 2 - 0.5, w - 1);
      const ys = clamp((m[3] * X + m[4] * Y + m[5]) / den + h / 2 - 0.5, h - 1);
      const x0 = Math.min(Math.floor(xs), Math.max(0, w - 2));
      const y0 = Math.min(Math.floor(ys), Math.max(0, h - 2));
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const fx = xs - x0;
      const fy = ys - y0;
      const p = v * w + u;
      const taps: [number, number][] = [
        [y0 * w + x0, (1 - fx) * (1 - fy)],
        [y0 * w + x1, fx * (1 - fy)],
        [y1 * w + x0, (1 - fx) * fy],
        [y1 * w + x1, fx * fy],
      ];
      taps.forEach(([i, wt], t) => {
        idx[t * size + p] = i;
        weights[t * size + p] = wt;
      });
    }
  }
  return { idx, weights };
}

/** Resamples every image of the batch through the same projective map (bilinear, edge mode). */
export function warpImages(x: tf.Tensor4D, m: readonly number[]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const { idx, weights } = bilinearTaps(h, w, m);
  const rows = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [h * w, n * c]) as tf.Tensor2D;
  const out = gatherRows(rows, idx, weights, 4);
  return tf.transpose(tf.reshape(out, [h, w, n, c]), [2, 0, 1, 3]) as tf.Tensor4D;
}

/** Replicates the outermost pixels r times along axis 1 (rows) or 2 (columns). */
function padEdge(x: tf.Tensor4D, axis: 1 | 2, r: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const len = axis === 1 ? h : w;
  const idx = new Int32Array(len + 2 * r);
  for (let i = 0; i < idx.length; i++) idx[i] = Math.min(len - 1, Math.max(0, i - r));
  const perm = axis === 1 ? [1, 0, 2, 3] : [2, 0, 1, 3];
  const moved = tf.reshape(tf.transpose(x, perm), [len, -1]) as tf.Tensor2D;
  const padded = gatherRows(moved, idx, null, 1);
  const shape: [number, number, number, number] = axis === 1 ? [len + 2 * r, n, w, c] : [len + 2 * r, n, h, c];
  return tf.transpose(tf.reshape(padded, shape), axis === 1 ? [1, 0, 2, 3] : [1, 2, 0, 3]) as tf.Tensor4D;
}

/**
 * The registry's Gaussian blur (same normalised taps, radius ceil(3σ), edge padding, separable
 * depthwise convolution), with padding that has a gradient on wasm.
 */
export function blurImages(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  const c = x.shape[3];
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) / 2;
  const perChannel = new Float32Array(k.length * c);
  for (let i = 0; i < k.length; i++) perChannel.fill(k[i], i * c, (i + 1) * c);
  const kx = tf.tensor4d(perChannel, [1, k.length, c, 1]);
  const ky = tf.tensor4d(perChannel, [k.length, 1, c, 1]);
  const alongX = tf.depthwiseConv2d(padEdge(x, 2, r), kx, 1, 'valid');
  return tf.depthwiseConv2d(padEdge(alongX, 1, r), ky, 1, 'valid');
}

/** The simulator's print model: gamut compression toward luma, dot gain, paper white and toner. */
export function printTone(x: tf.Tensor4D, p: NonNullable<EotSample['print']>): tf.Tensor4D {
  const c = x.shape[3];
  let v: tf.Tensor = x;
  if (c === 3 && p.saturation !== 1) {
    const y = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
    v = tf.add(y, tf.mul(tf.sub(x, y), p.saturation));
  }
  // 1 − k' with k = 1 − v and k' = k + 4g·k(1−k):  v − 4g·v(1−v).
  const tone = p.dotGain ? tf.sub(v, tf.mul(tf.mul(v, tf.sub(1, v)), 4 * p.dotGain)) : v;
  const ink = tf.tensor1d(p.ink.slice(0, c));
  const span = tf.tensor1d(p.paper.slice(0, c).map((pw, i) => pw - p.ink[i]));
  return tf.add(ink, tf.mul(tone, span)) as tf.Tensor4D;
}

/** Below this the tone curve is flat, so x^gamma keeps a finite gradient for gamma < 1. */
const TONE_FLOOR = 1e-3;
const LUMA = [0.299, 0.587, 0.114];

/**
 * A fitted profile's tone curve and colour matrix: t = max(x, floor)^gamma per channel, then
 * y = M·t + offset. A grey image is printed as grey (r = g = b) and the grey model reads the
 * colour photo back through luma, as registration's crops are converted (rgbToGray).
 */
export function colourImages(x: tf.Tensor4D, s: NonNullable<EotSample['colour']>): tf.Tensor4D {
  const c = x.shape[3];
  const rgb = c === 1 ? tf.concat([x, x, x], 3) : x;
  const t = tf.pow(tf.maximum(rgb, TONE_FLOOR), tf.tensor1d(s.gamma));
  const m = s.matrix;
  // Row vectors times Mᵀ: out_r = Σ_c t_c · M[r][c].
  const mt = tf.tensor2d([m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]], [3, 3]);
  const y = tf.add(tf.reshape(tf.matMul(tf.reshape(t, [-1, 3]), mt), rgb.shape), tf.tensor1d(s.offset));
  return (c === 1 ? tf.sum(tf.mul(y, tf.tensor1d(LUMA)), 3, true) : y) as tf.Tensor4D;
}

/** Registry transforms used inside gradients must be differentiable and synchronous. */
function registry(id: string, x: tf.Tensor4D, raw: Record<string, number>, seed = 0): tf.Tensor4D {
  const d = getTransform(id);
  if (!d.differentiable) throw new Error(`transform '${id}' is not differentiable`);
  const out = d.apply(x, parseTransformParams(d, raw), createRng(seed));
  if (out instanceof Promise) throw new Error(`transform '${id}' is asynchronous; it cannot run inside a gradient`);
  return out;
}

/** White balance, illumination gradient, then the registry's exposure gain and offset. */
export function lightImages(x: tf.Tensor4D, l: NonNullable<EotSample['lighting']>): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  let y = x;
  if (l.gradient !== 0 || l.gains.some((g) => g !== 1)) {
    const field = new Float32Array(h * w * c);
    const half = Math.hypot(w, h) / 2;
    const cos = Math.cos(l.angle);
    const sin = Math.sin(l.angle);
    for (let v = 0; v < h; v++) {
      for (let u = 0; u < w; u++) {
        const f = 1 + (l.gradient * ((u + 0.5 - w / 2) * cos + (v + 0.5 - h / 2) * sin)) / half;
        for (let ch = 0; ch < c; ch++) field[(v * w + u) * c + ch] = f * l.gains[ch];
      }
    }
    y = tf.mul(y, tf.tensor4d(field, [1, h, w, c]));
  }
  return registry('brightness', registry('contrast', y, { factor: l.gain }), { delta: l.offset });
}

/** One sampled transformation without its JPEG stage (sync; call inside tf.tidy). */
export function applyEotSample(x: tf.Tensor4D, s: EotSample): tf.Tensor4D {
  let y = x;
  if (s.colour) y = colourImages(y, s.colour);
  if (s.print) y = printTone(y, s.print);
  if (s.warp) y = warpImages(y, s.warp);
  if (s.lighting) y = lightImages(y, s.lighting);
  if (s.blurSigma !== undefined && s.blurSigma >= 0.05) y = blurImages(y, s.blurSigma);
  if (s.noise && s.noise.sigma > 0) y = registry('gaussian-noise', y, { sigma: s.noise.sigma }, s.noise.seed);
  for (const t of s.transforms ?? []) y = registry(t.id, y, t.params, t.seed);
  return y;
}

/**
 * jpeg(t) − t for a batch, as a constant tensor (the caller owns it). The images are encoded
 * together as one mosaic of tiles padded (edge-replicated) to whole 16-px MCUs, so no JPEG block
 * straddles two images and one codec call serves the batch.
 */
export async function jpegResidual(t: tf.Tensor4D, quality: number): Promise<tf.Tensor4D> {
  const [n, h, w, c] = t.shape;
  if (c !== 1 && c !== 3) throw new Error(`jpeg needs 1- or 3-channel images (got ${c})`);
  const values = (await t.data()) as Float32Array;
  const bytes = quantizeToBytes(values);
  const th = Math.ceil(h / 16) * 16;
  const tw = Math.ceil(w / 16) * 16;
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const mw = cols * tw;
  const mosaic = new Uint8Array(rows * th * mw * c);
  const at = (i: number, y: number, x: number) => ((Math.floor(i / cols) * th + y) * mw + (i % cols) * tw + x) * c;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const src = ((i * h + Math.min(y, h - 1)) * w + Math.min(x, w - 1)) * c;
        mosaic.set(bytes.subarray(src, src + c), at(i, y, x));
      }
    }
  }
  const back = await jpegRoundTrip(makeImage8(mw, rows * th, c, mosaic), quality);
  const out = new Float32Array(values.length);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((i * h + y) * w + x) * c;
        const m = at(i, y, x);
        for (let ch = 0; ch < c; ch++) out[o + ch] = back.data[m + ch] / 255 - values[o + ch];
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}
