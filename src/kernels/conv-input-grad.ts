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
 * Each phase is its own forward conv with a plain filter: tfjs-wasm runs a depthwise conv with
 * channel multiplier > 1 about 10× slower than with multiplier 1, so phases must not become
 * extra output channels there.
 */
import * as tf from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];
type Pair = [number, number];
/** Padding as the conv ops accept it. */
export type PadArg = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
/** Output-size rounding for numeric padding, as the conv ops accept it. */
export type RoundingMode = 'floor' | 'round' | 'ceil';

/** How one spatial axis of dy maps onto the phase convolutions. */
export interface AxisPlan {
  k: number; // filter taps
  s: number; // stride
  rows: number; // R = ceil((P + X) / s): phase outputs needed to cover [P, P + X)
  used: number; // rows of dy that can contribute (min(O, R))
  crop: number; // P: first full-resolution row that belongs to dx
  size: number; // X
}

export function planAxis(k: number, s: number, padBefore: number, inSize: number, outSize: number): AxisPlan {
  const rows = Math.ceil((padBefore + inSize) / s);
  return { k, s, rows, used: Math.min(outSize, rows), crop: padBefore, size: inSize };
}

/** J_a: taps of the filter that fall in phase a (0 when k ≤ a, e.g. a 1×1 conv at stride 2). */
export function phaseTaps(p: AxisPlan, a: number): number {
  return a < p.k ? Math.ceil((p.k - a) / p.s) : 0;
}

export function plan(info: tf.backend_util.Conv2DInfo): [AxisPlan, AxisPlan] {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('printshot input gradients: dilated convolutions are not supported');
  }
  return [
    planAxis(info.filterHeight, info.strideHeight, info.padInfo.top, info.inHeight, info.outHeight),
    planAxis(info.filterWidth, info.strideWidth, info.padInfo.left, info.inWidth, info.outWidth),
  ];
}

/** dy cropped to the rows that can contribute to dx. */
export function usedRows(dy: tf.Tensor4D, h: AxisPlan, v: AxisPlan): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  return h.used === oh && v.used === ow ? dy : tf.slice(dy, [0, 0, 0, 0], [n, h.used, v.used, c]);
}

/** Padding that makes a 'valid' stride-1 conv with J_a × J_b taps yield R_h × R_w outputs. */
export function phasePadding(h: AxisPlan, v: AxisPlan, ja: number, jb: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [ja - 1, h.rows - h.used], [jb - 1, v.rows - v.used], [0, 0]];
}

/** The reversed phase-(a, b) sub-filter: f[a::sh, b::sw] rotated by 180°. */
function phaseFilter(filter: tf.Tensor4D, h: AxisPlan, v: AxisPlan, a: number, b: number): tf.Tensor4D {
  const [kh, kw, A, B] = filter.shape;
  let f = filter;
  if (h.s !== 1 || v.s !== 1) f = tf.stridedSlice(f, [a, b, 0, 0], [kh, kw, A, B], [h.s, v.s, 1, 1]) as tf.Tensor4D;
  return f.shape[0] === 1 && f.shape[1] === 1 ? f : tf.reverse(f, [0, 1]);
}

/**
 * Interleaves phase maps z[a][b] ([N, R_h, R_w, C]) into full[n, r·sh + a, q·sw + b, c] by stacking
 * (a copy plus free reshapes), then crops rows and columns to [P, P + X).
 */
export function interleave(z: tf.Tensor4D[][], h: AxisPlan, v: AxisPlan): tf.Tensor4D {
  const [n, rh, rw, c] = z[0][0].shape;
  const rows = z.map((row) => (row.length === 1 ? row[0] : tf.reshape(tf.stack(row, 3), [n, rh, rw * v.s, c])));
  const full = rows.length === 1 ? rows[0] : tf.reshape(tf.stack(rows, 2), [n, rh * h.s, rw * v.s, c]);
  if (h.crop === 0 && v.crop === 0 && rh * h.s === h.size && rw * v.s === v.size) return full as tf.Tensor4D;
  return tf.slice(full, [0, h.crop, v.crop, 0], [n, h.size, v.size, c]);
}

/** Runs `conv(dyUsed, reversed sub-filter, padding)` for every phase and interleaves the results. */
function byPhase(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  h: AxisPlan,
  v: AxisPlan,
  outChannels: number,
  conv: (input: tf.Tensor4D, f: tf.Tensor4D, pad: tf.backend_util.ExplicitPadding) => tf.Tensor4D,
): tf.Tensor4D {
  const input = usedRows(dy, h, v);
  const z: tf.Tensor4D[][] = [];
  for (let a = 0; a < h.s; a++) {
    z.push([]);
    for (let b = 0; b < v.s; b++) {
      const [ja, jb] = [phaseTaps(h, a), phaseTaps(v, b)];
      z[a].push(
        ja === 0 || jb === 0
          ? tf.zeros([input.shape[0], h.rows, v.rows, outChannels])
          : conv(input, phaseFilter(filter, h, v, a, b), phasePadding(h, v, ja, jb)),
      );
    }
  }
  return interleave(z, h, v);
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
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(xShape, filter.shape, strides, 1, pad, dimRoundingMode);
    const [h, v] = plan(info);
    // In/out channels swap: the sub-filter [Ja, Jb, Cin, Cout] becomes [Ja, Jb, Cout, Cin].
    return byPhase(dy, filter, h, v, xShape[3], (input, f, p) => tf.conv2d(input, tf.transpose(f, [0, 1, 3, 2]), 1, p));
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
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(xShape, filter.shape, strides, 1, pad, dimRoundingMode, true);
    const [h, v] = plan(info);
    const [, , c, m] = filter.shape;
    // dy channel c·M + q only ever meets filter[.., c, q]: a multiplier-1 depthwise conv over
    // C·M channels, then the M contributions of each input channel are summed.
    return byPhase(dy, filter, h, v, c, (input, f, p) => {
      const [ja, jb] = f.shape;
      const z = tf.depthwiseConv2d(input, tf.reshape(f, [ja, jb, c * m, 1]), 1, p);
      if (m === 1) return z;
      const [n, rh, rw] = z.shape;
      return tf.sum(tf.reshape(z, [n, rh, rw, c, m]), 4);
    });
  });
}
