/**
 * Basic iterative method ("iter. basic" in the paper's tables).
 * Paper: Kurakin, Goodfellow & Bengio, "Adversarial examples in the physical world",
 * arXiv 1607.02533, §2.2.  Norm: L∞.
 *   X_0 = X;  X_{N+1} = Clip_{X,eps}{ X_N + alpha·sign(∇_X J(X_N, y_true)) }
 * Parameters:
 *   eps         L∞ radius on the 0..255 scale.
 *   alpha       step on the 0..255 scale; the paper uses 1 (one intensity level per step).
 *   iterations  default min(eps+4, 1.25·eps) rounded up (eps 2 → 3; see bimIterations).
 *   target      'untargeted' by default; a target rule makes it a targeted BIM.
 * With alpha = 1 and integer eps the iterate stays on the 8-bit grid, as in the paper; we
 * round every step so float error can't drift off it.
 */
import { z } from 'zod';
import { iterativeSignAttack, resolveTargets } from './iterative-core';
import { bimIterations, epsSchema, iterationsSchema, stepSchema, targetSchema } from './params';
import type { AttackDescriptor } from './types';

const params = z.strictObject({
  eps: epsSchema.default(16),
  alpha: stepSchema.default(1),
  iterations: iterationsSchema.optional(),
  target: targetSchema,
});
export type BimParams = z.infer<typeof params>;

export const bim: AttackDescriptor<BimParams> = {
  id: 'bim',
  title: 'Basic iterative method (BIM)',
  paper: 'Kurakin, Goodfellow & Bengio 2016, arXiv 1607.02533',
  norm: 'linf',
  summary: 'Repeated small sign steps, clipped to the eps ball and the valid range after each step.',
  params,
  run: (ctx, batch, p) =>
    iterativeSignAttack(ctx, batch, {
      eps: p.eps,
      alpha: p.alpha,
      steps: p.iterations ?? bimIterations(p.eps),
      targets: resolveTargets(ctx, batch, p.target),
      quantizeEachStep: true,
    }),
};
