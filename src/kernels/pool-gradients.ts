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
 * A k×k window is a depthwise convolution with a one-hot "selector" filter E (channel multiplier
 * k², E[di, dj, c, q] = 1 iff q = di·k + dj): depthwiseConv2d(x, E) lists every window's pixels
 * as k² extra channels, and the input gradient of that depthwise conv (depthwiseInputGrad, itself
 * a forward depthwise conv) scatters per-window values back onto the pixels, summing overlaps.
 *  - max pool: route dy to the FIRST maximum of each window (argMax returns the first index), as
 *    cpu and PyTorch do; padding is pushed to −3.4e38 so it never wins.
 *  - avg pool: scatter dy / count with an all-ones filter, count = real pixels in the window.
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

function poolInfo(xShape: Shape4, a: PoolAttrs) {
  const info = tf.backend_util.computePool2DInfo(xShape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const p = info.padInfo;
  return { fh: info.filterHeight, fw: info.filterWidth, padded: p.top + p.bottom + p.left + p.right > 0 };
}

/** E[di, dj, c, q] = 1 iff q = di·fw + dj: a depthwise filter that lists each window's pixels. */
function windowSelector(channels: number, fh: number, fw: number): tf.Tensor4D {
  const m = fh * fw;
  return tf.tile(tf.reshape(tf.eye(m), [fh, fw, 1, m]), [1, 1, channels, 1]);
}

function windows(x: tf.Tensor4D, filter: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.depthwiseConv2d(x, filter, a.strides, a.pad, 'NHWC', 1, a.dimRoundingMode);
}

export function maxPoolInputGrad(dy: tf.Tensor4D, x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, c] = x.shape;
    const { fh, fw, padded } = poolInfo(x.shape, a);
    const m = fh * fw;
    const selector = windowSelector(c, fh, fw);
    let candidates: tf.Tensor = windows(x, selector, a);
    if (padded) {
      // 1 where the window pixel is real, 0 where it is padding → padding becomes −3.4e38.
      const real = windows(tf.ones([1, h, w, c]), selector, a);
      candidates = tf.add(candidates, tf.mul(tf.sub(real, 1), 3.4e38));
    }
    const first = tf.argMax(tf.reshape(candidates, [-1, m]), 1);
    // oneHot(…, 'float32') on wasm 4.22 returns int bit patterns labelled float32: cast instead.
    const routed = tf.mul(tf.cast(tf.oneHot(first, m), 'float32'), tf.reshape(dy, [-1, 1]));
    const [n, ho, wo] = dy.shape;
    return depthwiseInputGrad(tf.reshape(routed, [n, ho, wo, c * m]), selector, x.shape, a.strides, a.pad, a.dimRoundingMode);
  });
}

export function avgPoolInputGrad(dy: tf.Tensor4D, xShape: Shape4, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, c] = xShape;
    const { fh, fw, padded } = poolInfo(xShape, a);
    // Real pixels per window ([1, ho, wo, 1], broadcast over batch and channels).
    const count = padded ? windows(tf.ones([1, h, w, 1]), tf.ones([fh, fw, 1, 1]), a) : fh * fw;
    return depthwiseInputGrad(tf.div(dy, count), tf.ones([fh, fw, c, 1]), xShape, a.strides, a.pad, a.dimRoundingMode);
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
