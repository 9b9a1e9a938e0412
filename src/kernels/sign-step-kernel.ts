/**
 * The iterative attacks' update in one pass: x' = min(max(x + step·sign(g), lo), hi), with
 * sign(0) = 0 exactly. As tfjs ops it is nine kernels over the image batch (two comparisons, two
 * casts, a subtraction for an exact sign, then mul, add, max, min), which cost ~2 ms of a small
 * CNN's 20 ms BIM step in per-op overhead. The arithmetic is float32's: x + step is the float32
 * sum (float64 sum of two float32 values rounded once), so results are bit-identical to the ops.
 * wasm's own tf.sign is not used: it returns 0 for |g| < 2⁻²³ (see exactSign).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MEMORY_BACKENDS, memoryAccess } from './backend-memory';

export const SIGN_STEP = 'PrintshotSignStep';

function kernelFor(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, g, lo, hi } = inputs as Record<'x' | 'g' | 'lo' | 'hi', tf.TensorInfo>;
    const same = [g, lo, hi].every((t) => t.dtype === 'float32' && t.shape.length === x.shape.length && t.shape.every((d, i) => d === x.shape[i]));
    if (x.dtype !== 'float32' || !same) throw new Error(`${SIGN_STEP}: x, g, lo and hi must be float32 tensors of one shape`);
    const step = Math.fround((attrs as unknown as { step: number }).step);
    const memory = memoryAccess(backendName, backend);
    const [out, next] = memory.output(x.shape);
    const [xs, gs, los, his] = [x, g, lo, hi].map((t) => memory.view(t));
    for (let i = 0; i < next.length; i++) {
      const gi = gs[i];
      const moved = gi > 0 ? xs[i] + step : gi < 0 ? xs[i] - step : xs[i];
      // Rounded to float32 before clipping, as the tfjs add then maximum/minimum would.
      const v = Math.fround(moved);
      next[i] = v < los[i] ? los[i] : v > his[i] ? his[i] : v;
    }
    return out;
  };
}

export function registerSignStepKernel(): void {
  for (const backendName of MEMORY_BACKENDS) {
    if (tf.getKernel(SIGN_STEP, backendName) == null) tf.registerKernel({ kernelName: SIGN_STEP, backendName, kernelFunc: kernelFor(backendName) });
  }
}

/**
 * min(max(x + step·sign(g), lo), hi) with an exact sign: one kernel where the backend has it,
 * else the same arithmetic as tfjs ops. Not differentiable (attack updates never are).
 */
export function signStep(x: tf.Tensor, g: tf.Tensor, step: number, lo: tf.Tensor, hi: tf.Tensor): tf.Tensor {
  if (tf.getKernel(SIGN_STEP, tf.getBackend()) != null) {
    return tf.engine().runKernel(SIGN_STEP, { x, g, lo, hi }, { step } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => tf.minimum(tf.maximum(tf.add(x, tf.mul(exactSign(g), step)), lo), hi));
}

/**
 * sign(g) built from comparisons: 0 only for an exact zero. tfjs-backend-wasm's tf.sign
 * returns 0 for |g| < 2^-23, which silently freezes pixels on confidently classified images.
 */
export function exactSign(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.cast(tf.greater(g, 0), 'float32'), tf.cast(tf.less(g, 0), 'float32')));
}
