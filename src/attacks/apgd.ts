/**
 * APGD-CE and APGD-DLR: step-size-free projected gradient ascent on the cross-entropy or the
 * Difference of Logits Ratio loss.
 * Paper: Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", arXiv 2003.01690 (the untargeted attacks of AutoAttack).
 * Norm: L∞ or L2 (the `norm` parameter).
 * The algorithm (checkpoints, step halving, momentum, restarts from the best point) is in
 * apgd-core.ts; the DLR loss in dlr-loss.ts.
 * Parameters:
 *   eps         radius on the 0..255 scale: per pixel (linf) or the L2 norm of δ·255 (l2; the l2
 *               column of the manifests), e.g. 1.5 on the [0,1] scale of an MNIST L2 table is 382.5.
 *   norm        'linf' (default) or 'l2'.
 *   iterations  default 100 (AutoAttack's standard version).
 * Images the model already misclassifies are returned unchanged. The run starts from a seeded
 * random point on the ball's surface, as the reference code does. L2 results are rounded to
 * 8 bits inside the ball here; L∞ results are rounded into the ball by execute.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { apgd, type ApgdLoss } from './apgd-core';
import { ballEpsSchema, checkEpsForNorm, normSchema, roundIntoL2Ball, scatterRows, type BallNorm } from './norm-ball';
import { iterationsSchema } from './params';
import type { AttackBatch, AttackContext, AttackDescriptor, AttackOutput } from './types';
import type { AttackId } from './names';

export const apgdParams = z
  .strictObject({
    eps: ballEpsSchema.default(16),
    norm: normSchema,
    iterations: iterationsSchema.default(100),
  })
  .superRefine(checkEpsForNorm);
export type ApgdParams = z.infer<typeof apgdParams>;

/** Rows of the batch the model classifies correctly: the only ones an attack has work on. */
export function correctRows(ctx: AttackContext, batch: AttackBatch): number[] {
  const pred = tf.tidy(() => tf.argMax(ctx.classifier.logits(batch.x), 1));
  const top = pred.dataSync();
  pred.dispose();
  return Array.from(batch.labels.keys()).filter((i) => top[i] === batch.labels[i]);
}

/**
 * The shared frame of the norm-ball attacks: eps 0 and already-misclassified images come back
 * unchanged; `attack` runs on the rest (a sub-batch it does not own) and returns their points;
 * L2 results are put on the 8-bit grid inside the ball.
 */
export async function onCorrectRows(
  ctx: AttackContext,
  batch: AttackBatch,
  p: { eps: number; norm: BallNorm },
  attack: (x: tf.Tensor4D, labels: Int32Array, rows: number[]) => Promise<{ x: tf.Tensor4D; steps: number; perImage?: Int32Array }>,
): Promise<AttackOutput> {
  const linfRadius = p.norm === 'linf' ? p.eps : undefined;
  const rows = p.eps > 0 ? correctRows(ctx, batch) : [];
  if (rows.length === 0) return { adversarial: tf.clone(batch.x), steps: 0, stepsPerImage: new Int32Array(batch.labels.length), linfRadius };
  const sub = tf.tidy(() => tf.gather(batch.x, tf.tensor1d(rows, 'int32'))) as tf.Tensor4D;
  let found: { x: tf.Tensor4D; steps: number; perImage?: Int32Array };
  try {
    found = await attack(sub, Int32Array.from(rows, (r) => batch.labels[r]), rows);
  } finally {
    sub.dispose();
  }
  const full = scatterRows(batch.x, found.x, rows);
  found.x.dispose();
  // Images returned unchanged took no steps.
  let stepsPerImage: Int32Array | undefined;
  if (found.perImage) {
    stepsPerImage = new Int32Array(batch.labels.length);
    rows.forEach((r, k) => (stepsPerImage![r] = found.perImage![k]));
  }
  if (p.norm === 'linf') return { adversarial: full, steps: found.steps, stepsPerImage, linfRadius };
  const rounded = roundIntoL2Ball(full, batch.x, p.eps);
  full.dispose();
  return { adversarial: rounded, steps: found.steps, stepsPerImage };
}

function apgdDescriptor(id: AttackId, loss: ApgdLoss, title: string, summary: string): AttackDescriptor<ApgdParams> {
  return {
    id,
    title,
    paper: 'Croce & Hein 2020, arXiv 2003.01690',
    norm: 'linf',
    summary,
    params: apgdParams,
    run: (ctx, batch, p) =>
      onCorrectRows(ctx, batch, p, async (x, labels) => {
        const r = await apgd(ctx, x, labels, {
          norm: p.norm,
          eps: p.eps / 255,
          iterations: p.iterations,
          loss,
          onStep: (step) => ctx.onStep?.({ step, steps: p.iterations }),
        });
        return { x: r.x, steps: r.steps, perImage: r.stepsPerImage };
      }),
  };
}

export const apgdCe = apgdDescriptor(
  'apgd-ce',
  'ce',
  'Auto-PGD on the cross-entropy (APGD-CE)',
  'Step-size-free PGD with momentum and checkpointed step halving, ascending the cross-entropy (L∞ or L2).',
);

export const apgdDlr = apgdDescriptor(
  'apgd-dlr',
  'dlr',
  'Auto-PGD on the DLR loss (APGD-DLR)',
  'APGD on the shift- and scale-invariant Difference of Logits Ratio loss, which saturated softmaxes do not mask.',
);
