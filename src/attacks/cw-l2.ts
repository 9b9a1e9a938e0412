/**
 * Carlini & Wagner L2 attack.
 * Paper: Carlini & Wagner, "Towards Evaluating the Robustness of Neural Networks",
 * arXiv 1608.04644, §V-B and §VI.  Norm: L2.
 *   x' = lo + (hi − lo)·½(tanh(w) + 1)   (box [lo,hi] = [0,1], or [0,1] ∩ the eps cap)
 *   minimise ‖x' − x‖₂² + c·f6(x'),   f6 = max(max_{i≠t} Z_i − Z_t, −κ)   (targeted)
 *                                     f6 = max(Z_y − max_{i≠y} Z_i, −κ)   (untargeted)
 * with Adam from w0 = arctanh((2·(x − lo)/(hi − lo) − 1)·(1 − 1e-6)), and a binary search over
 * c per image: ×10 until the first success, then bisection; Adam is reset (and w restarted
 * from w0) at every search step; "abort early" stops a step when the loss has not fallen by
 * 0.01% over a tenth of maxIterations. The smallest-L2 successful iterate per image is kept.
 * Parameters:
 *   target          'untargeted' (default), 'least-likely', 'random' or a class index.
 *   confidence      κ on the logits (default 0; raise it for transferable examples).
 *   binarySteps     search steps over c (default 9, as the reference code).
 *   maxIterations   Adam steps per search step (default 1000; the paper's 10,000 is too slow here).
 *   learningRate    Adam step size in w-space (default 0.01).
 *   initialConst    first c (default 1e-3).
 *   abortEarly      default true.
 *   eps             optional L∞ cap on the 0..255 scale (default 255 = none; 0 returns the input).
 *   onFailure       'closest' (default): the iterate with the smallest margin; 'original': x.
 * Success is re-judged by execute.ts after 8-bit rounding (gotcha 12).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { throwIfAborted } from '../shared';
import { disposeIterate, TanhAdam, TanhBox, type AdamSpec } from './cw-core';
import { BestTracker, capSchema, minimalStart, onFailureSchema, type Seen } from './minimal-core';
import { perImageSum } from './optim';
import { iterationsSchema, targetSchema } from './params';
import type { AttackBatch, AttackContext, AttackDescriptor, AttackOutput } from './types';

const params = z.strictObject({
  eps: capSchema,
  target: targetSchema,
  confidence: z.number().min(0, 'must be at least 0').max(1000, 'must be at most 1000').default(0)
    .describe('κ: required logit margin of the adversarial class'),
  binarySteps: z.number().int('must be a whole number').min(1, 'must be at least 1').max(30, 'must be at most 30')
    .default(9).describe('binary-search steps over c'),
  maxIterations: iterationsSchema.default(1000).describe('Adam steps per binary-search step'),
  learningRate: z.number().positive('must be greater than 0').max(10, 'must be at most 10').default(0.01)
    .describe('Adam learning rate in tanh space'),
  initialConst: z.number().positive('must be greater than 0').max(1e10, 'must be at most 1e10').default(1e-3)
    .describe('initial trade-off constant c'),
  abortEarly: z.boolean().default(true).describe('stop a search step once the loss stalls'),
  onFailure: onFailureSchema,
});
export type CwL2Params = z.infer<typeof params>;

const BIG = 1e10;

export const cwL2: AttackDescriptor<CwL2Params> = {
  id: 'cw-l2',
  title: 'Carlini & Wagner L2',
  paper: 'Carlini & Wagner 2016, arXiv 1608.04644',
  norm: 'l2',
  summary: 'Smallest L2 perturbation via tanh-space Adam on a logit-margin loss, with a binary search over c.',
  params,
  run: (ctx, batch, p) => cwL2Attack(ctx, batch, p),
};

async function cwL2Attack(
  ctx: AttackContext,
  batch: AttackBatch,
  p: CwL2Params,
): Promise<AttackOutput> {
  const x0 = batch.x;
  const { targets, targeted, linfRadius, unchanged } = minimalStart(ctx, batch, p.eps, p.target);
  if (unchanged) return unchanged;
  const n = x0.shape[0];
  const kappa = p.confidence;
  const classes = tf.tensor1d(targets ?? batch.labels, 'int32');
  const box = new TanhBox(x0, p.eps);
  const w0 = box.toW(x0);
  const tracker = new BestTracker(x0, { classifier: ctx.classifier, classes, targeted, kappa, lo: box.lo, hi: box.hi });
  const spec: AdamSpec = {
    classifier: ctx.classifier, classes, targeted, box, learningRate: p.learningRate,
    objective: (image, margin, c) => tf.add(perImageSum(tf.square(tf.sub(image, x0))), tf.mul(c, tf.maximum(margin, -kappa))),
  };

  const c = new Float64Array(n).fill(p.initialConst);
  const lower = new Float64Array(n).fill(0);
  const upper = new Float64Array(n).fill(BIG);
  const totalSteps = p.binarySteps * p.maxIterations;
  const checkEvery = Math.max(1, Math.floor(p.maxIterations / 10));
  let stepsRun = 0;
  try {
    const allDone = (await tracker.offerStart()).every(Boolean);
    for (let round = 0; round < p.binarySteps && !allDone; round++) {
      // The reference code's "repeat": with ≥ 10 steps the last one re-runs the upper bound.
      if (p.binarySteps >= 10 && round === p.binarySteps - 1) upper.forEach((u, i) => u < BIG && (c[i] = u));
      const wonThisRound = new Array<boolean>(n).fill(false);
      // Adam is reset, and w restarted from w0, at every search step.
      const adam = new TanhAdam(spec, w0);
      let prev = Infinity;
      try {
        for (let it = 0; it < p.maxIterations; it++) {
          throwIfAborted(ctx.signal);
          const iterate = adam.step(c);
          let seen: Seen;
          try {
            seen = await tracker.offer(iterate.image, iterate.margin);
          } finally {
            disposeIterate(iterate);
          }
          seen.success.forEach((s, i) => s && (wonThisRound[i] = true));
          stepsRun++;
          let loss = 0;
          for (let i = 0; i < n; i++) loss += seen.dist[i] + c[i] * Math.max(seen.margin[i], -kappa);
          await ctx.onStep?.({ step: round * p.maxIterations + it + 1, steps: totalSteps });
          if (p.abortEarly && it % checkEvery === 0) {
            if (loss > prev * 0.9999) break;
            prev = loss;
          }
        }
      } finally {
        adam.dispose();
      }
      for (let i = 0; i < n; i++) {
        if (wonThisRound[i]) {
          upper[i] = Math.min(upper[i], c[i]);
          if (upper[i] < BIG / 10) c[i] = (lower[i] + upper[i]) / 2;
        } else {
          lower[i] = Math.max(lower[i], c[i]);
          c[i] = upper[i] < BIG / 10 ? (lower[i] + upper[i]) / 2 : c[i] * 10;
        }
      }
    }
    return { adversarial: tracker.result(p.onFailure), steps: stepsRun, targets, linfRadius };
  } finally {
    tracker.dispose();
    box.dispose();
    tf.dispose([classes, w0]);
  }
}
