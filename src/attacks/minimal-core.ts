/**
 * Pieces shared by the minimal-perturbation attacks (C&W L0/L2/L∞, box-constrained L-BFGS): the
 * logit margin that decides success, the optional L∞ cap, the failure policy, the distances
 * they minimise, and a tracker that keeps, per image, the smallest successful point seen (and
 * the closest miss).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Classifier } from '../model/classifier';
import { resolveTargets } from './iterative-core';
import { perImageSum } from './optim';
import { epsSchema } from './params';
import type { AttackBatch, AttackContext, AttackOutput, TargetMode } from './types';

/** eps as an optional budget: 255 (the default) is no cap at all. */
export const capSchema = epsSchema
  .default(255)
  .describe('optional L∞ cap on the 0..255 scale (255 = none; 0 returns the input)');

export const onFailureSchema = z
  .enum(['closest', 'original'])
  .default('closest')
  .describe("what a failed image returns: 'closest' (the iterate nearest success) or 'original'");

export type FailurePolicy = z.infer<typeof onFailureSchema>;

export interface MinimalStart {
  targets: Int32Array | undefined;
  targeted: boolean;
  /** The L∞ cap on the 0..255 scale, or undefined for none (eps 255). */
  linfRadius: number | undefined;
  /** With eps 0 the answer is the input itself: return this at once. */
  unchanged: AttackOutput | null;
}

/** The shared opening of every minimal-perturbation attack: targets, the cap, the eps-0 answer. */
export function minimalStart(ctx: AttackContext, batch: AttackBatch, eps: number, target: TargetMode): MinimalStart {
  const targets = resolveTargets(ctx, batch, target);
  const linfRadius = eps < 255 ? eps : undefined;
  const unchanged = eps === 0 ? { adversarial: tf.clone(batch.x), steps: 0, targets, linfRadius } : null;
  return { targets, targeted: targets !== undefined, linfRadius, unchanged };
}

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

/** A per-image distance of a perturbation δ [B,H,W,C]; smaller is better. Call inside tf.tidy. */
export type Distance = (delta: tf.Tensor4D) => tf.Tensor1D;

/** Squared L2, ‖δ‖₂² (the default: C&W-L2, L-BFGS). */
export const squaredL2: Distance = (d) => perImageSum(tf.square(d));

/** L∞, max_i |δ_i|. */
export const linfDistance: Distance = (d) => tf.max(tf.abs(d), [1, 2, 3]) as tf.Tensor1D;

/**
 * L0 in pixels: the number of pixels with any channel moved by at least half an 8-bit level
 * (smaller moves vanish in the rounding), plus ‖δ‖₂²/(1 + ‖δ‖₂²) < 1 so that among points with
 * the same count the smaller L2 wins.
 */
export const pixelCount: Distance = (d) => {
  const moved = tf.cast(tf.greaterEqual(tf.max(tf.abs(d), 3), 0.5 / 255), 'float32');
  const l2 = squaredL2(d);
  return tf.add(tf.sum(moved, [1, 2]), tf.div(l2, tf.add(l2, 1))) as tf.Tensor1D;
};

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
  /** What "smallest" means (default: squared L2). */
  readonly distance?: Distance;
  /**
   * When a success fails rounded to nearest, also try it rounded away from x0, leaving values
   * that moved less than this many 8-bit levels at nearest (C&W L0: 0.5, so that no pixel is
   * added; L∞: about 0, so that a success smaller than half a level still becomes one level).
   */
  readonly roundAwayFrom?: number;
}

/**
 * Per-image best-so-far over every point an optimiser offers, by the setup's distance (squared
 * L2 unless told otherwise). A successful float point that beats the best so far is also
 * rounded to the 8-bit grid (inside the box) and re-classified, so the attack can return the
 * smallest point that is still adversarial after the rounding execute.ts applies (C&W round
 * at the end and restore success by a lattice search; this is the cheap version: pick among
 * the iterates, optionally trying a second rounding). Kept per image, in order of preference:
 *   1. the smallest point whose 8-bit rounding succeeds (returned rounded);
 *   2. the smallest float success (rounding will break it; execute.ts then reports failure);
 *   3. the failed point with the smallest margin (the closest miss), or x0, per the policy.
 * Owns its tensors; call dispose().
 */
export class BestTracker {
  /** Distance of choice 1 per image (Infinity while none). */
  readonly best: Float64Array;
  private readonly floatBest: Float64Array;
  private readonly closestMargin: Float64Array;
  private readonly gridLo: tf.Tensor4D;
  private readonly gridHi: tf.Tensor4D;
  private rounded: tf.Tensor4D;
  private float: tf.Tensor4D;
  private closest: tf.Tensor4D;

  constructor(private readonly x0: tf.Tensor4D, private readonly s: TrackerSetup) {
    const n = x0.shape[0];
    this.best = new Float64Array(n).fill(Infinity);
    this.floatBest = new Float64Array(n).fill(Infinity);
    this.closestMargin = new Float64Array(n).fill(Infinity);
    this.gridLo = tf.tidy(() => tf.div(tf.ceil(tf.sub(tf.mul(s.lo, 255), 1e-3)), 255)) as tf.Tensor4D;
    this.gridHi = tf.tidy(() => tf.div(tf.floor(tf.add(tf.mul(s.hi, 255), 1e-3)), 255)) as tf.Tensor4D;
    this.rounded = tf.clone(x0);
    this.float = tf.clone(x0);
    this.closest = tf.clone(x0);
  }

  /**
   * Offers points x with their margins; returns per image the distance to x0, the margin and
   * whether the float point succeeded.
   */
  async offer(x: tf.Tensor4D, margin: tf.Tensor1D): Promise<Seen> {
    const { dist, margin: m } = await this.measure(x, margin);
    const success = Array.from(m, (v) => succeeded(v, this.s.kappa));
    const betterFloat = success.map((ok, i) => ok && dist[i] < this.floatBest[i]);
    const nearer = success.map((ok, i) => !ok && this.floatBest[i] === Infinity && m[i] < this.closestMargin[i]);
    betterFloat.forEach((b, i) => b && (this.floatBest[i] = dist[i]));
    nearer.forEach((b, i) => b && (this.closestMargin[i] = m[i]));
    if (betterFloat.some(Boolean)) this.float = replace(this.float, betterFloat, x);
    if (nearer.some(Boolean)) this.closest = replace(this.closest, nearer, x);
    // Candidates for the rounded best: float successes that are not already beaten.
    const candidate = success.map((ok, i) => ok && dist[i] < this.best[i]);
    if (candidate.some(Boolean)) {
      const missed = await this.tryGrid(x, candidate, (t) => tf.round(t));
      // A success right at the boundary often fails rounded to nearest; rounded away from x0,
      // every moved value keeps (at least) its push, at ≤ 1 level more than nearest.
      const from = this.s.roundAwayFrom;
      if (from !== undefined && missed.some(Boolean)) {
        await this.tryGrid(x, missed, (t) => {
          const x0 = tf.mul(this.x0, 255);
          const away = tf.where(tf.greater(t, x0), tf.ceil(tf.sub(t, 1e-3)), tf.floor(tf.add(t, 1e-3)));
          return tf.where(tf.less(tf.abs(tf.sub(t, x0)), from), tf.round(t), away);
        });
      }
    }
    return { dist, margin: m, success };
  }

  /**
   * Offers the clean images themselves: an image that is already adversarial needs no
   * perturbation at all (0 is the minimum of every distance). Returns which images are.
   */
  async offerStart(): Promise<boolean[]> {
    const margin = tf.tidy(() => logitMargin(this.s.classifier.logits(this.x0), this.s.classes, this.s.targeted));
    try {
      return (await this.offer(this.x0, margin)).success;
    } finally {
      margin.dispose();
    }
  }

  /** The result batch, by the preference order above. Caller owns it. */
  result(policy: FailurePolicy): tf.Tensor4D {
    const pick = (flags: ArrayLike<number>) => tf.reshape(tf.tensor1d(Array.from(flags, (v) => v < Infinity), 'bool'), [-1, 1, 1, 1]);
    return tf.tidy(() => {
      const fallback = policy === 'closest' ? this.closest : this.x0;
      return tf.where(pick(this.best), this.rounded, tf.where(pick(this.floatBest), this.float, fallback));
    }) as tf.Tensor4D;
  }

  dispose(): void {
    tf.dispose([this.rounded, this.float, this.closest, this.gridLo, this.gridHi]);
  }

  /**
   * Puts the marked images of x on the 8-bit grid (`round` on the 0..255 scale, then into the
   * box), classifies them and keeps those that still succeed and beat the best; returns the
   * marked images whose rounding failed.
   */
  private async tryGrid(x: tf.Tensor4D, marked: boolean[], round: (x255: tf.Tensor) => tf.Tensor): Promise<boolean[]> {
    const q = tf.tidy(() => tf.minimum(tf.maximum(tf.div(round(tf.mul(x, 255)), 255), this.gridLo), this.gridHi)) as tf.Tensor4D;
    try {
      const qm = tf.tidy(() => logitMargin(this.s.classifier.logits(q), this.s.classes, this.s.targeted));
      const rq = await this.measure(q, qm);
      qm.dispose();
      const ok = marked.map((c, i) => c && succeeded(rq.margin[i], this.s.kappa));
      const better = ok.map((o, i) => o && rq.dist[i] < this.best[i]);
      better.forEach((b, i) => b && (this.best[i] = rq.dist[i]));
      if (better.some(Boolean)) this.rounded = replace(this.rounded, better, q);
      return marked.map((c, i) => c && !ok[i]);
    } finally {
      q.dispose();
    }
  }

  private async measure(x: tf.Tensor4D, margin: tf.Tensor1D) {
    const distance = this.s.distance ?? squaredL2;
    const stacked = tf.tidy(() => tf.stack([distance(tf.sub(x, this.x0) as tf.Tensor4D), margin]));
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    const n = this.best.length;
    return { dist: values.subarray(0, n), margin: values.subarray(n, 2 * n) };
  }
}

/** What the tracker saw of one batch of points, per image. */
export interface Seen {
  /** Distance to x0 by the setup's measure. */
  readonly dist: Float32Array;
  readonly margin: Float32Array;
  /** The float point succeeded (margin ≤ −κ and < 0). */
  readonly success: boolean[];
}

/** `old` with the images marked in `where` taken from x; disposes `old`. */
export function replace(old: tf.Tensor4D, where: boolean[], x: tf.Tensor4D): tf.Tensor4D {
  const next = tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(where, 'bool'), [-1, 1, 1, 1]), x, old)) as tf.Tensor4D;
  old.dispose();
  return next;
}
