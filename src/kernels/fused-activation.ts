/**
 * dy through the activation a fused kernel (FusedConv2D, FusedDepthwiseConv2D, _FusedMatMul)
 * applied, given that kernel's output y, as tfjs-core's getFusedDyActivation does, for every
 * activation those kernels fuse on wasm and cpu except prelu. Each derivative is a function of y
 * alone, so nothing but the output needs saving:
 *  - relu: 1[y > 0]; relu6: 1[0 < y < 6], strict like TensorFlow and PyTorch (y·(6 − y) > 0
 *    exactly there, see layer-gradients.ts);
 *  - leakyrelu (slope α ∈ (0, 1)): 1 where y > 0, α elsewhere, since y has x's sign;
 *  - sigmoid: y·(1 − y); elu (α = 1, tfjs' elu): 1 where y > 0, y + 1 elsewhere (= eˣ).
 * `activation` may also be written 'leakyrelu:α' (the compiled plan's spelling), which overrides
 * `leakyreluAlpha`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Activations the fused kernels apply themselves, on wasm and cpu. */
export const KERNEL_FUSED_ACTIVATIONS: readonly string[] = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'];

/** 'leakyrelu:0.2' → ['leakyrelu', 0.2]; other names unchanged. */
export function splitActivation(activation: string | undefined, leakyreluAlpha?: number): [string, number] {
  const [name, alpha] = (activation ?? 'linear').split(':');
  return [name, alpha !== undefined ? Number(alpha) : (leakyreluAlpha ?? 0.2)];
}

export function throughFusedActivation(dy: tf.Tensor, y: tf.Tensor, activation: string | undefined, leakyreluAlpha?: number): tf.Tensor {
  const [name, alpha] = splitActivation(activation, leakyreluAlpha);
  switch (name) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'relu6':
      return tf.mul(dy, tf.step(tf.mul(y, tf.sub(6, y))));
    case 'leakyrelu':
      // α + (1 − α)·step(y): 1 for y > 0, α otherwise.
      return tf.mul(dy, tf.add(tf.mul(tf.step(y), 1 - alpha), alpha));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'elu':
      // y > 0: 1; else y + 1. min(y, 0) + 1 gives both.
      return tf.mul(dy, tf.add(tf.minimum(y, 0), 1));
    default:
      throw new Error(`printshot input gradients: cannot differentiate fused activation '${activation}'`);
  }
}
