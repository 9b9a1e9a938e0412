/**
 * FAB, the Fast Adaptive Boundary attack: a minimum-norm attack that walks along linearisations
 * of the decision boundary, biased towards the clean image, so each image ends at (nearly) the
 * closest point the model misclassifies.
 * Paper: Croce & Hein, "Minimally distorted adversarial examples with a fast adaptive boundary
 * attack", arXiv 1907.02044 (ICML 2020); FAB-T, its targeted form, is the third attack of
 * AutoAttack (arXiv 2003.01690).  Norm: L∞ or L2 (the `norm` parameter).
 * The search is in fab-core.ts, the box-constrained projection onto a hyperplane in
 * fab-projection.ts.
 * Parameters:
 *   eps           optional L∞ cap on the 0..255 scale (default 255 = none; 0 returns the input).
 *                 With a cap the search stays inside it, and an image counts as broken only by a
 *                 point inside it, as AutoAttack uses FAB at a fixed eps.
 *   norm          'linf' (default) or 'l2': the norm minimised.
 *   iterations    per run, default 100.
 *   targetClasses 0 (default): untargeted, each step crosses the nearest linearised boundary
 *                 (one gradient per class per step). k ≥ 1: FAB-T, one run per each of the
 *                 top-k other classes by clean logit (one gradient per step), an image going
 *                 on to the next class only while none has broken it (AutoAttack: 9).
 *   onFailure     'closest' (default): the last iterate of an image never misclassified;
 *                 'original': the clean image.
 * The step constants are AutoAttack's: α_max 0.1, η 1.05, β 0.9, one run from the clean image.
 * Returned per image: the smallest success whose 8-bit rounding still misclassifies, else the
 * smallest float success (execute.ts then reports failure), else the fallback above.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { fabSearch } from './fab-core';
import { capSchema, onFailureSchema } from './minimal-core';
import { normSchema } from './norm-ball';
import { iterationsSchema } from './params';
import type { AttackContext, AttackDescriptor, AttackOutput, AttackBatch } from './types';

const params = z.strictObject({
  eps: capSchema,
  norm: normSchema,
  iterations: iterationsSchema.default(100).describe('FAB steps per run'),
  targetClasses: z.number().int('must be a whole number').min(0, 'must be at least 0').max(999, 'must be at most 999')
    .default(0).describe('0: untargeted (nearest boundary); k: FAB-T over the top-k other classes (AutoAttack: 9)'),
  onFailure: onFailureSchema,
});
export type FabParams = z.infer<typeof params>;

export const fab: AttackDescriptor<FabParams> = {
  id: 'fab',
  title: 'Fast Adaptive Boundary (FAB)',
  paper: 'Croce & Hein 2020, arXiv 1907.02044',
  norm: 'linf',
  summary: 'Minimum-norm attack (L∞ or L2): projections onto the linearised decision boundary, biased towards the clean image.',
  params,
  run: (ctx, batch, p) => fabAttack(ctx, batch, p),
};

/** Per image, the other classes by clean logit, descending (rank 0 is the top class). */
async function rankedClasses(ctx: AttackContext, x: tf.Tensor4D): Promise<Int32Array[]> {
  const k = ctx.classifier.labels.length;
  const idx = tf.tidy(() => tf.topk(ctx.classifier.logits(x), k).indices);
  const flat = (await idx.data()) as Int32Array;
  idx.dispose();
  return Array.from({ length: x.shape[0] }, (_, i) => flat.slice(i * k, (i + 1) * k));
}

async function fabAttack(ctx: AttackContext, batch: AttackBatch, p: FabParams): Promise<AttackOutput> {
  const linfRadius = p.eps < 255 ? p.eps : undefined;
  const n = batch.labels.length;
  if (p.eps === 0) return { adversarial: tf.clone(batch.x), steps: 0, stepsPerImage: new Int32Array(n), linfRadius };
  const [, h, w, c] = batch.x.shape;
  const x0 = (await batch.x.data()) as Float32Array;
  const cap = Math.min(p.eps, 255) / 255;
  const lo = x0.map((v) => Math.max(0, v - cap));
  const hi = x0.map((v) => Math.min(1, v + cap));
  let runs: (Int32Array | undefined)[] = [undefined];
  if (p.targetClasses > 0) {
    const ranks = await rankedClasses(ctx, batch.x);
    const count = Math.min(p.targetClasses, ctx.classifier.labels.length - 1);
    // Rank 0 is the label for a correctly classified image; a misclassified one is never searched.
    runs = Array.from({ length: count }, (_, r) => Int32Array.from(ranks, (rk, i) => (rk[0] === batch.labels[i] ? rk[r + 1] : rk[0])));
  }
  const found = await fabSearch(ctx, x0, [h, w, c], batch.labels, {
    norm: p.norm,
    iterations: p.iterations,
    lo,
    hi,
    runs,
    onStep: (step, steps) => ctx.onStep?.({ step, steps }),
  });
  const d = h * w * c;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const from = found.best[i] < Infinity ? found.bestPoint : found.floatBest[i] < Infinity ? found.floatPoint : p.onFailure === 'closest' ? found.last : x0;
    out.set(from.subarray(i * d, (i + 1) * d), i * d);
  }
  return { adversarial: tf.tensor4d(out, [n, h, w, c]), steps: found.steps, stepsPerImage: found.stepsPerImage, linfRadius };
}
