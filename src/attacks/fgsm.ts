/**
 * Fast gradient sign method ("fast" in Kurakin et al.).
 * Paper: Goodfellow, Shlens & Szegedy, "Explaining and Harnessing Adversarial Examples",
 * arXiv 1412.6572; used as "fast method" in Kurakin, Goodfellow & Bengio, arXiv 1607.02533.
 * Norm: L∞.  X_adv = Clip[0,255]( X + eps·sign(∇_X J(X, y_true)) ) — one backprop.
 * Parameters:
 *   eps     L∞ radius on the 0..255 scale (the paper's eps ∈ {2, 4, 8, 16}).
 *   target  'untargeted' (ascend the true class) or a target rule; targeted steps descend
 *           the target's cross-entropy.
 * The paper's formula has no clip; we clip to the valid range because a printed pixel can't
 * leave [0,255] anyway (protocol gotcha 2).
 */
import { z } from 'zod';
import { iterativeSignAttack, resolveTargets } from './iterative-core';
import { epsSchema, targetSchema } from './params';
import type { AttackDescriptor } from './types';

const params = z.strictObject({ eps: epsSchema.default(16), target: targetSchema });
export type FgsmParams = z.infer<typeof params>;

export const fgsm: AttackDescriptor<FgsmParams> = {
  id: 'fgsm',
  title: 'Fast gradient sign (FGSM)',
  paper: 'Goodfellow, Shlens & Szegedy 2014, arXiv 1412.6572',
  norm: 'linf',
  summary: 'One step of size eps along the sign of the loss gradient.',
  params,
  run: (ctx, batch, p) =>
    iterativeSignAttack(ctx, batch, {
      eps: p.eps,
      alpha: p.eps,
      steps: p.eps > 0 ? 1 : 0,
      targets: resolveTargets(ctx, batch, p.target),
    }),
};
