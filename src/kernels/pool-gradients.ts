/**
 * Max- and average-pool input gradients built from forward kernels.
 *
 * Both stock gradients are wrong somewhere (found by the finite-difference tests):
 *  - wasm's MaxPoolGrad (and MaxPoolWithArgmax) start the running maximum at FLT_MIN, the smallest
 *    *positive* float, instead of −FLT_MAX: any window whose maximum is ≤ 0 sends its gradient to
 *    the window's first element, and positive ties go to the last maximum. (cpu is correct.)
 *  - AvgPoolGrad on both cpu and wasm divides by the full window size, while the forward AvgPool
 *    with padding divides by the number of real (non-padding) pixels: wrong at 'same' borders.
 *
 * Both are rebuilt from kernels that are fast on wasm (Transpose, Pad, Conv2D, depthwise conv,
 * ArgMax; StridedSlice, Tile and inner-axis Pack are 10–100× slower there, so they are avoided).
 * The windows are read as [L = N·Ho·Wo·C, k²] (taps in row-major order) and per-window values are
 * written back onto the pixels, summing where windows overlap:
 *  - non-overlapping windows (kernel = stride, the usual 2×2/2): a pad/crop plus reshapes and
 *    transposes, both ways;
 *  - otherwise: reading is one Conv2D with a one-hot filter (output channel (c, q) = tap q of
 *    channel c), writing is depthwiseInputGrad with the matching one-hot depthwise filter over
 *    C·k² channels, then the k² copies of each channel are summed.
 * Max pool routes dy to the FIRST maximum of each window in row-major order (argMax returns the
 * first index), as tfjs-cpu and PyTorch do; padding reads as −3.4e38 so it never wins (an
 * infinite input would turn 0·∞ in the one-hot conv into NaN: not supported). Avg pool spreads
 * dy / count, count = real (non-padding) pixels of the window, as the forward divides by.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convWindow, depthwiseInputGrad, type PadArg, type RoundingMode } from './conv-input-grad';
import { hasMaxPoolKernel, maxPoolInputGradKernel } from './max-pool-kernel';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadArg;
  dimRoundingMode?: RoundingMode;
}

type Shape4 = [number, number, number, number];
type Info = tf.backend_util.Conv2DInfo;

function poolInfo(xShape: Shape4, a: PoolAttrs): Info {
  return tf.backend_util.computePool2DInfo(xShape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

const tiles = (info: Info): boolean =>
  info.filterHeight === info.strideHeight && info.filterWidth === info.strideWidth;

/** x re-framed to the rows/columns the windows read, [N, (Ho−1)·sh + kh, (Wo−1)·sw + kw, C]. */
function windowFrame(x: tf.Tensor4D, info: Info, padValue: number): tf.Tensor4D {
  const rows = { shift: info.padInfo.top, from: 0, to: (info.outHeight - 1) * info.strideHeight + info.filterHeight };
  const cols = { shift: info.padInfo.left, from: 0, to: (info.outWidth - 1) * info.strideWidth + info.filterWidth };
  const [cropped, padding] = convWindow(x, [1, 1], rows, cols);
  return padding.flat().some((p) => p > 0) ? tf.pad(cropped, padding, padValue) : cropped;
}

/** One-hot filter: tap q = di·kw + dj of channel c → output channel c·k² + q (Conv2D) or, with
 * depthwise = true, input channel c·k² + q picks tap q ([kh, kw, C·k², 1]). */
function selector(info: Info, depthwise: boolean): tf.Tensor4D {
  const { filterHeight: kh, filterWidth: kw, inChannels: c } = info;
  const m = kh * kw;
  const values = new Float32Array(kh * kw * c * c * m);
  const width = depthwise ? c * m : c * c * m; // elements per tap (di, dj)
  for (let q = 0; q < m; q++) {
    for (let ch = 0; ch < c; ch++) values[q * width + (depthwise ? ch * m + q : ch * c * m + ch * m + q)] = 1;
  }
  return depthwise
    ? tf.tensor4d(values.subarray(0, m * width), [kh, kw, c * m, 1])
    : tf.tensor4d(values, [kh, kw, c, c * m]);
}

/** The k² taps of every window, [L, k²], rows ordered like dy flattened. */
function readWindows(x: tf.Tensor4D, info: Info, padValue: number): tf.Tensor2D {
  const { batchSize: n, outHeight: ho, outWidth: wo, inChannels: c, filterHeight: kh, filterWidth: kw } = info;
  const frame = windowFrame(x, info, padValue);
  if (tiles(info)) {
    // [N·Ho, kh, Wo, kw·C] → [N·Ho, Wo, kh, kw·C] → [N·Ho·Wo, k², C] → [N·Ho·Wo, C, k²]
    const cells = tf.transpose(tf.reshape(frame, [n * ho, kh, wo, kw * c]), [0, 2, 1, 3]);
    return tf.reshape(tf.transpose(tf.reshape(cells, [n * ho * wo, kh * kw, c]), [0, 2, 1]), [-1, kh * kw]);
  }
  return tf.reshape(tf.conv2d(frame, selector(info, false), [info.strideHeight, info.strideWidth], 'valid'), [-1, kh * kw]);
}

/** Writes per-window values [L, k²] back onto the input: dx[p] = Σ of the values of taps at p. */
function writeWindows(values: tf.Tensor, xShape: Shape4, info: Info, a: PoolAttrs): tf.Tensor4D {
  const [n, h, w, c] = xShape;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const m = kh * kw;
  if (tiles(info)) {
    // Inverse of readWindows' transposes, then place the frame back onto the input rows.
    const cells = tf.reshape(tf.transpose(tf.reshape(values, [n * ho * wo, c, m]), [0, 2, 1]), [n * ho, wo, kh, kw * c]);
    const frame = tf.reshape(tf.transpose(cells, [0, 2, 1, 3]), [n, ho * kh, wo * kw, c]) as tf.Tensor4D;
    const [cropped, padding] = convWindow(
      frame,
      [1, 1],
      { shift: -info.padInfo.top, from: 0, to: h },
      { shift: -info.padInfo.left, from: 0, to: w },
    );
    return padding.flat().some((p) => p > 0) ? tf.pad(cropped, padding) : cropped;
  }
  const spread = depthwiseInputGrad(tf.reshape(values, [n, ho, wo, c * m]), selector(info, true), [n, h, w, c * m], a.strides, a.pad, a.dimRoundingMode);
  return tf.sum(tf.reshape(spread, [n, h, w, c, m]), 4);
}

/** Max-pool input gradient: the one-pass kernel where the backend has it, else the composite. */
export function maxPoolInputGrad(dy: tf.Tensor4D, x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return hasMaxPoolKernel() ? maxPoolInputGradKernel(dy, x, a) : maxPoolInputGradComposite(dy, x, a);
}

/** The same gradient from forward kernels only (backends without the one-pass kernel). */
export function maxPoolInputGradComposite(dy: tf.Tensor4D, x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(x.shape, a);
    const m = info.filterHeight * info.filterWidth;
    const first = tf.argMax(readWindows(x, info, -3.4e38), 1);
    // oneHot(…, 'float32') on wasm 4.22 returns int bit patterns labelled float32: cast instead.
    const routed = tf.mul(tf.cast(tf.oneHot(first, m), 'float32'), tf.reshape(dy, [-1, 1]));
    return writeWindows(routed, x.shape, info, a);
  });
}

/** Real (non-padding) pixels per window along one axis. */
function axisCounts(out: number, stride: number, k: number, pad: number, size: number): number[] {
  return Array.from({ length: out }, (_, i) => Math.min(i * stride - pad + k, size) - Math.max(i * stride - pad, 0));
}

export function avgPoolInputGrad(dy: tf.Tensor4D, xShape: Shape4, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(xShape, a);
    const { filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
    const rows = axisCounts(ho, info.strideHeight, kh, info.padInfo.top, info.inHeight);
    const cols = axisCounts(wo, info.strideWidth, kw, info.padInfo.left, info.inWidth);
    const count = tf.tensor4d(rows.flatMap((r) => cols.map((q) => r * q)), [1, ho, wo, 1]);
    return depthwiseInputGrad(tf.div(dy, count), tf.ones([kh, kw, xShape[3], 1]), xShape, a.strides, a.pad, a.dimRoundingMode);
  });
}

const maxPoolGrad: tf.GradConfig = {
  kernelName: tf.MaxPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    return { x: () => maxPoolInputGrad(dy as tf.Tensor4D, x, attrs as unknown as PoolAttrs) };
  },
};

const avgPoolGrad: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    return { x: () => avgPoolInputGrad(dy as tf.Tensor4D, x.shape, attrs as unknown as PoolAttrs) };
  },
};

export const poolGradients: readonly tf.GradConfig[] = [maxPoolGrad, avgPoolGrad];
