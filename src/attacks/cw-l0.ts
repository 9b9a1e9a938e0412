/**
 * Carlini & Wagner L0 attack.
 * Paper: Carlini & Wagner, "Towards Evaluating the Robustness of Neural Networks",
 * arXiv 1608.04644, §V-A.  Norm: L0 (pixels changed; a pixel counts once whatever its channels).
 * L0 is not differentiable, so the attack shrinks an allowed set A of pixels, starting from all:
 *   1. run the L2 attack restricted to A (pixels outside A are held at x exactly):
 *        x' = A ⊙ (lo + (hi − lo)·½(tanh(w) + 1)) + (1 − A) ⊙ x
 *        minimise ‖x' − x‖₂² + c·max(Z-margin, −κ)     (the cw-l2 objective and margin)
 *      from the previous round's solution (warm start), stopping at the first iterate that
 *      succeeds; while it fails, c ← constFactor·c every maxIterations steps, up to largestConst;
 *   2. if it failed, stop: the answer is the last success;
 *   3. otherwise g = ∇f(x'), with f the logit margin, and remove from A the pixels with the
 *      smallest Σ_channels |g_i·δ_i| (the pixels whose change contributes least); go to 1 with
 *      c kept (warm start of c, as the paper and reference code do).
 * The paper removes one pixel per round; `removeFraction` removes that fraction of A per round
 * (at least one pixel), which cuts the rounds from |A| to about log|A|/removeFraction.
 * Parameters:
 *   target          'untargeted' (default), 'least-likely', 'random' or a class index.
 *   confidence      κ on the logits (default 0).
 *   maxIterations   Adam steps per value of c (default 1000, the reference code's).
 *   learningRate    Adam step size in w-space (default 0.01, the reference code's).
 *   initialConst    first c (default 1e-3); constFactor (default 2) and largestConst (default 2e6).
 *   abortEarly      also move to the next c once the loss stalls (default true; not in the paper).
 *   removeFraction  fraction of the allowed pixels fixed per round (default 0.1; 0 = one pixel).
 *   maxRounds       rounds per image at most (default 500).
 *   eps             optional L∞ cap on the 0..255 scale (default 255 = none; 0 returns the input).
 *   onFailure       'closest' (default) or 'original', as cw-l2.
 * The returned point is the fewest-pixels success over every iterate whose 8-bit rounding still
 * succeeds (ties: smaller L2). A success that fails rounded to nearest is also tried rounded
 * away from x (values moved by at least half a level; the rest stay at x, so no pixel is
 * added). execute.ts rounds and re-judges it (gotcha 12).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ConstSchedule, TanhAdam, TanhBox, warmStartRounds, type AdamSpec } from './cw-core';
import { BestTracker, capSchema, minimalStart, logitMargin, onFailureSchema, pixelCount, succeeded } from './minimal-core';
import { perImageSum } from './optim';
import { constStages, iterationsSchema, targetSchema } from './params';
import type { AttackBatch, AttackContext, AttackDescriptor, AttackOutput } from './types';

const positive = (max: number) => z.number().positive('must be greater than 0').max(max, `must be at most ${max}`);

const params = z.strictObject({
  eps: capSchema,
  target: targetSchema,
  confidence: z.number().min(0, 'must be at least 0').max(1000, 'must be at most 1000').default(0)
    .describe('κ: required logit margin of the adversarial class'),
  maxIterations: iterationsSchema.min(1, 'must be at least 1').default(1000).describe('Adam steps per value of c'),
  learningRate: positive(10).default(0.01).describe('Adam learning rate in tanh space'),
  initialConst: positive(1e10).default(1e-3).describe('first value of the trade-off constant c'),
  constFactor: z.number().min(1.1, 'must be at least 1.1').max(100, 'must be at most 100').default(2)
    .describe('c is multiplied by this while the restricted L2 attack fails'),
  largestConst: positive(1e10).default(2e6).describe('give up once c would exceed this'),
  abortEarly: z.boolean().default(true).describe('move to the next c once the loss stalls'),
  removeFraction: z.number().min(0, 'must be at least 0').max(0.5, 'must be at most 0.5').default(0.1)
    .describe('fraction of the allowed pixels fixed per round (at least one; 0 = one pixel, as the paper)'),
  maxRounds: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000')
    .default(500).describe('rounds of shrinking the allowed set, per image, at most'),
  onFailure: onFailureSchema,
});
export type CwL0Params = z.infer<typeof params>;

export const cwL0: AttackDescriptor<CwL0Params> = {
  id: 'cw-l0',
  title: 'Carlini & Wagner L0',
  paper: 'Carlini & Wagner 2016, arXiv 1608.04644',
  norm: 'l0',
  summary: 'Fewest changed pixels: the L2 attack restricted to an allowed set that shrinks by the pixels that matter least.',
  params,
  run: (ctx, batch, p) => cwL0Attack(ctx, batch, p),
};

async function cwL0Attack(ctx: AttackContext, batch: AttackBatch, p: CwL0Params): Promise<AttackOutput> {
  const x0 = batch.x;
  const { targets, targeted, linfRadius, unchanged } = minimalStart(ctx, batch, p.eps, p.target);
  if (unchanged) return unchanged;
  const [n, h, w] = x0.shape;
  const pixels = h * w;
  const kappa = p.confidence;
  const classes = tf.tensor1d(targets ?? batch.labels, 'int32');
  const box = new TanhBox(x0, p.eps);
  const tracker = new BestTracker(x0, {
    classifier: ctx.classifier, classes, targeted, kappa, lo: box.lo, hi: box.hi, distance: pixelCount, roundAwayFrom: 0.5,
  });
  const spec: AdamSpec = {
    classifier: ctx.classifier, classes, targeted, box, learningRate: p.learningRate,
    // f shifted by +κ so that a success costs exactly 0 (the same minimisers as cw-l2's f6).
    objective: (image, margin, c) => tf.add(perImageSum(tf.square(tf.sub(image, x0))), tf.mul(c, tf.relu(tf.add(margin, kappa)))),
  };
  // allowed[i·pixels + j]: pixel j of image i may still change (all channels together).
  const allowed = new Uint8Array(n * pixels).fill(1);
  const rounds = new Array<number>(n).fill(0);
  const maskOf = () => tf.tidy(() => tf.cast(tf.tensor4d(allowed, [n, h, w, 1], 'int32'), 'bool'));
  const start = box.toW(x0);
  const adam = new TanhAdam(spec, start);
  const sched = new ConstSchedule(n, p);
  adam.pin = { free: maskOf(), value: x0 };
  // Nominal progress: one full search over c, the cost of the final, failing round.
  const nominal = p.maxIterations * constStages(p);
  try {
    const running = (await tracker.offerStart()).map((done) => !done);
    const steps = await warmStartRounds(adam, tracker, sched, running, {
      signal: ctx.signal,
      accept: (_i, margin) => succeeded(margin, kappa),
      next: async (accepted, it) => {
        const scoreT = tf.tidy(() => {
          const g = tf.grad((x: tf.Tensor) => tf.sum(logitMargin(ctx.classifier.logits(x as tf.Tensor4D), classes, targeted)))(it.image);
          return tf.sum(tf.abs(tf.mul(g, tf.sub(it.image, x0))), 3);
        });
        const score = await scoreT.data();
        scoreT.dispose();
        const more = accepted.map((a, i) => a && removeLeastUseful(allowed, score, i * pixels, pixels, p.removeFraction)
          && ++rounds[i] < p.maxRounds);
        adam.pin!.free.dispose();
        adam.pin = { free: maskOf(), value: x0 };
        return more;
      },
      onStep: (step) => ctx.onStep?.({ step, steps: Math.max(step, nominal) }),
    });
    return { adversarial: tracker.result(p.onFailure), steps, targets, linfRadius };
  } finally {
    adam.pin?.free.dispose();
    adam.dispose();
    tracker.dispose();
    box.dispose();
    tf.dispose([classes, start]);
  }
}

/**
 * Fixes the allowed pixels of one image (allowed[base … base+count)) with the smallest scores:
 * max(1, ⌈fraction·|A|⌉) of them. Returns whether any pixel is left to change.
 */
function removeLeastUseful(allowed: Uint8Array, score: ArrayLike<number>, base: number, count: number, fraction: number): boolean {
  const open: number[] = [];
  for (let j = 0; j < count; j++) if (allowed[base + j]) open.push(j);
  const k = Math.max(1, Math.ceil(fraction * open.length));
  // Ties (e.g. unchanged pixels, score 0) go to the lower index, so runs are reproducible.
  open.sort((a, b) => score[base + a] - score[base + b] || a - b);
  for (let j = 0; j < k && j < open.length; j++) allowed[base + open[j]] = 0;
  return open.length > k;
}
