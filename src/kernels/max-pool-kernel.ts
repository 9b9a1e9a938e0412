/**
 * Max-pool input gradient as one JavaScript pass over the backend's own memory, registered as a
 * kernel for wasm and cpu.
 *
 * Why: wasm's MaxPoolGrad is wrong (see pool-gradients.ts), and the composite rebuilt from forward
 * kernels costs ~15 ops (ArgMax over [L, k²] windows, OneHot, Cast, Multiply, four Transposes):
 * about a fifth of a small CNN's attack step. One pass reads each window, picks the FIRST maximum
 * in row-major order (as tfjs-cpu and PyTorch do; padding never wins) and adds dy there.
 *
 * `positiveOnly` also drops windows whose maximum is ≤ 0: the gradient of relu followed by this
 * pool, for a model compiled so that the pool reads a relu output (the relu mask step(y) costs
 * two more full-size ops otherwise). Comparisons run on integer keys (see orderedKeys).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MEMORY_BACKENDS, memoryAccess } from './backend-memory';

export const MAX_POOL_INPUT_GRAD = 'PrintshotMaxPoolInputGrad';

export interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  positiveOnly?: boolean;
}

/**
 * Float32 bit patterns as int32 keys that order like the floats (−0 equal to +0, NaN above
 * +∞): integer compares are branch-free in V8 where float compares and Math.max are not, which
 * made the float version 4× slower. With `positiveOnly` the raw bits suffice: every float ≤ 0 has
 * a key ≤ 0 and positive floats order like their bits.
 */
function orderedKeys(bits: Int32Array, positiveOnly: boolean): Int32Array {
  if (positiveOnly) return bits;
  const keys = new Int32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    // Sign-magnitude to two's complement: −x ↦ −|bits|, so −0 and +0 both become 0 (a tie).
    const v = bits[i];
    const sign = v >> 31;
    keys[i] = ((v & 0x7fffffff) ^ sign) - sign;
  }
  return keys;
}

/**
 * dx[n, p, q, c] += dy[n, i, j, c] for the first maximum (p, q) of each window (i, j); with
 * `positiveOnly`, only windows whose maximum is > 0. dx must be zero-filled.
 */
export function routeToFirstMax(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, dx: Float32Array, positiveOnly: boolean): void {
  const keys = orderedKeys(new Int32Array(x.buffer, x.byteOffset, x.length), positiveOnly);
  // Key of the smallest float that still passes: +0's successor, or any float at all.
  const floor = positiveOnly ? 0 : -0x80000000;
  const { padInfo: p, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const inside = 2 * info.outHeight <= info.inHeight && 2 * info.outWidth <= info.inWidth;
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && p.top === 0 && p.left === 0 && inside) routeTiles2x2(info, keys, dy, dx, floor);
  else routeWindows(info, keys, dy, dx, floor);
}

/** 2×2 windows with stride 2, all inside the input (the usual pool), branch-free per channel. */
function routeTiles2x2(info: tf.backend_util.Conv2DInfo, keys: Int32Array, dy: Float32Array, dx: Float32Array, floor: number): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const row = w * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        const base = ((b * h + 2 * i) * w + 2 * j) * c;
        const o = ((b * ho + i) * wo + j) * c;
        for (let ch = 0; ch < c; ch++) {
          const q = base + ch;
          const k0 = keys[q];
          const k1 = keys[q + c];
          const k2 = keys[q + row];
          const k3 = keys[q + row + c];
          // Strict compares: ties keep the earlier tap (row-major first maximum).
          const s01 = +(k1 > k0);
          const s23 = +(k3 > k2);
          const m01 = (k0 + ((k1 - k0) & -s01)) | 0;
          const m23 = (k2 + ((k3 - k2) & -s23)) | 0;
          const s = +(m23 > m01);
          const m = (m01 + ((m23 - m01) & -s)) | 0;
          if (m > floor) dx[q + s01 * c + s * (row + (s23 - s01) * c)] = dy[o + ch];
        }
      }
    }
  }
}

/**
 * Any window shape, stride and padding; overlapping windows add up. Branch-free per channel like
 * routeTiles2x2 (a data-dependent branch per tap cost ~19 ns on InceptionV3's 3×3/2 pools, 6.6% of
 * its fwd+bwd): the first tap seeds the maximum, later taps replace it only when strictly greater.
 */
function routeWindows(info: tf.backend_util.Conv2DInfo, keys: Int32Array, dy: Float32Array, dx: Float32Array, floor: number): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const best = new Int32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      const r0 = Math.max(i * sh - top, 0);
      const r1 = Math.min(i * sh - top + kh, h);
      for (let j = 0; j < wo; j++) {
        const q0 = Math.max(j * sw - left, 0);
        const q1 = Math.min(j * sw - left + kw, w);
        if (r0 >= r1 || q0 >= q1) continue; // a window entirely in the padding routes nothing
        const first = ((b * h + r0) * w + q0) * c;
        for (let ch = 0; ch < c; ch++) {
          best[ch] = keys[first + ch];
          at[ch] = first + ch;
        }
        for (let r = r0; r < r1; r++) {
          for (let q = r === r0 ? q0 + 1 : q0; q < q1; q++) {
            const base = ((b * h + r) * w + q) * c;
            for (let ch = 0; ch < c; ch++) {
              const k = keys[base + ch];
              const m = best[ch];
              const s = -(+(k > m));
              // int32 wrap-around keeps k − m exact modulo 2³², as in routeTiles2x2.
              best[ch] = (m + ((k - m) & s)) | 0;
              at[ch] = at[ch] + ((base + ch - at[ch]) & s);
            }
          }
        }
        const o = ((b * ho + i) * wo + j) * c;
        for (let ch = 0; ch < c; ch++) {
          if (best[ch] > floor) dx[at[ch]] += dy[o + ch];
        }
      }
    }
  }
}

function kernelFor(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as MaxPoolGradAttrs;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${MAX_POOL_INPUT_GRAD}: float32 tensors only`);
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const memory = memoryAccess(backendName, backend);
    const [out, dx] = memory.output(x.shape);
    routeToFirstMax(info, memory.view(x), memory.view(dy), dx, a.positiveOnly === true);
    return out;
  };
}

/** Registers the kernel on the backends it knows how to read; idempotent. */
export function registerMaxPoolKernel(): void {
  for (const backendName of MEMORY_BACKENDS) {
    if (tf.getKernel(MAX_POOL_INPUT_GRAD, backendName) == null) {
      tf.registerKernel({ kernelName: MAX_POOL_INPUT_GRAD, backendName, kernelFunc: kernelFor(backendName) });
    }
  }
}

/** Whether the active backend runs the one-pass kernel (else callers use the composite gradient). */
export function hasMaxPoolKernel(): boolean {
  return tf.getKernel(MAX_POOL_INPUT_GRAD, tf.getBackend()) != null;
}

/** The one-pass max-pool input gradient on the active backend (see hasMaxPoolKernel). */
export function maxPoolInputGradKernel(dy: tf.Tensor4D, x: tf.Tensor4D, attrs: MaxPoolGradAttrs): tf.Tensor4D {
  return tf.engine().runKernel(MAX_POOL_INPUT_GRAD, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
