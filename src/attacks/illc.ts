/**
 * Iterative least-likely class method ("l.l. class").
 * Paper: Kurakin, Goodfellow & Bengio, arXiv 1607.02533, §2.3.  Norm: L∞.
 *   y_LL = argmin_y p(y | X)  — fixed once, from the CLEAN image;
 *   X_{N+1} = Clip_{X,eps}{ X_N − alpha·sign(∇_X J(X_N, y_LL)) }   (note the minus sign)
 * Parameters: eps, alpha (default 1) and iterations (default as BIM), all on the 0..255 scale.
 * It is BIM with a least-likely target, so it runs on the same core.
 */
import { z } from 'zod';
import { iterativeSignAttack, resolveTargets } from './iterative-core';
import { bimIterations, epsSchema, iterationsSchema, stepSchema } from './params';
import type { AttackDescriptor } from './types';

const params = z.strictObject({
  eps: epsSchema.default(16),
  alpha: stepSchema.default(1),
  iterations: iterationsSchema.optional(),
});
export type IllcParams = z.infer<typeof params>;

export const illc: AttackDescriptor<IllcParams> = {
  id: 'illc',
  title: 'Iterative least-likely class (ILLC)',
  paper: 'Kurakin, Goodfellow & Bengio 2016, arXiv 1607.02533',
  norm: 'linf',
  summary: "Targeted BIM toward the clean image's least-likely class.",
  params,
  run: (ctx, batch, p) =>
    iterativeSignAttack(ctx, batch, {
      eps: p.eps,
      alpha: p.alpha,
      steps: p.iterations ?? bimIterations(p.eps),
      targets: resolveTargets(ctx, batch, 'least-likely'),
      quantizeEachStep: true,
    }),
};
