/**
 * Projected gradient descent with a random start (L∞).
 * Paper: Madry, Makelov, Schmidt, Tsipras & Vladu, "Towards Deep Learning Models Resistant to
 * Adversarial Attacks", arXiv 1706.06083.  Norm: L∞.
 * BIM started from a uniform random point of the eps ball, with a larger step.
 * Parameters:
 *   eps          L∞ radius on the 0..255 scale.
 *   iterations   default 20.
 *   alpha        step on the 0..255 scale; default 2.5·eps/iterations (Madry et al.'s rule).
 *   randomStart  default true; false makes it BIM with a different step.
 *   target       'untargeted' by default.
 * The iterate is continuous; the final result is rounded into the ball on the 8-bit grid.
 */
import { z } from 'zod';
import { iterativeSignAttack, resolveTargets } from './iterative-core';
import { epsSchema, iterationsSchema, stepSchema, targetSchema } from './params';
import type { AttackDescriptor } from './types';

const params = z.strictObject({
  eps: epsSchema.default(16),
  iterations: iterationsSchema.default(20),
  alpha: stepSchema.optional(),
  randomStart: z.boolean().default(true),
  target: targetSchema,
});
export type PgdParams = z.infer<typeof params>;

export const pgd: AttackDescriptor<PgdParams> = {
  id: 'pgd',
  title: 'Projected gradient descent (PGD)',
  paper: 'Madry et al. 2017, arXiv 1706.06083',
  norm: 'linf',
  summary: 'BIM from a random point in the eps ball.',
  params,
  run: (ctx, batch, p) =>
    iterativeSignAttack(ctx, batch, {
      eps: p.eps,
      alpha: p.alpha ?? (p.iterations > 0 ? (2.5 * p.eps) / p.iterations : p.eps),
      steps: p.iterations,
      randomStart: p.randomStart,
      targets: resolveTargets(ctx, batch, p.target),
    }),
};
