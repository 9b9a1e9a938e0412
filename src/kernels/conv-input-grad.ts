/**
 * Input gradients of 2-D convolutions written as *forward* convolutions.
 *
 * Why: tfjs-backend-wasm 4.22 has no DepthwiseConv2dNativeBackpropInput kernel, and its
 * Conv2DBackpropInput is a scalar loop (≈ 11× slower than the forward conv), while forward
 * Conv2D / DepthwiseConv2dNative run on XNNPACK. A transposed convolution is a forward
 * convolution of the output gradient with the 180°-rotated filter; for stride s > 1 we split it
 * into s² phases instead of zero-dilating dy (which wastes (s²−1)/s² of the work on zeros).
 *
 * Math, per spatial axis (k taps, stride s, padding P before, input size X, output size O):
 *   forward   y[i] = Σ_d x[s·i + d − P] · w[d]
 *   backward  dx[p] = Σ_{i,d : s·i+d−P = p} dy[i] · w[d]
 * Write m = p + P = s·r + a (phase a ∈ [0, s)), d = s·j + a, J_a = ⌈(k − a)/s⌉ taps:
 *   z_a[r] = Σ_{j<J_a} dy[r − j] · w[s·j + a] = Σ_{t<J_a} dy'[r + t] · w[s·(J_a−1−t) + a]
 * with dy' = dy padded by J_a − 1 zeros in front: a 'valid' stride-1 correlation of dy with the
 * reversed phase-a sub-filter w[a::s]. Then dx[s·r + a − P] = z_a[r]: the phases are interleaved
 * back into space and cropped to [P, P + X). For s = 1 this is exactly
 * "conv(dy, rot180(w) with in/out channels swapped, padding k−1−P)".
 * Each phase is its own forward Conv2D (XNNPACK's GEMM handles any sub-filter shape).
 *
 * Depthwise convs are memory-bound and XNNPACK only has fast depthwise kernels for some tap counts
 * (3×3 and 2×2 are fast, 1×2 is ~10× slower per output; a channel multiplier > 1 is ~30× slower),
 * so for them we zero-dilate dy instead (two 4-D pads) and run ONE multiplier-1 depthwise conv with
 * the full rotated k×k filter at input resolution: measured 9 ms against 28 ms by phases for a
 * MobileNet-sized stride-2 layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { crop4d } from './crop';

type Shape4 = [number, number, number, number];
type Pair = [number, number];
/** Padding as the conv ops accept it. */
export type PadArg = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
/** Output-size rounding for numeric padding, as the conv ops accept it. */
export type RoundingMode = 'floor' | 'round' | 'ceil';

/** How one spatial axis of dy maps onto the input gradient. */
interface AxisPlan {
  k: number; // filter taps
  s: number; // stride
  pad: number; // P: padding before
  size: number; // X: input size
  out: number; // O: output size (rows of dy)
  first: number; // r0 = floor(P / s): first phase row that reaches dx
  rows: number; // R = ceil((P + X) / s): phase rows needed to cover [P, P + X)
}

function planAxis(k: number, s: number, pad: number, size: number, out: number): AxisPlan {
  return { k, s, pad, size, out, first: Math.floor(pad / s), rows: Math.ceil((pad + size) / s) };
}

function plan(info: tf.backend_util.Conv2DInfo): [AxisPlan, AxisPlan] {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('printshot input gradients: dilated convolutions are not supported');
  }
  return [
    planAxis(info.filterHeight, info.strideHeight, info.padInfo.top, info.inHeight, info.outHeight),
    planAxis(info.filterWidth, info.strideWidth, info.padInfo.left, info.inWidth, info.outWidth),
  ];
}

/**
 * For a 'valid' stride-1 correlation over `len` input rows with `taps` taps, producing output
 * row r from input rows [r − shift, r − shift + taps): the input rows to keep and the zero padding
 * that make it yield exactly the output rows [from, to). Negative padding becomes a crop.
 */
function window1d(len: number, taps: number, shift: number, from: number, to: number) {
  const lo = from - shift; // first input row needed (may be < 0: zero padding)
  const hi = to - 1 - shift + taps; // one past the last input row needed
  const begin = Math.min(Math.max(lo, 0), len);
  const end = Math.min(Math.max(hi, begin), len);
  return { begin, size: end - begin, before: begin - lo, after: hi - Math.max(end, lo) };
}

/** Which output rows [from, to) a window must produce, output row r reading input rows from r − shift. */
export interface RowRange {
  shift: number;
  from: number;
  to: number;
}

/** Slices and pads `x` (NHWC) so that a valid stride-1 conv with th × tw taps yields the wanted rows. */
export function convWindow(
  x: tf.Tensor4D,
  [th, tw]: Pair,
  rows: RowRange,
  cols: RowRange,
): [tf.Tensor4D, tf.backend_util.ExplicitPadding] {
  const [, len, wid] = x.shape;
  const r = window1d(len, th, rows.shift, rows.from, rows.to);
  const q = window1d(wid, tw, cols.shift, cols.from, cols.to);
  const cropped = crop4d(x, [r.begin, q.begin], [r.size, q.size]);
  return [cropped, [[0, 0], [r.before, r.after], [q.before, q.after], [0, 0]]];
}

/** The reversed phase-(a, b) sub-filter: f[a::sh, b::sw] rotated by 180°. */
function phaseFilter(filter: tf.Tensor4D, h: AxisPlan, v: AxisPlan, a: number, b: number): tf.Tensor4D {
  const [kh, kw, A, B] = filter.shape;
  let f = filter;
  if (h.s !== 1 || v.s !== 1) f = tf.stridedSlice(f, [a, b, 0, 0], [kh, kw, A, B], [h.s, v.s, 1, 1]) as tf.Tensor4D;
  return f.shape[0] === 1 && f.shape[1] === 1 ? f : tf.reverse(f, [0, 1]);
}

/**
 * Interleaves phase maps z[a·sw + b] ([N, R_h − r0_h, R_w − r0_w, C]) into
 * full[n, r·sh + a, q·sw + b, c], then crops to the input window. Concatenating along the batch
 * axis plus two transposes is fast on wasm for any C; stacking along an inner axis is ~10× slower
 * for small C (the image channels).
 */
function interleave(z: tf.Tensor4D[], h: AxisPlan, v: AxisPlan): tf.Tensor4D {
  const [n, rh, rw, c] = z[0].shape;
  let full = z[0];
  if (z.length > 1) {
    const phases = tf.reshape(tf.concat(z, 0), [h.s * v.s, n * rh * rw, c]);
    // [sh·sw, N·R·Rw, C] → [N·R·Rw, sh·sw, C] → [N·R, Rw, sh, sw·C] → [N·R, sh, Rw, sw·C]
    const cells = tf.reshape(tf.transpose(phases, [1, 0, 2]), [n * rh, rw, h.s, v.s * c]);
    full = tf.reshape(tf.transpose(cells, [0, 2, 1, 3]), [n, rh * h.s, rw * v.s, c]);
  }
  return crop4d(full, [h.pad - h.first * h.s, v.pad - v.first * v.s], [h.size, v.size]);
}

/**
 * The per-phase filters of a conv's input gradient, ready for forward kernels: they depend only
 * on the filter and the strides, so a model compiled for attacks (src/model/layer-plan.ts)
 * prepares them once instead of slicing and reversing the filter at every step.
 */
export interface PreparedConvInputGrad {
  readonly filterShape: Shape4;
  readonly strides: Pair;
  /** One per phase (a·sw + b); null where the phase has no taps (stride > kernel size). */
  readonly phases: readonly (tf.Tensor4D | null)[];
  /** True when phases are depthwise filters [Ja, Jb, Cout, 1] (one input channel, stride 1). */
  readonly depthwise: boolean;
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);
const phaseTaps = (k: number, s: number, a: number): number => (a < k ? Math.ceil((k - a) / s) : 0);

/** Creates the phase filters (new tensors: the caller disposes them, e.g. with tf.dispose(p.phases)). */
export function prepareConv2dInputGrad(filter: tf.Tensor4D, strides: number | Pair): PreparedConvInputGrad {
  const [sh, sw] = pair(strides);
  const [kh, kw, cin, cout] = filter.shape;
  const depthwise = cin === 1 && sh === 1 && sw === 1;
  const h = { k: kh, s: sh } as AxisPlan;
  const v = { k: kw, s: sw } as AxisPlan;
  const phases: (tf.Tensor4D | null)[] = [];
  for (let a = 0; a < sh; a++) {
    for (let b = 0; b < sw; b++) {
      const [ja, jb] = [phaseTaps(kh, sh, a), phaseTaps(kw, sw, b)];
      if (ja === 0 || jb === 0) {
        phases.push(null);
        continue;
      }
      phases.push(
        tf.tidy(() => {
          const f = phaseFilter(filter, h, v, a, b);
          // One input channel (grayscale images): a GEMM with a single output column is slow; a
          // depthwise conv over dy's channels plus a channel sum is 2× faster (measured).
          // Otherwise in/out channels swap: [Ja, Jb, Cin, Cout] becomes [Ja, Jb, Cout, Cin].
          return depthwise ? tf.reshape(f, [ja, jb, cout, 1]) : tf.transpose(f, [0, 1, 3, 2]);
        }),
      );
    }
  }
  return { filterShape: filter.shape, strides: [sh, sw], phases, depthwise };
}

/** ∂L/∂x of y = conv2d(x, w) (NHWC) from prepared phase filters; see conv2dInputGrad. */
export function conv2dInputGradPrepared(
  prepared: PreparedConvInputGrad,
  dy: tf.Tensor4D,
  xShape: Shape4,
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(xShape, prepared.filterShape, prepared.strides, 1, pad, dimRoundingMode);
    const [h, v] = plan(info);
    const z: tf.Tensor4D[] = [];
    for (let a = 0; a < h.s; a++) {
      for (let b = 0; b < v.s; b++) {
        const f = prepared.phases[a * v.s + b];
        if (f === null) {
          z.push(tf.zeros([dy.shape[0], h.rows - h.first, v.rows - v.first, xShape[3]]));
          continue;
        }
        // J taps in this phase; phase row r reads dy rows [r − J + 1, r].
        const [ja, jb] = [f.shape[0], f.shape[1]];
        const [input, padding] = convWindow(
          dy,
          [ja, jb],
          { shift: ja - 1, from: h.first, to: h.rows },
          { shift: jb - 1, from: v.first, to: v.rows },
        );
        z.push(prepared.depthwise ? tf.sum(tf.depthwiseConv2d(input, f, 1, padding), 3, true) : tf.conv2d(input, f, 1, padding));
      }
    }
    return interleave(z, h, v);
  });
}

/** ∂L/∂x of y = conv2d(x, w) (NHWC), given dy = ∂L/∂y. Only forward Conv2D is used. */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  xShape: Shape4,
  strides: number | Pair,
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => conv2dInputGradPrepared(prepareConv2dInputGrad(filter, strides), dy, xShape, pad, dimRoundingMode));
}

/** dy with s − 1 zeros after every row and column (two 4-D pads; reshapes are free). */
function zeroDilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  let t: tf.Tensor = dy;
  if (sw > 1) t = tf.pad(tf.reshape(t, [n * oh, ow, 1, c]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]]);
  if (sh > 1) t = tf.pad(tf.reshape(t, [n, oh, 1, ow * sw * c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0]]);
  return tf.reshape(t, [n, oh * sh, ow * sw, c]);
}

/** The rotated multiplier-1 filter [kh, kw, C·M, 1] a depthwise input gradient convolves with. */
export interface PreparedDepthwiseInputGrad {
  readonly filterShape: Shape4;
  readonly rotated: tf.Tensor4D;
}

/** Creates the rotated filter (a new tensor: the caller disposes `rotated`). */
export function prepareDepthwiseInputGrad(filter: tf.Tensor4D): PreparedDepthwiseInputGrad {
  const [kh, kw, c, m] = filter.shape;
  const rotated = tf.tidy(() => tf.reshape(kh === 1 && kw === 1 ? filter : tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D);
  return { filterShape: filter.shape, rotated };
}

/** ∂L/∂x of y = depthwiseConv2d(x, w) from a prepared filter; see depthwiseInputGrad. */
export function depthwiseInputGradPrepared(
  prepared: PreparedDepthwiseInputGrad,
  dy: tf.Tensor4D,
  xShape: Shape4,
  strides: number | Pair,
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(xShape, prepared.filterShape, strides, 1, pad, dimRoundingMode, true);
    const [h, v] = plan(info);
    const [kh, kw, c, m] = prepared.filterShape;
    // Full-resolution dy: dx[p] = Σ_t dyd[p + P − (k − 1) + t] · rot(w)[t], for p ∈ [0, X).
    const dilated = zeroDilate(dy, h.s, v.s);
    const [input, padding] = convWindow(
      dilated,
      [kh, kw],
      { shift: kh - 1 - h.pad, from: 0, to: h.size },
      { shift: kw - 1 - v.pad, from: 0, to: v.size },
    );
    // dy channel c·M + q only ever meets filter[.., c, q]: a multiplier-1 depthwise conv over
    // C·M channels, then the M contributions of each input channel are summed.
    const z = tf.depthwiseConv2d(input, prepared.rotated, 1, padding);
    return m === 1 ? z : tf.sum(tf.reshape(z, [xShape[0], h.size, v.size, c, m]), 4);
  });
}

/** ∂L/∂x of y = depthwiseConv2d(x, w) (NHWC, channel multiplier M). Only forward depthwise is used. */
export function depthwiseInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  xShape: Shape4,
  strides: number | Pair,
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => depthwiseInputGradPrepared(prepareDepthwiseInputGrad(filter), dy, xShape, strides, pad, dimRoundingMode));
}
