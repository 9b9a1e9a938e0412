/**
 * Gradient of tfjs-core's fused matMul (Dense layers whose activation is linear: in gradient mode
 * tfjs fuses only those), registered under its customGrad scope name 'fusedMatMul__op' exactly as
 * the fused convolutions are (see conv-gradients.ts and docs/kernels.md): the engine looks the
 * scope name up in the gradient registry before using the closure tfjs-core passed.
 *
 * tfjs-core's closure computes both products eagerly, the input one (dy·bᵀ) through BatchMatMul
 * with transposeB, which wasm runs on a slow path: 20 ms per step on MobileNetV2's 1280→1000
 * classifier at batch 8, plus a weight gradient nobody asked for. Here the input gradient
 * transposes explicitly (layer-gradients' matMul) and the weight and bias gradients are lazy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { recordedMatMulAttrs } from './backend-hooks';
import { throughFusedActivation } from './fused-activation';
import { matMul } from './layer-gradients';

export const FUSED_MATMUL_SCOPE = 'fusedMatMul__op';

const fusedMatMulGrad: tf.GradConfig = {
  kernelName: FUSED_MATMUL_SCOPE,
  gradFunc: (dy, saved) => {
    // customGrad saved [a3D, b3D, y] or [a3D, b3D, y, bias] (tfjs-core 4.22 fused.matMul).
    if (saved.length < 3) throw new Error(`printshot input gradients: unexpected tape node '${FUSED_MATMUL_SCOPE}' (tfjs-core changed?)`);
    const [a, b, y, bias] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor | undefined];
    const attrs = recordedMatMulAttrs(y);
    if (attrs === undefined || typeof attrs.transposeA !== 'boolean') {
      throw new Error(`printshot input gradients: no recorded attributes for '${FUSED_MATMUL_SCOPE}'; call registerInputGradients() after importing the tfjs backend packages`);
    }
    const { transposeA: ta, transposeB: tb, activation, leakyreluAlpha } = attrs;
    // dy arrives in the op's output shape; y is the kernel's 3-D output.
    const g = (): tf.Tensor => throughFusedActivation(tf.reshape(dy as tf.Tensor, y.shape), y, activation, leakyreluAlpha);
    const grads: Record<string, () => tf.Tensor> = {
      0: () => (!ta ? matMul(g(), b, false, !tb) : matMul(b, g(), tb, true)),
      1: () => (!tb ? matMul(a, g(), !ta, false) : matMul(g(), a, true, ta)),
    };
    if (bias !== undefined) {
      grads[2] = () => {
        const d = g();
        const axes = tf.backend_util.getReductionAxes(bias.shape, d.shape);
        return tf.reshape(axes.length > 0 ? tf.sum(d, axes) : d, bias.shape);
      };
    }
    return grads;
  },
};

export const matMulGradients: readonly tf.GradConfig[] = [fusedMatMulGrad];
