/**
 * Optimisers for the minimal-perturbation attacks (C&W, box-constrained L-BFGS), batched:
 * every image of an NHWC batch is its own independent problem, so per-image scalars (step
 * sizes, curvature pairs, convergence) live in [B] vectors and JS arrays, while the vectors
 * themselves stay on the tfjs backend.
 *
 *  - adamUpdate: one Adam step (Kingma & Ba, arXiv 1412.6980), bias-corrected, ε = 1e-8.
 *  - minimizeInBox: "L-BFGS-B-lite" — L-BFGS two-loop recursion restricted to the free
 *    variables (those not pinned at a bound by their gradient), a projected path
 *    x(α) = P[lo,hi](x + α·d) and a backtracking Armijo search along it
 *    (f(x(α)) ≤ f(x) + 1e-4·gᵀ(x(α) − x)). No Cauchy point or subspace minimisation as in
 *    full L-BFGS-B (Byrd et al. 1995); on a failed search the image falls back to projected
 *    steepest descent with its curvature memory dropped, and stops when that fails too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../shared';

/** Σ over H, W, C: one value per image. */
export function perImageSum(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(t, [1, 2, 3]) as tf.Tensor1D;
}

/** A [B] vector shaped [B,1,1,1] to broadcast over NHWC. */
export function perImage(v: tf.Tensor): tf.Tensor4D {
  return tf.reshape(v, [-1, 1, 1, 1]) as tf.Tensor4D;
}

/** Per-pixel feasible box: [0,1] ∩ the L∞ ball of radius eps (0..255 scale) around x0. */
export function feasibleBox(x0: tf.Tensor4D, eps: number): { lo: tf.Tensor4D; hi: tf.Tensor4D } {
  const e = Math.min(eps, 255) / 255;
  return tf.tidy(() => ({
    lo: tf.maximum(tf.sub(x0, e), 0) as tf.Tensor4D,
    hi: tf.minimum(tf.add(x0, e), 1) as tf.Tensor4D,
  }));
}

export type AdamMoments = {
  readonly m: tf.Tensor4D;
  readonly v: tf.Tensor4D;
};

/**
 * One Adam step on `param` at step number t ≥ 1, one t for the batch or one per image (images
 * restarted at different times). Call inside tf.tidy.
 */
export function adamUpdate(
  param: tf.Tensor4D, grad: tf.Tensor4D, mom: AdamMoments, t: number | readonly number[], lr: number,
): AdamMoments & { param: tf.Tensor4D } {
  const b1 = 0.9;
  const b2 = 0.999;
  const m = tf.add(tf.mul(mom.m, b1), tf.mul(grad, 1 - b1)) as tf.Tensor4D;
  const v = tf.add(tf.mul(mom.v, b2), tf.mul(tf.square(grad), 1 - b2)) as tf.Tensor4D;
  const correction = (beta: number) => typeof t === 'number'
    ? 1 - beta ** t
    : perImage(tf.tensor1d(t.map((ti) => 1 - beta ** Math.max(ti, 1))));
  const mHat = tf.div(m, correction(b1));
  const vHat = tf.div(v, correction(b2));
  const next = tf.sub(param, tf.mul(lr, tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-8)))) as tf.Tensor4D;
  return { param: next, m, v };
}

export type BoxPoint = {
  /** Objective per image. */
  readonly f: tf.Tensor1D;
  /** Gradient of Σ f. */
  readonly g: tf.Tensor4D;
  /** Anything the caller wants back with the point (e.g. logits). */
  readonly aux: tf.Tensor;
};

export interface BoxProblem {
  readonly lo: tf.Tensor4D;
  readonly hi: tf.Tensor4D;
  /** Objective and gradient at x; the returned tensors become the solver's. */
  evaluate(x: tf.Tensor4D): BoxPoint;
}

export interface BoxOptions {
  readonly maxIterations: number;
  /** Curvature pairs kept (L-BFGS m). */
  readonly memory: number;
  readonly maxBacktracks?: number;
  /** Stop an image when its relative decrease falls below this. */
  readonly ftol?: number;
  readonly signal?: AbortSignal;
  /** Every evaluated point (start, line-search trials), between steps; must not dispose. */
  readonly onPoint?: (x: tf.Tensor4D, p: BoxPoint) => void | Promise<void>;
  readonly onIteration?: (iteration: number) => void | Promise<void>;
}

export interface BoxResult {
  readonly x: tf.Tensor4D;
  readonly point: BoxPoint;
  readonly iterations: number;
}

const disposePoint = (p: BoxPoint | undefined) => p && tf.dispose([p.f, p.g, p.aux]);
const dot = (a: tf.Tensor, b: tf.Tensor) => perImageSum(tf.mul(a, b));
const flags = (b: readonly boolean[]) => tf.tensor1d(b.map(Number));
/** A per-image boolean, reshaped to broadcast against a tensor of rank r. */
const selector = (b: readonly boolean[], rank: number) =>
  tf.reshape(tf.tensor1d(b as boolean[], 'bool'), [b.length, ...new Array<number>(rank - 1).fill(1)]);

/** Minimise Σ_i f_i(x_i) over lo ≤ x ≤ hi from `start`; the caller owns the returned tensors. */
export async function minimizeInBox(problem: BoxProblem, start: tf.Tensor4D, o: BoxOptions): Promise<BoxResult> {
  const { lo, hi } = problem;
  const n = start.shape[0];
  const c1 = 1e-4;
  const ftol = o.ftol ?? 1e-5;
  const maxBacktracks = o.maxBacktracks ?? 30;
  const minStep = 1e-6;
  const project = (t: tf.Tensor) => tf.minimum(tf.maximum(t, lo), hi) as tf.Tensor4D;

  let x = tf.tidy(() => project(start));
  let cur: BoxPoint | undefined;
  let gamma: tf.Tensor1D | undefined;
  // The line search's accepted points so far, and its direction: owned here until merged.
  type Trial = { x: tf.Tensor4D; p: BoxPoint };
  let best: Trial | undefined;
  let d: tf.Tensor4D | undefined;
  const S: tf.Tensor4D[] = [];
  const Y: tf.Tensor4D[] = [];
  const RHO: tf.Tensor1D[] = [];
  const active = new Array<boolean>(n).fill(true);
  // Images without usable curvature memory take a projected steepest-descent step.
  const steepest = new Array<boolean>(n).fill(true);
  let it = 0;
  try {
    const first = problem.evaluate(x);
    cur = first;
    await o.onPoint?.(x, first);
    // H0 = γ·I; before any curvature pair, γ makes the first trial step one unit of L2.
    const g0 = first.g;
    gamma = tf.tidy(() => tf.div(1, tf.add(tf.sqrt(dot(g0, g0)), 1e-12))) as tf.Tensor1D;
    for (; it < o.maxIterations && active.some(Boolean); it++) {
      throwIfAborted(o.signal);
      const here: BoxPoint = cur!;
      const H0 = gamma;
      d = tf.tidy(() => {
        const pinned = tf.logicalOr(
          tf.logicalAnd(tf.lessEqual(x, lo), tf.greater(here.g, 0)),
          tf.logicalAnd(tf.greaterEqual(x, hi), tf.less(here.g, 0)),
        );
        const F = tf.cast(tf.logicalNot(pinned), 'float32');
        let q: tf.Tensor = tf.mul(here.g, F);
        const alphas: tf.Tensor[] = [];
        for (let j = S.length - 1; j >= 0; j--) {
          alphas[j] = perImage(tf.mul(RHO[j], dot(S[j], q)));
          q = tf.sub(q, tf.mul(alphas[j], Y[j]));
        }
        let r: tf.Tensor = tf.mul(perImage(H0), q);
        for (let j = 0; j < S.length; j++) {
          const beta = perImage(tf.mul(RHO[j], dot(Y[j], r)));
          r = tf.add(r, tf.mul(S[j], tf.sub(alphas[j], beta)));
        }
        const quasi = tf.neg(tf.mul(r, F));
        const sd = tf.neg(tf.mul(tf.mul(perImage(H0), here.g), F));
        const useSd = tf.logicalOr(selector(steepest, 4), perImage(tf.greaterEqual(dot(quasi, here.g), 0)));
        return tf.mul(tf.where(useSd, sd, quasi), perImage(flags(active))) as tf.Tensor4D;
      });
      const fNow = await here.f.data();
      const alpha = active.map((a) => (a ? 1 : 0));
      const done = active.map((a) => !a);
      const failed = new Array<boolean>(n).fill(false);
      const dir: tf.Tensor4D = d;
      best = { x: tf.clone(x), p: { f: tf.clone(here.f), g: tf.clone(here.g), aux: tf.clone(here.aux) } };
      for (let k = 0; k < maxBacktracks && done.some((v, i) => !v && !failed[i]); k++) {
        const trial = tf.tidy(() => project(tf.add(x, tf.mul(dir, perImage(tf.tensor1d(alpha))))));
        let p: BoxPoint | undefined;
        try {
          p = problem.evaluate(trial);
          await o.onPoint?.(trial, p);
          const moveT = tf.tidy(() => {
            const step = tf.sub(trial, x);
            return tf.stack([dot(here.g, step), tf.max(tf.abs(step), [1, 2, 3])]);
          });
          const [fT, move] = await Promise.all([p.f.data(), moveT.data()]);
          moveT.dispose();
          const accept = done.map((dn, i) => !dn && !failed[i] && fT[i] <= fNow[i] + c1 * move[i]);
          // A step below float resolution cannot decrease f: the search has failed.
          const stuck = done.map((dn, i) => !dn && !failed[i] && !accept[i] && move[n + i] < minStep);
          if (accept.some(Boolean)) {
            const old: Trial = best!;
            const pt: BoxPoint = p;
            best = tf.tidy((): Trial => ({
              x: tf.where(selector(accept, 4), trial, old.x) as tf.Tensor4D,
              p: {
                f: tf.where(selector(accept, 1), pt.f, old.p.f) as tf.Tensor1D,
                g: tf.where(selector(accept, 4), pt.g, old.p.g) as tf.Tensor4D,
                aux: tf.where(selector(accept, pt.aux.rank), pt.aux, old.p.aux),
              },
            }));
            old.x.dispose();
            disposePoint(old.p);
          }
          accept.forEach((a, i) => {
            if (a) {
              done[i] = true;
            } else if (stuck[i]) {
              failed[i] = true;
              alpha[i] = 0;
            } else if (!done[i]) {
              alpha[i] /= 2;
            }
          });
        } finally {
          trial.dispose();
          disposePoint(p);
        }
      }
      const { x: nextX, p: next } = best;
      best = undefined;
      dir.dispose();
      d = undefined;
      const fNext = await next.f.data();
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        if (!done[i]) {
          // No decrease along this direction: retry once as steepest descent, then stop.
          if (steepest[i]) active[i] = false;
          steepest[i] = true;
          continue;
        }
        steepest[i] = false;
        if (fNow[i] - fNext[i] <= ftol * Math.max(Math.abs(fNow[i]), Math.abs(fNext[i]), 1)) active[i] = false;
      }
      // New curvature pair; images that did not move, or fell back to steepest descent, get ρ = 0
      // here and in every older pair (their memory is dropped).
      const keep = steepest.map((s) => !s);
      const pair = tf.tidy(() => {
        const s = tf.sub(nextX, x) as tf.Tensor4D;
        const y = tf.sub(next.g, here.g) as tf.Tensor4D;
        const sy = dot(s, y);
        const yy = dot(y, y);
        const ok = tf.logicalAnd(tf.greater(sy, tf.mul(1e-10, yy)), tf.tensor1d(keep, 'bool'));
        const one = tf.onesLike(sy);
        const rho = tf.where(ok, tf.div(1, tf.where(ok, sy, one)), tf.zerosLike(sy)) as tf.Tensor1D;
        const g2 = tf.where(ok, tf.div(sy, tf.where(ok, yy, one)), H0) as tf.Tensor1D;
        return { s, y, rho, g2 };
      });
      if (keep.some((k) => !k)) {
        for (let j = 0; j < RHO.length; j++) {
          const old = RHO[j];
          RHO[j] = tf.tidy(() => tf.mul(old, flags(keep))) as tf.Tensor1D;
          old.dispose();
        }
      }
      S.push(pair.s);
      Y.push(pair.y);
      RHO.push(pair.rho);
      gamma.dispose();
      gamma = pair.g2;
      if (S.length > o.memory) tf.dispose([S.shift()!, Y.shift()!, RHO.shift()!]);
      x.dispose();
      disposePoint(cur);
      x = nextX;
      cur = next;
      await o.onIteration?.(it + 1);
    }
    const result: BoxResult = { x, point: cur!, iterations: it };
    cur = undefined;
    return result;
  } catch (e) {
    x.dispose();
    disposePoint(cur);
    d?.dispose();
    best?.x.dispose();
    disposePoint(best?.p);
    throw e;
  } finally {
    tf.dispose([...S, ...Y, ...RHO]);
    gamma?.dispose();
  }
}
