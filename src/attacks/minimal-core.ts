/**
 * Pieces shared by the minimal-perturbation attacks (C&W-L2, box-constrained L-BFGS): the
 * logit margin that decides success, the optional L∞ cap, the failure policy, and a tracker
 * that keeps, per image, the smallest-L2 successful point seen (and the closest miss).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { perImageSum } from './optim';
import { epsSchema } from './params';

/** eps as an optional budget: 255 (the default) is no cap at all. */
export const capSchema = epsSchema
  .default(255)
  .describe('optional L∞ cap on the 0..255 scale (255 = none; 0 returns the input)');

export const onFailureSchema = z
  .enum(['closest', 'original'])
  .default('closest')
  .describe("what a failed image returns: 'closest' (the iterate nearest success) or 'original'");

export type FailurePolicy = z.infer<typeof onFailureSchema>;

/**
 * Margin on the logits, negative when the attack succeeds:
 *   targeted    max_{i≠t} Z_i − Z_t
 *   untargeted  Z_y − max_{i≠y} Z_i
 * C&W's f6 is max(margin, −κ). Call inside tf.tidy.
 */
export function logitMargin(logits: tf.Tensor2D, classes: tf.Tensor1D, targeted: boolean): tf.Tensor1D {
  const oneHot = tf.cast(tf.oneHot(classes, logits.shape[1]), 'float32');
  const own = tf.sum(tf.mul(logits, oneHot), 1);
  const other = tf.max(tf.sub(logits, tf.mul(oneHot, 1e9)), 1);
  return (targeted ? tf.sub(other, own) : tf.sub(own, other)) as tf.Tensor1D;
}

/** Success with confidence κ ≥ 0: margin ≤ −κ, and strictly below 0 (ties are not a win). */
export const succeeded = (margin: number, kappa: number) => margin < 0 && margin <= -kappa;

/**
 * Per-image best-so-far: the successful point with the smallest ‖x' − x0‖₂, and the failed
 * point with the smallest margin (the closest miss). Owns its tensors; call dispose().
 */
export class BestTracker {
  readonly bestL2: Float64Array;
  private readonly closestMargin: Float64Array;
  private best: tf.Tensor4D;
  private closest: tf.Tensor4D;

  constructor(private readonly x0: tf.Tensor4D, private readonly kappa: number) {
    const n = x0.shape[0];
    this.bestL2 = new Float64Array(n).fill(Infinity);
    this.closestMargin = new Float64Array(n).fill(Infinity);
    this.best = tf.clone(x0);
    this.closest = tf.clone(x0);
  }

  /**
   * Offers points x (with their logits' margins already computed); returns per image the
   * squared L2 distance, the margin and whether it succeeded.
   */
  async offer(x: tf.Tensor4D, margin: tf.Tensor1D): Promise<{ l2sq: Float32Array; margin: Float32Array; success: boolean[] }> {
    const stacked = tf.tidy(() => tf.stack([perImageSum(tf.square(tf.sub(x, this.x0))), margin]));
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    const n = this.bestL2.length;
    const l2sq = values.subarray(0, n);
    const m = values.subarray(n, 2 * n);
    const success = Array.from(m, (v) => succeeded(v, this.kappa));
    const better = success.map((s, i) => s && l2sq[i] < this.bestL2[i]);
    const nearer = success.map((s, i) => !s && this.bestL2[i] === Infinity && m[i] < this.closestMargin[i]);
    better.forEach((b, i) => b && (this.bestL2[i] = l2sq[i]));
    nearer.forEach((b, i) => b && (this.closestMargin[i] = m[i]));
    if (better.some(Boolean)) this.best = this.replace(this.best, better, x);
    if (nearer.some(Boolean)) this.closest = this.replace(this.closest, nearer, x);
    return { l2sq, margin: m, success };
  }

  private replace(old: tf.Tensor4D, where: boolean[], x: tf.Tensor4D): tf.Tensor4D {
    const next = tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(where, 'bool'), [-1, 1, 1, 1]), x, old)) as tf.Tensor4D;
    old.dispose();
    return next;
  }

  /** The result batch: the best success per image, else per the failure policy. Caller owns it. */
  result(policy: FailurePolicy): tf.Tensor4D {
    const ok = Array.from(this.bestL2, (v) => v < Infinity);
    const fallback = policy === 'closest' ? this.closest : this.x0;
    return tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(ok, 'bool'), [-1, 1, 1, 1]), this.best, fallback)) as tf.Tensor4D;
  }

  dispose(): void {
    tf.dispose([this.best, this.closest]);
  }
}
