/**
 * Box-constrained L-BFGS attack.
 * Paper: Szegedy, Zaremba, Sutskever, Bruna, Erhan, Goodfellow & Fergus, "Intriguing properties
 * of neural networks", arXiv 1312.6199, §4.1.  Norm: L2.
 *   minimise  c·‖r‖₂² + loss_f(x + r, l)   subject to  x + r ∈ [0,1]^m  (∩ the optional eps cap)
 * loss_f is the softmax cross-entropy toward the target l, from the logits; untargeted runs use
 * −log(1 − p_y) instead (the cross-entropy of "anything but y"). The paper writes c·|r|; we use
 * the squared L2 norm, which is smooth at r = 0 and has the same minimisers along the c path.
 * The box is handled by a projected L-BFGS ("L-BFGS-B-lite", optim.ts), restarted from x for
 * every c. Line search over c, per image: the largest c whose minimiser is still adversarial
 * gives the smallest r (the paper's stated intent), found by ×10 / ÷10 bracketing from
 * initialConst and then bisection on log c. The smallest-L2 adversarial point evaluated
 * anywhere in the search is kept.
 * Parameters:
 *   target          'least-likely' (default), 'random', a class index, or 'untargeted'.
 *   initialConst    first c (default 1).
 *   binarySteps     values of c tried (default 10).
 *   maxIterations   L-BFGS iterations per c (default 100).
 *   memory          L-BFGS curvature pairs (default 10).
 *   eps             optional L∞ cap on the 0..255 scale (default 255 = none; 0 returns the input).
 *   onFailure       'closest' (default): the evaluated point with the smallest margin; 'original'.
 * Success is re-judged by execute.ts after 8-bit rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { crossEntropyFromLogits } from './gradient';
import { BestTracker, capSchema, minimalStart, logitMargin, onFailureSchema, succeeded } from './minimal-core';
import { feasibleBox, minimizeInBox, perImageSum, type BoxPoint } from './optim';
import { iterationsSchema, targetSchema } from './params';
import type { AttackBatch, AttackContext, AttackDescriptor, AttackOutput, TargetMode } from './types';

const params = z.strictObject({
  eps: capSchema,
  target: (targetSchema as z.ZodType<TargetMode>).default('least-likely'),
  initialConst: z.number().positive('must be greater than 0').max(1e10, 'must be at most 1e10').default(1)
    .describe('first value of c, the weight of ‖r‖²'),
  binarySteps: z.number().int('must be a whole number').min(1, 'must be at least 1').max(40, 'must be at most 40')
    .default(10).describe('values of c tried in the line search'),
  maxIterations: iterationsSchema.default(100).describe('L-BFGS iterations per value of c'),
  memory: z.number().int('must be a whole number').min(1, 'must be at least 1').max(50, 'must be at most 50')
    .default(10).describe('L-BFGS curvature pairs kept'),
  onFailure: onFailureSchema,
});
export type LbfgsParams = z.infer<typeof params>;

export const lbfgs: AttackDescriptor<LbfgsParams> = {
  id: 'lbfgs',
  title: 'Box-constrained L-BFGS',
  paper: 'Szegedy et al. 2013, arXiv 1312.6199',
  norm: 'l2',
  summary: 'Smallest L2 perturbation reaching a target class: c·‖r‖² + cross-entropy, minimised in the box, with a search over c.',
  params,
  run: (ctx, batch, p) => lbfgsAttack(ctx, batch, p),
};

/** −log(1 − p_y) = logsumexp(Z) − logsumexp_{i≠y}(Z), per image. */
function notClassLoss(logits: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor1D {
  const oneHot = tf.cast(tf.oneHot(classes, logits.shape[1]), 'float32');
  return tf.sub(tf.logSumExp(logits, 1), tf.logSumExp(tf.sub(logits, tf.mul(oneHot, 1e9)), 1)) as tf.Tensor1D;
}

async function lbfgsAttack(ctx: AttackContext, batch: AttackBatch, p: LbfgsParams): Promise<AttackOutput> {
  const x0 = batch.x;
  const { targets, targeted, linfRadius, unchanged } = minimalStart(ctx, batch, p.eps, p.target);
  if (unchanged) return unchanged;
  const n = x0.shape[0];
  const classes = tf.tensor1d(targets ?? batch.labels, 'int32');
  const { lo, hi } = feasibleBox(x0, p.eps);
  const tracker = new BestTracker(x0, { classifier: ctx.classifier, classes, targeted, kappa: 0, lo, hi });

  const c = new Float64Array(n).fill(p.initialConst);
  const good = new Float64Array(n).fill(NaN); // largest c known to succeed
  const bad = new Float64Array(n).fill(NaN); // smallest c known to fail
  const totalSteps = p.binarySteps * p.maxIterations;
  let stepsRun = 0;
  try {
    const allDone = (await tracker.offerStart()).every(Boolean);
    for (let round = 0; round < p.binarySteps && !allDone; round++) {
      const cT = tf.tensor1d(Float32Array.from(c));
      const evaluate = (x: tf.Tensor4D): BoxPoint => tf.tidy(() => {
        let logits: tf.Tensor2D | undefined;
        const { value, grad } = tf.valueAndGrad((xv: tf.Tensor) => {
          logits = tf.keep(ctx.classifier.logits(xv as tf.Tensor4D));
          const loss = targeted ? crossEntropyFromLogits(logits, classes) : notClassLoss(logits, classes);
          return tf.add(tf.mul(cT, perImageSum(tf.square(tf.sub(xv, x0)))), loss);
        })(x);
        return { f: value as tf.Tensor1D, g: grad as tf.Tensor4D, aux: logits! };
      });
      const observe = async (x: tf.Tensor4D, pt: BoxPoint) => {
        const margin = tf.tidy(() => logitMargin(pt.aux as tf.Tensor2D, classes, targeted));
        try {
          await tracker.offer(x, margin);
        } finally {
          margin.dispose();
        }
      };
      let solved;
      try {
        solved = await minimizeInBox({ lo, hi, evaluate }, x0, {
          maxIterations: p.maxIterations,
          memory: p.memory,
          signal: ctx.signal,
          onPoint: observe,
          onIteration: (it) => ctx.onStep?.({ step: round * p.maxIterations + it, steps: totalSteps }),
        });
      } finally {
        cT.dispose();
      }
      stepsRun += solved.iterations;
      const marginT = tf.tidy(() => logitMargin(solved.point.aux as tf.Tensor2D, classes, targeted));
      const margins = await marginT.data();
      tf.dispose([marginT, solved.x, solved.point.f, solved.point.g, solved.point.aux]);
      for (let i = 0; i < n; i++) {
        if (succeeded(margins[i], 0)) good[i] = Number.isNaN(good[i]) ? c[i] : Math.max(good[i], c[i]);
        else bad[i] = Number.isNaN(bad[i]) ? c[i] : Math.min(bad[i], c[i]);
        const next = !Number.isNaN(good[i]) && !Number.isNaN(bad[i]) ? Math.sqrt(good[i] * bad[i])
          : !Number.isNaN(good[i]) ? c[i] * 10 : c[i] / 10;
        c[i] = Math.min(1e10, Math.max(1e-10, next));
      }
    }
    return { adversarial: tracker.result(p.onFailure), steps: stepsRun, targets, linfRadius };
  } finally {
    tracker.dispose();
    tf.dispose([classes, lo, hi]);
  }
}
