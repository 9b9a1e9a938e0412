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
 * Both are rebuilt from forward kernels. Reading the windows is k² strided slices of x (padded
 * with −3.4e38 for max pooling, so padding never wins); writing per-window values back onto the
 * pixels (summing where windows overlap) is the input gradient of a depthwise conv whose one-hot
 * filter E[di, dj, (c, q)] = 1 iff q = di·kw + dj picks tap q for channel (c, q): depthwiseInputGrad
 * does that with one multiplier-1 depthwise conv, then the k² copies of each channel are summed.
 *  - max pool: route dy to the FIRST maximum of each window in row-major order (argMax returns
 *    the first index), as tfjs-cpu and PyTorch do.
 *  - avg pool: spread dy / count over the window, count = real (non-padding) pixels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseInputGrad, type PadArg, type RoundingMode } from './conv-input-grad';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: PadArg;
  dimRoundingMode?: RoundingMode;
}

type Shape4 = [number, number, number, number];

function poolInfo(xShape: Shape4, a: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(xShape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

/** The k² window taps of every output position, as [N, Ho, Wo, C, k²] (taps in row-major order). */
function windowTaps(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo, padValue: number): tf.Tensor {
  const { top, bottom, left, right } = info.padInfo;
  const [n, , , c] = x.shape;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const padded = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]], padValue) : x;
  const taps: tf.Tensor[] = [];
  for (let di = 0; di < info.filterHeight; di++) {
    for (let dj = 0; dj < info.filterWidth; dj++) {
      const end = [n, di + (ho - 1) * sh + 1, dj + (wo - 1) * sw + 1, c];
      taps.push(tf.stridedSlice(padded, [0, di, dj, 0], end, [1, sh, sw, 1]));
    }
  }
  return tf.stack(taps, 4);
}

/**
 * Writes per-window values back onto the input: values [N, Ho, Wo, C, k²] → dx [N, H, W, C],
 * dx[p] = Σ over windows w and taps q with window w's tap q at p of values[w, q].
 */
function scatterWindows(values: tf.Tensor, xShape: Shape4, info: tf.backend_util.Conv2DInfo, a: PoolAttrs): tf.Tensor4D {
  const [n, h, w, c] = xShape;
  const { filterHeight: fh, filterWidth: fw, outHeight: ho, outWidth: wo } = info;
  const m = fh * fw;
  const selector = tf.reshape(tf.tile(tf.reshape(tf.eye(m), [fh, fw, 1, m]), [1, 1, c, 1]), [fh, fw, c * m, 1]);
  const spread = depthwiseInputGrad(
    tf.reshape(values, [n, ho, wo, c * m]),
    selector as tf.Tensor4D,
    [n, h, w, c * m],
    a.strides,
    a.pad,
    a.dimRoundingMode,
  );
  return m === 1 ? spread : tf.sum(tf.reshape(spread, [n, h, w, c, m]), 4);
}

export function maxPoolInputGrad(dy: tf.Tensor4D, x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(x.shape, a);
    const m = info.filterHeight * info.filterWidth;
    const taps = windowTaps(x, info, -3.4e38);
    const first = tf.argMax(taps, 4);
    // oneHot(…, 'float32') on wasm 4.22 returns int bit patterns labelled float32: cast instead.
    const routed = tf.mul(tf.cast(tf.oneHot(first, m), 'float32'), tf.expandDims(dy, 4));
    return scatterWindows(routed, x.shape, info, a);
  });
}

export function avgPoolInputGrad(dy: tf.Tensor4D, xShape: Shape4, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(xShape, a);
    const [n, h, w, c] = xShape;
    const { filterHeight: fh, filterWidth: fw } = info;
    const p = info.padInfo;
    // Real pixels per window ([1, Ho, Wo, 1], broadcast over batch and channels): the k² taps of
    // an all-ones image padded with zeros.
    const count = p.top + p.bottom + p.left + p.right > 0 ? tf.sum(windowTaps(tf.ones([1, h, w, 1]), info, 0), 4) : fh * fw;
    return depthwiseInputGrad(tf.div(dy, count), tf.ones([fh, fw, c, 1]), [n, h, w, c], a.strides, a.pad, a.dimRoundingMode);
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
