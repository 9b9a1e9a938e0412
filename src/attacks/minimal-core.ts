/**
 * Pieces shared by the minimal-perturbation attacks (C&W-L2, box-constrained L-BFGS): the
 * logit margin that decides success, the optional L∞ cap, the failure policy, and a tracker
 * that keeps, per image, the smallest-L2 successful point seen (and the closest miss).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Classifier } from '../model/classifier';
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

export interface TrackerSetup {
  readonly classifier: Classifier;
  /** Target classes (targeted) or true labels (untargeted). */
  readonly classes: tf.Tensor1D;
  readonly targeted: boolean;
  /** Confidence κ ≥ 0 required of a success. */
  readonly kappa: number;
  /** The feasible box; its 8-bit grid points bound the rounded candidates. */
  readonly lo: tf.Tensor4D;
  readonly hi: tf.Tensor4D;
}

/**
 * Per-image best-so-far over every point an optimiser offers. A successful float point that
 * beats the best so far is also rounded to the 8-bit grid (inside the box) and re-classified,
 * so the attack can return the smallest-L2 point that is still adversarial after the rounding
 * execute.ts applies (C&W round at the end and restore success by a lattice search; this is
 * the cheap version: pick among the iterates). Kept per image, in order of preference:
 *   1. the smallest-L2 point whose 8-bit rounding succeeds (returned rounded);
 *   2. the smallest-L2 float success (rounding will break it; execute.ts then reports failure);
 *   3. the failed point with the smallest margin (the closest miss), or x0, per the policy.
 * Owns its tensors; call dispose().
 */
export class BestTracker {
  /** Squared L2 of choice 1 per image (Infinity while none). */
  readonly bestL2: Float64Array;
  private readonly floatL2: Float64Array;
  private readonly closestMargin: Float64Array;
  private readonly gridLo: tf.Tensor4D;
  private readonly gridHi: tf.Tensor4D;
  private rounded: tf.Tensor4D;
  private float: tf.Tensor4D;
  private closest: tf.Tensor4D;

  constructor(private readonly x0: tf.Tensor4D, private readonly s: TrackerSetup) {
    const n = x0.shape[0];
    this.bestL2 = new Float64Array(n).fill(Infinity);
    this.floatL2 = new Float64Array(n).fill(Infinity);
    this.closestMargin = new Float64Array(n).fill(Infinity);
    this.gridLo = tf.tidy(() => tf.div(tf.ceil(tf.sub(tf.mul(s.lo, 255), 1e-3)), 255)) as tf.Tensor4D;
    this.gridHi = tf.tidy(() => tf.div(tf.floor(tf.add(tf.mul(s.hi, 255), 1e-3)), 255)) as tf.Tensor4D;
    this.rounded = tf.clone(x0);
    this.float = tf.clone(x0);
    this.closest = tf.clone(x0);
  }

  /**
   * Offers points x with their margins; returns per image the squared L2 distance, the margin
   * and whether the float point succeeded.
   */
  async offer(x: tf.Tensor4D, margin: tf.Tensor1D): Promise<{ l2sq: Float32Array; margin: Float32Array; success: boolean[] }> {
    const { l2sq, margin: m } = await this.measure(x, margin);
    const success = Array.from(m, (v) => succeeded(v, this.s.kappa));
    const betterFloat = success.map((ok, i) => ok && l2sq[i] < this.floatL2[i]);
    const nearer = success.map((ok, i) => !ok && this.floatL2[i] === Infinity && m[i] < this.closestMargin[i]);
    betterFloat.forEach((b, i) => b && (this.floatL2[i] = l2sq[i]));
    nearer.forEach((b, i) => b && (this.closestMargin[i] = m[i]));
    if (betterFloat.some(Boolean)) this.float = replace(this.float, betterFloat, x);
    if (nearer.some(Boolean)) this.closest = replace(this.closest, nearer, x);
    // Candidates for the rounded best: float successes that are not already beaten.
    const candidate = success.map((ok, i) => ok && l2sq[i] < this.bestL2[i]);
    if (candidate.some(Boolean)) {
      const q = tf.tidy(() => tf.minimum(tf.maximum(tf.div(tf.round(tf.mul(x, 255)), 255), this.gridLo), this.gridHi)) as tf.Tensor4D;
      try {
        const qm = tf.tidy(() => logitMargin(this.s.classifier.logits(q), this.s.classes, this.s.targeted));
        const rq = await this.measure(q, qm);
        qm.dispose();
        const better = candidate.map((c, i) => c && succeeded(rq.margin[i], this.s.kappa) && rq.l2sq[i] < this.bestL2[i]);
        better.forEach((b, i) => b && (this.bestL2[i] = rq.l2sq[i]));
        if (better.some(Boolean)) this.rounded = replace(this.rounded, better, q);
      } finally {
        q.dispose();
      }
    }
    return { l2sq, margin: m, success };
  }

  /**
   * Offers the clean images themselves: an image that is already adversarial needs no
   * perturbation at all (L2 = 0 is the minimum). Returns whether that holds for every image.
   */
  async offerStart(): Promise<boolean> {
    const margin = tf.tidy(() => logitMargin(this.s.classifier.logits(this.x0), this.s.classes, this.s.targeted));
    try {
      return (await this.offer(this.x0, margin)).success.every(Boolean);
    } finally {
      margin.dispose();
    }
  }

  /** The result batch, by the preference order above. Caller owns it. */
  result(policy: FailurePolicy): tf.Tensor4D {
    const pick = (flags: ArrayLike<number>) => tf.reshape(tf.tensor1d(Array.from(flags, (v) => v < Infinity), 'bool'), [-1, 1, 1, 1]);
    return tf.tidy(() => {
      const fallback = policy === 'closest' ? this.closest : this.x0;
      return tf.where(pick(this.bestL2), this.rounded, tf.where(pick(this.floatL2), this.float, fallback));
    }) as tf.Tensor4D;
  }

  dispose(): void {
    tf.dispose([this.rounded, this.float, this.closest, this.gridLo, this.gridHi]);
  }

  private async measure(x: tf.Tensor4D, margin: tf.Tensor1D) {
    const stacked = tf.tidy(() => tf.stack([perImageSum(tf.square(tf.sub(x, this.x0))), margin]));
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    const n = this.bestL2.length;
    return { l2sq: values.subarray(0, n), margin: values.subarray(n, 2 * n) };
  }
}

function replace(old: tf.Tensor4D, where: boolean[], x: tf.Tensor4D): tf.Tensor4D {
  const next = tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(where, 'bool'), [-1, 1, 1, 1]), x, old)) as tf.Tensor4D;
  old.dispose();
  return next;
}
