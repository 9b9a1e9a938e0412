/**
 * APGD-T: APGD on the targeted DLR loss, restarted once per target class.
 * Paper: Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", arXiv 2003.01690 (the targeted attack of AutoAttack).  Norm: L∞ or L2.
 * Targets are the classes ranked 2nd, 3rd, … by the clean logits (the top-9 other than the true
 * class, or all of them with fewer than 10 classes). Restart r runs only on the images no
 * earlier restart has broken, so each image stops at its first success. Success is untargeted
 * (top-1 ≠ label): the targets only steer the search.
 * Parameters:
 *   eps         radius on the 0..255 scale (L∞ per pixel, or the L2 norm of δ·255).
 *   norm        'linf' (default) or 'l2'.
 *   iterations  per target, default 100.
 *   targetClasses  how many target classes to try, default 9 (capped at classes − 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { apgd, type ApgdResult } from './apgd-core';
import { onCorrectRows } from './apgd';
import { ballEpsSchema, checkEpsForNorm, normSchema, scatterRows } from './norm-ball';
import { iterationsSchema } from './params';
import type { AttackContext, AttackDescriptor } from './types';

const params = z
  .strictObject({
    eps: ballEpsSchema.default(16),
    norm: normSchema,
    iterations: iterationsSchema.default(100).describe('APGD steps per target class'),
    targetClasses: z.number().int('must be a whole number').min(1, 'must be at least 1').max(999, 'must be at most 999')
      .default(9).describe('target classes tried, by clean logit rank (the top-9 other than the true class)'),
  })
  .superRefine(checkEpsForNorm);
export type ApgdTParams = z.infer<typeof params>;

/** Per image, the classes by clean logit, descending: ranks[i][r]. */
function rankedClasses(ctx: AttackContext, x: tf.Tensor4D): Int32Array[] {
  const k = ctx.classifier.labels.length;
  const idx = tf.tidy(() => tf.topk(ctx.classifier.logits(x), k).indices);
  const flat = idx.dataSync() as Int32Array;
  idx.dispose();
  return Array.from({ length: x.shape[0] }, (_, i) => flat.slice(i * k, (i + 1) * k));
}

export const apgdT: AttackDescriptor<ApgdTParams> = {
  id: 'apgd-t',
  title: 'Targeted Auto-PGD (APGD-T)',
  paper: 'Croce & Hein 2020, arXiv 2003.01690',
  norm: 'linf',
  summary: 'APGD on the targeted DLR loss, one restart per top-ranked other class, stopping at the first success.',
  params,
  run: (ctx, batch, p) =>
    onCorrectRows(ctx, batch, p, async (x0, labels) => {
      const ranks = rankedClasses(ctx, x0);
      const restarts = Math.min(p.targetClasses, ctx.classifier.labels.length - 1);
      const totalSteps = restarts * p.iterations;
      let best = tf.clone(x0);
      const broken = new Array<boolean>(labels.length).fill(false);
      // One stream per image for all its restarts, so its starts do not depend on the batch.
      const rngs = Array.from(labels, () => ctx.rng.fork());
      let steps = 0;
      const perImage = new Int32Array(labels.length);
      try {
        for (let r = 1; r <= restarts; r++) {
          // Every image of x0 is classified correctly, so rank 0 is its label and r ≥ 1 another class.
          const rows = Array.from(broken.keys()).filter((i) => !broken[i]);
          if (rows.length === 0) break;
          const sub = tf.tidy(() => tf.gather(x0, tf.tensor1d(rows, 'int32'))) as tf.Tensor4D;
          const offset = steps;
          let found: ApgdResult;
          try {
            found = await apgd(ctx, sub, Int32Array.from(rows, (i) => labels[i]), {
              norm: p.norm,
              eps: p.eps / 255,
              iterations: p.iterations,
              loss: 'dlr',
              targets: Int32Array.from(rows, (i) => ranks[i][r]),
              rngs: rows.map((i) => rngs[i]),
              onStep: (step) => ctx.onStep?.({ step: offset + step, steps: totalSteps }),
            });
          } finally {
            sub.dispose();
          }
          steps += found.steps;
          rows.forEach((row, k) => (perImage[row] += found.stepsPerImage[k]));
          // A success is kept for good; a failed image keeps its last restart's point.
          const kept = rows.flatMap((_, k) => (found.success[k] || r === restarts ? [k] : []));
          if (kept.length) {
            const picked = tf.tidy(() => tf.gather(found.x, tf.tensor1d(kept, 'int32'))) as tf.Tensor4D;
            const next = scatterRows(best, picked, kept.map((k) => rows[k]));
            tf.dispose([picked, best]);
            best = next;
          }
          found.x.dispose();
          rows.forEach((row, k) => found.success[k] && (broken[row] = true));
        }
        return { x: best, steps, perImage };
      } catch (e) {
        best.dispose();
        throw e;
      }
    }),
};
