/**
 * One iterative sign-gradient core behind FGSM, BIM, ILLC, PGD and MI-FGSM (Foolbox's design):
 *
 *   X_{N+1} = Clip_{X,eps}{ X_N + s·alpha·sign(d_N) }
 *
 * with s = +1 (ascend the true-class cross-entropy) or -1 (descend a target's cross-entropy),
 * d_N the input gradient (or MI-FGSM's momentum accumulator) and Clip projecting into the L∞
 * ball around the clean X and into the valid range at every step (Kurakin et al. p.4).
 * EOT is this same core with another gradient (the expectation over transformations), passed
 * as `gradient`. Each step runs synchronously in tf.tidy; the only awaits (an asynchronous
 * gradient, progress, cancellation) happen outside it, and the previous iterate is disposed
 * explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PrintshotError, throwIfAborted } from '../shared';
import { signStep } from '../kernels';
import { lossGradient } from './gradient';
import type { AttackBatch, AttackContext, AttackOutput, TargetMode } from './types';

export interface IterativeSettings {
  /** L∞ radius on the 0..255 scale. */
  readonly eps: number;
  /** Step size on the 0..255 scale. */
  readonly alpha: number;
  readonly steps: number;
  /** Targeted attack: descend the cross-entropy of these classes instead of ascending the true one. */
  readonly targets?: Int32Array;
  /** PGD: start from a uniform random point of the eps ball. */
  readonly randomStart?: boolean;
  /** MI-FGSM decay factor μ; undefined for a plain sign step. */
  readonly momentum?: number;
  /** Round the iterate to the 8-bit grid after every step (the paper's integer pixels). */
  readonly quantizeEachStep?: boolean;
  /** The gradient to follow instead of the cross-entropy's (EOT); the core disposes what it returns. */
  readonly gradient?: (x: tf.Tensor4D, classes: Int32Array) => Promise<tf.Tensor4D>;
}

export async function iterativeSignAttack(
  ctx: AttackContext,
  batch: AttackBatch,
  s: IterativeSettings,
): Promise<AttackOutput> {
  const x0 = batch.x;
  const eps = s.eps / 255;
  const alpha = s.alpha / 255;
  const direction = s.targets ? -1 : 1;
  const classes = s.targets ?? batch.labels;

  // The feasible box: the eps ball around x0 intersected with [0,1], fixed for the whole run.
  const lo = tf.tidy(() => tf.maximum(tf.sub(x0, eps), 0)) as tf.Tensor4D;
  const hi = tf.tidy(() => tf.minimum(tf.add(x0, eps), 1)) as tf.Tensor4D;
  const project = (t: tf.Tensor): tf.Tensor4D => tf.minimum(tf.maximum(t, lo), hi) as tf.Tensor4D;

  let x: tf.Tensor4D = s.randomStart && eps > 0
    ? tf.tidy(() => project(tf.add(x0, tf.randomUniform(x0.shape, -eps, eps, 'float32', ctx.rng.seed32()))))
    : tf.clone(x0);
  let momentum: tf.Tensor4D | undefined = s.momentum !== undefined ? tf.zerosLike(x0) : undefined;

  try {
    for (let step = 0; step < s.steps; step++) {
      throwIfAborted(ctx.signal);
      const custom = s.gradient ? await s.gradient(x, classes) : undefined;
      const next = tf.tidy(() => {
        const grad = custom ?? lossGradient(ctx.classifier, x, classes);
        let m: tf.Tensor4D | undefined;
        if (momentum && s.momentum !== undefined) {
          // Dong et al.: accumulate L1-normalised gradients so no single step dominates.
          const l1 = tf.add(tf.mean(tf.abs(grad), [1, 2, 3], true), 1e-12);
          m = tf.add(tf.mul(momentum, s.momentum), tf.div(grad, l1)) as tf.Tensor4D;
        }
        // x + s·alpha·sign(d), projected onto the feasible box, as one kernel.
        let moved = signStep(x, m ?? grad, direction * alpha, lo, hi) as tf.Tensor4D;
        if (s.quantizeEachStep) moved = project(tf.div(tf.round(tf.mul(moved, 255)), 255));
        return { x: moved, m };
      });
      custom?.dispose();
      x.dispose();
      x = next.x;
      if (next.m) {
        momentum?.dispose();
        momentum = next.m;
      }
      await ctx.onStep?.({ step: step + 1, steps: s.steps });
    }
    return { adversarial: x, steps: s.steps, targets: s.targets, linfRadius: s.eps };
  } catch (e) {
    x.dispose();
    throw e;
  } finally {
    lo.dispose();
    hi.dispose();
    momentum?.dispose();
  }
}

/**
 * Target classes for a targeted run, fixed once from the clean images (Kurakin's y_LL is the
 * least-likely class of the clean X, not recomputed per step).
 */
export function resolveTargets(ctx: AttackContext, batch: AttackBatch, mode: TargetMode): Int32Array | undefined {
  if (mode === 'untargeted') return undefined;
  const n = batch.labels.length;
  const classes = ctx.classifier.labels.length;
  if (typeof mode === 'number') {
    if (mode >= classes) {
      throw new PrintshotError('bad-argument', `target class ${mode} does not exist: the model has ${classes} classes (0..${classes - 1})`);
    }
    return new Int32Array(n).fill(mode);
  }
  if (mode === 'random') {
    return Int32Array.from(batch.labels, (y) => (y + 1 + ctx.rng.int(classes - 1)) % classes);
  }
  const argmin = tf.tidy(() => tf.argMin(ctx.classifier.logits(batch.x), 1));
  const out = Int32Array.from(argmin.dataSync());
  argmin.dispose();
  return out;
}
