/**
 * Cheaper gradients for Relu6 and FusedBatchNorm. Both stock gradients run on wasm; these exist
 * for speed, because on a MobileNet-sized graph every full-size elementwise op costs milliseconds.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Relu6: dy · 1[0 < x < 6]. The mask is step(x · (6 − x)): the product is positive exactly when
 * 0 < x < 6 (its sign is exact in floating point; overflow goes to −inf, giving 0). That is four
 * float ops and no bool/cast round trips (stock: lessEqual, step, cast, mul, cast, mul).
 * Boundaries follow TensorFlow's Relu6Grad and PyTorch's hardtanh_backward (both strict); stock
 * tfjs passes the gradient at x = 6. The difference is on a measure-zero set.
 */
const relu6Grad: tf.GradConfig = {
  kernelName: tf.Relu6,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(tf.mul(x, tf.sub(6, x)))) };
  },
};

interface BatchNormAttrs {
  varianceEpsilon: number;
}

/**
 * FusedBatchNorm: y = (x − mean) · scale · rsqrt(variance + ε) + offset.
 * ∂y/∂x = scale · rsqrt(variance + ε), a per-channel factor broadcast onto dy: one full-size
 * multiply. The stock gradient tiles that factor to full size and eagerly computes (x − mean)
 * and dy · scale even when only ∂x is wanted (4 extra full-size tensors). The parameter
 * gradients are kept (lazily, and summed over the broadcast axes) because in training mode the
 * mean and variance are functions of x and the tape does ask for them.
 * As with the stock gradient, `scale` must be present (tfjs saves inputs by name).
 */
const batchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as BatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const g = dy as tf.Tensor;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor, like: tf.Tensor): tf.Tensor =>
      tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, like.shape);
    const invStd = (): tf.Tensor => tf.rsqrt(tf.add(variance, varianceEpsilon));
    const scaled = (t: tf.Tensor): tf.Tensor => (scale == null ? t : tf.mul(t, scale));
    return {
      x: () => tf.mul(g, scaled(invStd())),
      mean: () => reduce(tf.mul(g, tf.neg(scaled(invStd()))), mean),
      // ∂y/∂variance = −½ · (x − mean) · scale · (variance + ε)^(−3/2)
      variance: () => reduce(tf.mul(tf.mul(g, tf.sub(x, mean)), scaled(tf.mul(tf.pow(invStd(), 3), -0.5))), variance),
      scale: () => reduce(tf.mul(g, tf.mul(tf.sub(x, mean), invStd())), scale),
      offset: () => reduce(g, mean),
    };
  },
};

export const elementwiseGradients: readonly tf.GradConfig[] = [relu6Grad, batchNormGrad];
