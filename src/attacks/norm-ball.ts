/**
 * The L∞ and L2 balls of the norm-parameterised attacks (APGD, Square): projection, a random
 * start, and the 8-bit rounding that keeps an L2 result inside its ball (execute.ts rounds L∞
 * results into their ball itself, via linfRadius; for L2 it only rounds to nearest, which can add
 * up to ½·√pixels levels of L2).
 * Radii here are on the [0,1] scale: the attacks divide their 0..255 eps by 255 first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { perImage } from './optim';

export type BallNorm = 'linf' | 'l2';

export const normSchema = z.enum(['linf', 'l2']).default('linf')
  .describe("the threat model: 'linf' (eps bounds every pixel) or 'l2' (eps bounds the Euclidean norm)");

/** Largest L2 radius accepted (0..255 scale): the whole range of a 224×224×3 image is ~99,000. */
export const MAX_L2_EPS = 100_000;

/**
 * eps for a norm-parameterised attack: one number on the 0..255 scale, the L∞ radius or the L2
 * norm of δ·255 (as execute.ts and the manifests measure l2). Validated per norm by
 * `checkEpsForNorm`, so an L∞ eps keeps the 0..255 bound every attack shares.
 */
export const ballEpsSchema = z
  .number({ error: 'eps must be a number on the 0..255 scale' })
  .min(0, 'must be at least 0')
  .max(MAX_L2_EPS, `must be at most ${MAX_L2_EPS} (an L2 radius)`)
  .describe('radius on the 0..255 scale: the L∞ bound per pixel, or the L2 norm of the perturbation (norm l2)');

/** A zod check for an object with eps and norm: L∞ radii stop at 255. */
export function checkEpsForNorm(p: { eps: number; norm: BallNorm }, ctx: z.core.$RefinementCtx): void {
  if (p.norm === 'linf' && p.eps > 255) {
    ctx.addIssue({ code: 'custom', path: ['eps'], message: "must be at most 255 for norm linf (give norm 'l2' for an L2 radius)" });
  }
}

/** Euclidean norm of each image of t, [N,1,1,1]. Call inside tf.tidy. */
export function l2Norms(t: tf.Tensor): tf.Tensor4D {
  return tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D;
}

/**
 * Projection onto the ball of radius eps around x0, then onto [0,1]. For L2 the box clip after
 * the radial scaling only shrinks each |δ_i| (x0 lies in the box), so the norm stays ≤ eps.
 * Call inside tf.tidy.
 */
export function projectBall(t: tf.Tensor4D, x0: tf.Tensor4D, eps: number, norm: BallNorm): tf.Tensor4D {
  if (norm === 'linf') {
    return tf.clipByValue(tf.minimum(tf.maximum(t, tf.sub(x0, eps)), tf.add(x0, eps)), 0, 1) as tf.Tensor4D;
  }
  const d = tf.sub(t, x0);
  const scale = tf.minimum(1, tf.div(eps, tf.add(l2Norms(d), 1e-12)));
  return tf.clipByValue(tf.add(x0, tf.mul(d, scale)), 0, 1) as tf.Tensor4D;
}

/**
 * A random start on the ball's surface as in Croce & Hein's reference code: L∞ uniform in
 * [−1,1] scaled so the largest |δ_i| is eps; L2 Gaussian scaled to norm eps. Then into [0,1].
 */
export function randomStart(x0: tf.Tensor4D, eps: number, norm: BallNorm, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    if (norm === 'linf') {
      const t = tf.randomUniform(x0.shape, -1, 1, 'float32', seed);
      const peak = tf.add(tf.max(tf.abs(t), [1, 2, 3], true), 1e-12);
      return tf.clipByValue(tf.add(x0, tf.mul(tf.div(t, peak), eps)), 0, 1) as tf.Tensor4D;
    }
    const t = tf.randomNormal(x0.shape, 0, 1, 'float32', seed);
    return tf.clipByValue(tf.add(x0, tf.mul(tf.div(t, tf.add(l2Norms(t), 1e-12)), eps)), 0, 1) as tf.Tensor4D;
  });
}

/**
 * The 8-bit image an L2 result will be saved as, kept inside the ball: δ·255 rounded to nearest,
 * then, while ‖δ‖₂ > eps, the values that rounding pushed furthest outwards are moved one level
 * back towards the clean x0 (on the grid), which shrinks the norm at the least cost in δ.
 * eps255 on the 0..255 scale. Caller owns the result.
 */
export function roundIntoL2Ball(x: tf.Tensor4D, x0: tf.Tensor4D, eps255: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const size = h * w * c;
  const base = tf.tidy(() => tf.round(tf.mul(x0, 255)));
  const scaled = tf.tidy(() => tf.mul(x, 255));
  const b = base.dataSync();
  const v = scaled.dataSync();
  tf.dispose([base, scaled]);
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const d = Float64Array.from({ length: size }, (_, j) => v[i * size + j] - b[i * size + j]);
    const r = d.map(Math.round);
    let sq = r.reduce((a, t) => a + t * t, 0);
    if (sq > eps255 * eps255) {
      const order = Array.from(r.keys()).filter((j) => r[j] !== 0).sort((p, q) => (Math.abs(r[q]) - Math.abs(d[q])) - (Math.abs(r[p]) - Math.abs(d[p])));
      for (let k = 0; sq > eps255 * eps255; k = (k + 1) % order.length) {
        const j = order[k];
        if (r[j] === 0) continue;
        sq -= 2 * Math.abs(r[j]) - 1;
        r[j] -= Math.sign(r[j]);
      }
    }
    for (let j = 0; j < size; j++) out[i * size + j] = (b[i * size + j] + r[j]) / 255;
  }
  return tf.tensor4d(out, [n, h, w, c]);
}

/** The images of `sub` (rows `rows` of the full batch) written into a copy of `full`. */
export function scatterRows(full: tf.Tensor4D, sub: tf.Tensor4D, rows: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const n = full.shape[0];
    const order = Array.from({ length: n }, (_, i) => i);
    rows.forEach((r, k) => (order[r] = n + k));
    return tf.gather(tf.concat([full, sub]), tf.tensor1d(order, 'int32')) as tf.Tensor4D;
  });
}

/** Per-image [N] values broadcast as [N,1,1,1]. Call inside tf.tidy. */
export const perImageValues = (v: ArrayLike<number>) => perImage(tf.tensor1d(Float32Array.from(v)));
