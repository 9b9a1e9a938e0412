/**
 * Expectation over transformation with an L∞ PGD step ('eot-pgd').
 * Paper: Athalye, Engstrom, Ilyas & Kwok, "Synthesizing Robust Adversarial Examples",
 * arXiv 1707.07397 (EOT); the step is Madry et al.'s PGD, arXiv 1706.06083.  Norm: L∞.
 *
 *   g_N = (1/k) Σ_j ∇_X J(t_j(X_N), y),   t_1..t_k ~ T drawn fresh at every step
 *   X_{N+1} = Clip_{X,eps}{ X_N + alpha·sign(g_N) }
 *
 * The gradient is taken THROUGH each transformation t_j (print tone, warp, lighting, blur,
 * noise: differentiable tf ops, see eot-ops.ts). JPEG is not differentiable: it uses a
 * straight-through gradient (forward: the real codec; backward: the identity).
 * Parameters:
 *   eps           L∞ radius on the 0..255 scale.
 *   iterations    default 40.
 *   alpha         step on the 0..255 scale; default 2.5·eps/iterations (Madry et al.'s rule).
 *   samples       k, transformations averaged per step; default 8.
 *   distribution  T: 'print-camera' (default), 'photometric', 'none', an object or a JSON file
 *                 path (see eot-distribution.ts and docs/eot.md).
 *   randomStart   default true (uniform point of the eps ball).
 *   target        'untargeted' by default; a target descends that class's loss instead.
 * With distribution 'none', EOT is PGD exactly (same seed → same bytes).
 *
 * Memory and control flow: the gradient of a step is computed synchronously in one tf.tidy.
 * When a sample includes JPEG, its codec runs first (awaited, outside any tidy) on the
 * transformed batch, and only its constant residual is held across that await, in try/finally.
 * Cancellation is checked and progress reported between steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { Classifier } from '../model/classifier';
import type { Rng } from '../shared';
import { distributionParamSchema, resolveDistribution, sampleTransform, type EotDistribution, type EotSample } from './eot-distribution';
import { applyEotSample, jpegResidual } from './eot-ops';
import { crossEntropyFromLogits } from './gradient';
import { iterativeSignAttack, resolveTargets } from './iterative-core';
import { epsSchema, iterationsSchema, stepSchema, targetSchema } from './params';
import type { AttackBatch, AttackContext, AttackDescriptor, AttackOutput } from './types';

const params = z.strictObject({
  eps: epsSchema.default(16),
  iterations: iterationsSchema.default(40),
  alpha: stepSchema.optional(),
  samples: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1024, 'must be at most 1024')
    .default(8)
    .describe('transformations sampled per gradient step (k)'),
  distribution: distributionParamSchema,
  randomStart: z.boolean().default(true),
  target: targetSchema,
});
export type EotParams = z.infer<typeof params>;

/** Float elements of transformed images per forward pass; more samples are split into chunks. */
const CHUNK_ELEMENTS = 1 << 22;

/** One sampled transformation applied as in the forward pass, JPEG included (caller owns the result). */
export async function transformBatch(x: tf.Tensor4D, s: EotSample): Promise<tf.Tensor4D> {
  const t = tf.tidy(() => applyEotSample(x, s));
  if (s.jpegQuality === undefined) return t === x ? tf.clone(x) : t;
  try {
    const r = await jpegResidual(t, s.jpegQuality);
    const out = tf.add(t, r) as tf.Tensor4D;
    r.dispose();
    return out;
  } finally {
    if (t !== x) t.dispose();
  }
}

/**
 * (1/k) Σ_j ∇_x Σ_i CE(f(t_j(x_i)), classes_i) for the given draws: the gradient of the mean
 * loss over the k samples, differentiated through each transformation, straight-through for JPEG.
 * The result is owned by the caller.
 */
export async function eotGradient(classifier: Classifier, x: tf.Tensor4D, classes: Int32Array, draws: readonly EotSample[]): Promise<tf.Tensor4D> {
  const residuals: (tf.Tensor4D | undefined)[] = [];
  try {
    for (const [j, d] of draws.entries()) {
      if (d.jpegQuality === undefined) continue;
      const t = tf.tidy(() => applyEotSample(x, d));
      try {
        residuals[j] = await jpegResidual(t, d.jpegQuality);
      } finally {
        if (t !== x) t.dispose();
      }
    }
    const k = draws.length;
    const chunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / x.size));
    return tf.tidy(() => {
      const y = tf.tensor1d(classes, 'int32');
      let total: tf.Tensor | undefined;
      for (let s = 0; s < k; s += chunk) {
        const part = draws.slice(s, s + chunk);
        const grad = tf.grad((input: tf.Tensor) => {
          const outs = part.map((d, i) => {
            const t = applyEotSample(input as tf.Tensor4D, d);
            const r = residuals[s + i];
            return r ? tf.add(t, r) : t; // straight-through: t + const, so ∂/∂t = identity
          });
          const batch = outs.length > 1 ? tf.concat(outs, 0) : outs[0];
          const labels = part.length > 1 ? tf.concat(part.map(() => y), 0) : y;
          return tf.sum(crossEntropyFromLogits(classifier.logits(batch as tf.Tensor4D), labels as tf.Tensor1D));
        });
        const g = grad(x);
        total = total ? tf.add(total, g) : g;
      }
      return tf.div(total!, k) as tf.Tensor4D;
    });
  } finally {
    residuals.forEach((r) => r?.dispose());
  }
}

export interface EotSettings {
  eps: number;
  alpha: number;
  steps: number;
  samples: number;
  distribution: EotDistribution;
  randomStart: boolean;
  targets?: Int32Array;
}

/** PGD with the EOT gradient: the shared sign core, with k fresh transformations drawn per step. */
export function eotSignAttack(ctx: AttackContext, batch: AttackBatch, s: EotSettings): Promise<AttackOutput> {
  const [, h, w, c] = batch.x.shape;
  return iterativeSignAttack(ctx, batch, {
    eps: s.eps,
    alpha: s.alpha,
    steps: s.steps,
    targets: s.targets,
    randomStart: s.randomStart,
    gradient: (x, classes) => {
      const draws = Array.from({ length: s.samples }, () => sampleTransform(s.distribution, ctx.rng, h, w, c));
      return eotGradient(ctx.classifier, x, classes, draws);
    },
  });
}

/**
 * Evaluation on fresh samples of T (gotcha 13): for each image, the fraction of `samples` new
 * transformations under which the model's top-1 is the label. x is NHWC in [0,1] (8-bit values).
 */
export async function eotAccuracy(
  classifier: Classifier,
  x: tf.Tensor4D,
  labels: Int32Array,
  distribution: EotDistribution,
  samples: number,
  rng: Rng,
): Promise<{ perImage: number[]; mean: number }> {
  const [n, h, w, c] = x.shape;
  const hits = new Array<number>(n).fill(0);
  for (let j = 0; j < samples; j++) {
    const t = await transformBatch(x, sampleTransform(distribution, rng, h, w, c));
    const top = tf.tidy(() => tf.argMax(classifier.logits(tf.div(tf.round(tf.mul(t, 255)), 255) as tf.Tensor4D), 1));
    t.dispose();
    const pred = await top.data();
    top.dispose();
    for (let i = 0; i < n; i++) if (pred[i] === labels[i]) hits[i]++;
  }
  const perImage = hits.map((v) => v / Math.max(1, samples));
  return { perImage, mean: n ? perImage.reduce((a, b) => a + b, 0) / n : 0 };
}

export const eotPgd: AttackDescriptor<EotParams> = {
  id: 'eot-pgd',
  title: 'Expectation over transformation (EOT, PGD step)',
  paper: 'Athalye et al. 2017, arXiv 1707.07397',
  norm: 'linf',
  summary:
    'PGD whose step follows the loss gradient averaged over k transformations (print, warp, lighting, blur, noise, JPEG) ' +
    'drawn fresh at every step and differentiated through; JPEG uses a straight-through gradient ' +
    '(forward: the real codec; backward: identity).',
  params,
  async run(ctx, batch, p) {
    const distribution = await resolveDistribution(p.distribution);
    return eotSignAttack(ctx, batch, {
      eps: p.eps,
      alpha: p.alpha ?? (p.iterations > 0 ? (2.5 * p.eps) / p.iterations : p.eps),
      steps: p.iterations,
      samples: p.samples,
      distribution,
      randomStart: p.randomStart,
      targets: resolveTargets(ctx, batch, p.target),
    });
  },
};
