/**
 * tf.customGrad for one-input ops, typed: tfjs-core's signature mixes the inputs and the save
 * function in one rest parameter, which needs casts at every call site.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface UnaryGradResult {
  value: tf.Tensor;
  /** dy → dx, given the tensors passed to save() in the forward. */
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor;
}

export function unaryCustomGrad<T extends tf.Tensor, R extends tf.Tensor = tf.Tensor>(
  forward: (x: T, save: tf.GradSaveFunc) => UnaryGradResult,
): (x: T) => R {
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: T) => R;
}
