/**
 * dy through the activation a fused kernel (FusedConv2D, FusedDepthwiseConv2D, _FusedMatMul)
 * applied, given that kernel's output y, as tfjs-core's getFusedDyActivation does for the
 * activations Printshot differentiates. ReLU6 is strict at 0 and 6 (0 < y < 6 exactly when
 * y·(6 − y) > 0, see layer-gradients.ts), like TensorFlow and PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';

export function throughFusedActivation(dy: tf.Tensor, y: tf.Tensor, activation: string | undefined): tf.Tensor {
  if (activation == null || activation === 'linear') return dy;
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  if (activation === 'relu6') return tf.mul(dy, tf.step(tf.mul(y, tf.sub(6, y))));
  throw new Error(`printshot input gradients: cannot differentiate fused activation '${activation}'`);
}
