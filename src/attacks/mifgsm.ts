/**
 * Momentum iterative FGSM.
 * Paper: Dong, Liao, Pang, Su, Zhu, Hu & Li, "Boosting Adversarial Attacks with Momentum",
 * arXiv 1710.06081.  Norm: L∞.
 *   g_{t+1} = μ·g_t + ∇J / ‖∇J‖₁ ;  X_{t+1} = Clip_{X,eps}{ X_t + alpha·sign(g_{t+1}) }
 * Parameters:
 *   eps         L∞ radius on the 0..255 scale.
 *   iterations  default 10.
 *   alpha       step on the 0..255 scale; default eps/iterations (the paper's choice).
 *   decay       μ, default 1.0.
 *   target      'untargeted' by default.
 */
import { z } from 'zod';
import { iterativeSignAttack, resolveTargets } from './iterative-core';
import { epsSchema, iterationsSchema, stepSchema, targetSchema } from './params';
import type { AttackDescriptor } from './types';

const params = z.strictObject({
  eps: epsSchema.default(16),
  iterations: iterationsSchema.default(10),
  alpha: stepSchema.optional(),
  decay: z.number().min(0, 'must be at least 0').max(10, 'must be at most 10').default(1),
  target: targetSchema,
});
export type MiFgsmParams = z.infer<typeof params>;

export const mifgsm: AttackDescriptor<MiFgsmParams> = {
  id: 'mifgsm',
  title: 'Momentum iterative FGSM (MI-FGSM)',
  paper: 'Dong et al. 2018, arXiv 1710.06081',
  norm: 'linf',
  summary: 'Iterative sign steps on an accumulated, L1-normalised gradient.',
  params,
  run: (ctx, batch, p) =>
    iterativeSignAttack(ctx, batch, {
      eps: p.eps,
      alpha: p.alpha ?? (p.iterations > 0 ? p.eps / p.iterations : p.eps),
      steps: p.iterations,
      momentum: p.decay,
      targets: resolveTargets(ctx, batch, p.target),
    }),
};
