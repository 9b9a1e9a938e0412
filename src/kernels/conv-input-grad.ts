/**
 * Input gradients of 2-D convolutions written as *forward* convolutions.
 *
 * Why: tfjs-backend-wasm 4.22 has no DepthwiseConv2dNativeBackpropInput kernel, and its
 * Conv2DBackpropInput is a slow scalar loop, while forward Conv2D / DepthwiseConv2dNative run on
 * XNNPACK. A transposed convolution is a forward convolution of the output gradient with the
 * 180°-rotated filter; for stride s > 1 we use the polyphase form instead of zero-dilating dy
 * (which would waste (s²-1)/s² of the multiply-adds on inserted zeros).
 *
 * Math, per spatial axis (k taps, stride s, padding P before, input size X, output size O):
 *   forward   y[i] = Σ_d x[s·i + d − P] · w[d]
 *   backward  dx[p] = Σ_{i,d : s·i+d−P = p} dy[i] · w[d]
 * Write m = p + P = s·r + a (phase a ∈ [0, s)), d = s·j + a, J = ⌈k/s⌉:
 *   z_a[r] = Σ_{j<J} dy[r − j] · w[s·j + a] = Σ_{t<J} dy'[r + t] · w[s·(J−1−t) + a]
 * with dy' = dy padded by J−1 zeros in front: a 'valid' stride-1 correlation with the phase-a
 * sub-filter, reversed. All s² phases become extra output channels of ONE forward conv, which
 * are then interleaved back into space (a depth-to-space) and cropped to [P, P + X).
 * For s = 1 this is exactly "conv(dy, rot180(w) with in/out swapped, padding k−1−P)".
 */
import * as tf from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];
type Pair = [number, number];
/** Padding as the conv ops accept it. */
export type PadArg = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
/** Output-size rounding for numeric padding, as the conv ops accept it. */
export type RoundingMode = 'floor' | 'round' | 'ceil';

/** How one spatial axis of the output gradient maps onto the polyphase convolution. */
interface AxisPlan {
  k: number; // filter taps
  s: number; // stride
  taps: number; // J = ceil(k / s): taps per phase
  rows: number; // R = ceil((P + X) / s): phase-domain outputs needed to cover [P, P + X)
  used: number; // rows of dy that can contribute (min(O, R))
  padAfter: number; // zero rows after dy so the valid conv yields R outputs
  crop: number; // P: first full-resolution row that belongs to dx
  size: number; // X
}

function planAxis(k: number, s: number, padBefore: number, inSize: number, outSize: number): AxisPlan {
  const taps = Math.ceil(k / s);
  const rows = Math.ceil((padBefore + inSize) / s);
  const used = Math.min(outSize, rows);
  return { k, s, taps, rows, used, padAfter: rows - used, crop: padBefore, size: inSize };
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

/** Indices i·s + a ↦ s·(J−1−i) + a: reverses tap order inside each phase (a plain reverse when s = 1). */
function phaseReverseIndices(p: AxisPlan): tf.Tensor1D {
  const idx = new Int32Array(p.taps * p.s);
  for (let t = 0; t < p.taps; t++) for (let a = 0; a < p.s; a++) idx[t * p.s + a] = p.s * (p.taps - 1 - t) + a;
  return tf.tensor1d(idx, 'int32');
}

/**
 * Rearranges a filter [kh, kw, A, B] into G[t, u, a, b, A, B] = w[sh(Jh−1−t)+a, sw(Jw−1−u)+b, A, B]
 * (zero beyond k), returned as [Jh·Jw, sh·sw, A·B] so callers only need one more 3-D transpose.
 */
function polyphaseTaps(w: tf.Tensor4D, h: AxisPlan, v: AxisPlan): tf.Tensor3D {
  const [, , A, B] = w.shape;
  let g: tf.Tensor4D = w;
  if (h.taps * h.s !== h.k || v.taps * v.s !== v.k) {
    g = tf.pad(g, [[0, h.taps * h.s - h.k], [0, v.taps * v.s - v.k], [0, 0], [0, 0]]);
  }
  g = tf.gather(g, phaseReverseIndices(h), 0);
  g = tf.gather(g, phaseReverseIndices(v), 1);
  // [Jh, sh, Jw, sw·A·B] → [Jh, Jw, sh, sw·A·B]: moves the row phase next to the column phase.
  const moved = tf.transpose(tf.reshape(g, [h.taps, h.s, v.taps, v.s * A * B]), [0, 2, 1, 3]);
  return tf.reshape(moved, [h.taps * v.taps, h.s * v.s, A * B]);
}

/** z[n, r, q, (a·sw + b)·C + c] → full[n, r·sh + a, q·sw + b, c], then crop to [P, P + X) per axis. */
function interleaveAndCrop(z: tf.Tensor4D, h: AxisPlan, v: AxisPlan, channels: number): tf.Tensor4D {
  const n = z.shape[0];
  let full = z;
  if (h.s !== 1 || v.s !== 1) {
    const split = tf.reshape(z, [n * h.rows, v.rows, h.s, v.s * channels]);
    full = tf.reshape(tf.transpose(split, [0, 2, 1, 3]), [n, h.rows * h.s, v.rows * v.s, channels]);
  }
  if (h.crop === 0 && v.crop === 0 && h.rows * h.s === h.size && v.rows * v.s === v.size) return full;
  return tf.slice(full, [0, h.crop, v.crop, 0], [n, h.size, v.size, channels]);
}

/** dy cropped to the rows that can contribute, plus the explicit padding for the phase convolution. */
function phaseInput(dy: tf.Tensor4D, h: AxisPlan, v: AxisPlan): [tf.Tensor4D, tf.backend_util.ExplicitPadding] {
  const [n, oh, ow, c] = dy.shape;
  const cropped = h.used === oh && v.used === ow ? dy : tf.slice(dy, [0, 0, 0, 0], [n, h.used, v.used, c]);
  return [cropped, [[0, 0], [h.taps - 1, h.padAfter], [v.taps - 1, v.padAfter], [0, 0]]];
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
    const [kh, kw, cin, cout] = filter.shape;
    let w: tf.Tensor4D;
    if (h.s === 1 && v.s === 1) {
      // Plain 180° rotation with in/out channels swapped; 1×1 filters need no reverse.
      const rotated = kh === 1 && kw === 1 ? filter : tf.reverse(filter, [0, 1]);
      w = tf.transpose(rotated, [0, 1, 3, 2]);
    } else {
      // [Jh·Jw, S·Cin, Cout] → [Jh, Jw, Cout, S·Cin]: phases become output channels.
      const taps = tf.reshape(polyphaseTaps(filter, h, v), [h.taps * v.taps, h.s * v.s * cin, cout]);
      w = tf.reshape(tf.transpose(taps, [0, 2, 1]), [h.taps, v.taps, cout, h.s * v.s * cin]);
    }
    const [input, padding] = phaseInput(dy, h, v);
    const z = tf.conv2d(input, w, 1, padding);
    return interleaveAndCrop(z, h, v, cin);
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
    const [kh, kw, c, m] = filter.shape;
    const phases = h.s * v.s;
    let w: tf.Tensor4D;
    if (phases === 1) {
      w = tf.reshape(kh === 1 && kw === 1 ? filter : tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    } else {
      // [Jh·Jw, S, C·M] → [Jh, Jw, C·M, S]: each dy channel gets one output per phase.
      w = tf.reshape(tf.transpose(polyphaseTaps(filter, h, v), [0, 2, 1]), [h.taps, v.taps, c * m, phases]);
    }
    const [input, padding] = phaseInput(dy, h, v);
    let z: tf.Tensor = tf.depthwiseConv2d(input, w, 1, padding);
    const n = z.shape[0];
    const cells = n * h.rows * v.rows;
    // z channels are ordered (c, q, phase); sum the multiplier q, then put phases in front of c.
    if (m > 1) z = tf.sum(tf.reshape(z, [cells, c, m, phases]), 2);
    if (phases > 1) z = tf.transpose(tf.reshape(z, [cells, c, phases]), [0, 2, 1]);
    return interleaveAndCrop(tf.reshape(z, [n, h.rows, v.rows, phases * c]), h, v, c);
  });
}
