/**
 * The FAB search (Croce & Hein, arXiv 1907.02044, Algorithm 1), per image, following the
 * authors' reference code (autoattack/fab_pt.py, attack_single_run) where the paper leaves
 * details open. At the iterate x and the clean x0:
 *
 *   linearise the decision boundary at x: f(z) ≈ f(x) + ∇f(x)·(z − x), with f = z_k − z_y for
 *     the target k (FAB-T) or, untargeted, the class k ≠ y whose linearised boundary is nearest
 *     (|f_k| / ‖∇f_k‖_dual);
 *   δ1 = projection of x onto it, δ2 = projection of x0 onto it (fab-projection.ts, in the box);
 *   α  = min(‖δ1‖ / (‖δ1‖ + ‖δ2‖), α_max)        (bias towards x0 when x is far from the boundary)
 *   x ← (x + η·δ1)(1 − α) + (x0 + η·δ2)·α, in the box      (η > 1 extrapolates past the boundary)
 *   if x is misclassified: keep it when it is the smallest so far, then x ← x0 + β(x − x0).
 *
 * α_max = 0.1, η = 1.05, β = 0.9 and one run from x0 are AutoAttack's standard settings. The
 * iterate lives on the host: the projections are per-image sorts, and only the images still
 * searching are sent to the model each step. A success is kept on the 8-bit grid when its
 * rounding (to nearest, else away from x0) still misclassifies, as BestTracker does for C&W.
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from '../shared';
import { dualNorm, hyperplaneStep, normOf, type FabNorm } from './fab-projection';
import type { AttackContext } from './types';

export const ALPHA_MAX = 0.1;
export const ETA = 1.05;
export const BETA = 0.9;

export interface FabSettings {
  readonly norm: FabNorm;
  readonly iterations: number;
  /** Box bounds on the point, flattened like x0: [0,1] ∩ the optional L∞ cap. */
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  /** Per run, the target class per image (FAB-T); a single undefined run is untargeted. */
  readonly runs: readonly (Int32Array | undefined)[];
  readonly onStep?: (step: number, steps: number) => void | Promise<void>;
}

export interface FabFound {
  /** Per image: smallest norm ([0,1] scale) of a success whose 8-bit rounding holds; Infinity if none. */
  readonly best: Float64Array;
  readonly bestPoint: Float32Array;
  /** Per image: smallest norm of any float success (the search's own minimum, before rounding). */
  readonly floatBest: Float64Array;
  readonly floatPoint: Float32Array;
  /** The last iterate of each image (its closest approach when nothing succeeded). */
  readonly last: Float32Array;
  readonly steps: number;
  readonly stepsPerImage: Int32Array;
}

/** Top-1 class of host rows [m, D] shaped as `shape` (per image). */
async function classify(ctx: AttackContext, x: Float32Array, shape: number[]): Promise<Int32Array> {
  const m = x.length / shape.reduce((a, b) => a * b, 1);
  const top = tf.tidy(() => tf.argMax(ctx.classifier.logits(tf.tensor4d(x, [m, ...shape] as [number, number, number, number])), 1));
  const out = (await top.data()) as Int32Array;
  top.dispose();
  return out;
}

/**
 * f and ∇f of the boundary to cross, per image of rows `x` [m, D]: targeted, f = z_t − z_y;
 * untargeted, every class's difference in one pass of the batch tiled K times, then the nearest.
 * The same pass gives each image's top-1 class, so the point is classified for free.
 */
async function linearise(ctx: AttackContext, x: Float32Array, shape: number[], y: Int32Array, t: Int32Array | undefined, norm: FabNorm) {
  const d = shape.reduce((a, b) => a * b, 1);
  const m = y.length;
  const k = t ? 1 : ctx.classifier.labels.length;
  // Row r = j·m + i asks for class cls[r] of image i (tf.tile repeats the whole batch).
  const cls = Int32Array.from({ length: m * k }, (_, r) => (t ? t[r] : Math.floor(r / m)));
  const own = Int32Array.from({ length: m * k }, (_, r) => y[r % m]);
  const { g, z, top } = tf.tidy(() => {
    const one = tf.tensor4d(x, [m, ...shape] as [number, number, number, number]);
    // FAB-T asks for one class per image: no tile (a full copy of the batch) is needed.
    const xs = k === 1 ? one : tf.tile(one, [k, 1, 1, 1]);
    const pick = tf.sub(tf.oneHot(tf.tensor1d(cls, 'int32'), ctx.classifier.labels.length), tf.oneHot(tf.tensor1d(own, 'int32'), ctx.classifier.labels.length));
    let diff: tf.Tensor | undefined;
    let best: tf.Tensor | undefined;
    const grad = tf.grad((input: tf.Tensor) => {
      const logits = ctx.classifier.logits(input as tf.Tensor4D);
      best = tf.keep(tf.argMax(tf.slice(logits, [0, 0], [m, -1]), 1));
      const f = tf.sum(tf.mul(logits, pick), 1);
      diff = tf.keep(f);
      return tf.sum(f);
    })(xs);
    return { g: grad, z: diff!, top: best! };
  });
  const grads = (await g.data()) as Float32Array;
  const f = (await z.data()) as Float32Array;
  const classes = (await top.data()) as Int32Array;
  tf.dispose([g, z, top]);
  const df = new Float64Array(m);
  const at = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let bestDist = Infinity;
    for (let j = 0; j < k; j++) {
      const r = j * m + i;
      if (!t && j === y[i]) continue;
      const dist = Math.abs(f[r]) / (1e-12 + dualNorm(grads, r * d, d, norm));
      if (dist < bestDist) [bestDist, df[i], at[i]] = [dist, f[r], r * d];
    }
  }
  return { df, w: Array.from(at, (a) => grads.subarray(a, a + d)), top: classes };
}

/** The 8-bit grid point of x inside the box: nearest, or (away) every value moved ≥ 0.01 level pushed outwards. */
function toGrid(x: Float32Array, x0: Float32Array, lo: Float32Array, hi: Float32Array, off: number, d: number, away: boolean, out: Float32Array, outAt: number) {
  for (let j = 0; j < d; j++) {
    const v = x[off + j] * 255;
    const c = x0[off + j] * 255;
    const r = !away || Math.abs(v - c) < 0.01 ? Math.round(v) : v > c ? Math.ceil(v - 1e-3) : Math.floor(v + 1e-3);
    const g0 = Math.ceil(lo[off + j] * 255 - 1e-3);
    const g1 = Math.floor(hi[off + j] * 255 + 1e-3);
    out[outAt + j] = Math.min(Math.max(r, g0), g1) / 255;
  }
}

export async function fabSearch(ctx: AttackContext, x0: Float32Array, shape: number[], labels: Int32Array, s: FabSettings): Promise<FabFound> {
  const n = labels.length;
  const d = shape.reduce((a, b) => a * b, 1);
  const found: FabFound = {
    best: new Float64Array(n).fill(Infinity),
    bestPoint: Float32Array.from(x0),
    floatBest: new Float64Array(n).fill(Infinity),
    floatPoint: Float32Array.from(x0),
    last: Float32Array.from(x0),
    steps: 0,
    stepsPerImage: new Int32Array(n),
  };
  const clean = await classify(ctx, x0, shape);
  clean.forEach((c, i) => c !== labels[i] && (found.best[i] = found.floatBest[i] = 0));
  const diff = new Float64Array(d);
  const dist = (x: Float32Array, i: number, at = i * d) => {
    for (let j = 0; j < d; j++) diff[j] = x[at + j] - x0[i * d + j];
    return normOf(diff, s.norm);
  };
  const total = s.runs.length * s.iterations;
  let steps = 0;
  const step1 = new Float64Array(d);
  const step2 = new Float64Array(d);
  for (const targets of s.runs) {
    // An image goes on to the next target only while nothing has broken it.
    const active = Array.from(labels.keys()).filter((i) => found.best[i] === Infinity);
    const x = Float32Array.from(x0);
    const rowsOf = (idx: readonly number[]) => {
      const rows = new Float32Array(idx.length * d);
      idx.forEach((i, k) => rows.set(x.subarray(i * d, (i + 1) * d), k * d));
      return rows;
    };
    const lineariseAt = (idx: readonly number[]) =>
      linearise(ctx, rowsOf(idx), shape, Int32Array.from(idx, (i) => labels[i]), targets && Int32Array.from(idx, (i) => targets[i]), s.norm);
    /** Records the images of `idx` misclassified at x (top-1 in `top`) and pulls them back towards x0. */
    const check = async (idx: readonly number[], top: Int32Array): Promise<Set<number>> => {
      const adv = idx.filter((i, k) => top[k] !== labels[i]);
      const candidates: number[] = [];
      for (const i of adv) {
        const r = dist(x, i);
        if (r < found.floatBest[i]) {
          found.floatBest[i] = r;
          found.floatPoint.set(x.subarray(i * d, (i + 1) * d), i * d);
        }
        if (r < found.best[i]) candidates.push(i);
      }
      await keepRounded(ctx, x, x0, shape, labels, s, candidates, found);
      for (const i of adv) for (let j = i * d; j < (i + 1) * d; j++) x[j] = x0[j] + BETA * (x[j] - x0[j]);
      return new Set(adv);
    };
    let ran = 0;
    for (let it = 0; it < s.iterations && active.length; it++) {
      throwIfAborted(ctx.signal);
      const lin = await lineariseAt(active);
      if (it > 0) {
        // The pass classified the previous step's points: a success is pulled back, and its
        // boundary linearised again there (the others need no second pass).
        const adv = await check(active, lin.top);
        if (adv.size) {
          const again = active.filter((i) => adv.has(i));
          const re = await lineariseAt(again);
          again.forEach((i, k2) => {
            const k = active.indexOf(i);
            [lin.df[k], lin.w[k]] = [re.df[k2], re.w[k2]];
          });
        }
      }
      active.forEach((i, k) => {
        const o = i * d;
        const w = lin.w[k];
        let shift = 0;
        for (let j = 0; j < d; j++) shift += w[j] * (x0[o + j] - x[o + j]);
        hyperplaneStep(w, -lin.df[k], x, s.lo, s.hi, o, s.norm, step1);
        hyperplaneStep(w, -lin.df[k] - shift, x0, s.lo, s.hi, o, s.norm, step2);
        const a1 = Math.max(normOf(step1, s.norm), 1e-8);
        const a2 = Math.max(normOf(step2, s.norm), 1e-8);
        const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), ALPHA_MAX);
        for (let j = 0; j < d; j++) {
          const v = (x[o + j] + ETA * step1[j]) * (1 - alpha) + (x0[o + j] + ETA * step2[j]) * alpha;
          x[o + j] = Math.min(Math.max(v, s.lo[o + j]), s.hi[o + j]);
        }
      });
      ran++;
      steps++;
      for (const i of active) found.stepsPerImage[i]++;
      await s.onStep?.(steps, total);
    }
    if (ran > 0) await check(active, await classify(ctx, rowsOf(active), shape));
    for (const i of active) if (found.floatBest[i] === Infinity) found.last.set(x.subarray(i * d, (i + 1) * d), i * d);
  }
  return { ...found, steps };
}

/** Rounds each candidate success to the grid (nearest, then away from x0) and keeps those still misclassified. */
async function keepRounded(ctx: AttackContext, x: Float32Array, x0: Float32Array, shape: number[], labels: Int32Array, s: FabSettings, candidates: number[], found: FabFound) {
  const d = shape.reduce((a, b) => a * b, 1);
  let left = candidates;
  for (const away of [false, true]) {
    if (!left.length) return;
    const q = new Float32Array(left.length * d);
    left.forEach((i, k) => toGrid(x, x0, s.lo, s.hi, i * d, d, away, q, k * d));
    const top = await classify(ctx, q, shape);
    const missed: number[] = [];
    left.forEach((i, k) => {
      if (top[k] === labels[i]) return void missed.push(i);
      const r = normOf(Float64Array.from({ length: d }, (_, j) => q[k * d + j] - x0[i * d + j]), s.norm);
      if (r < found.best[i]) {
        found.best[i] = r;
        found.bestPoint.set(q.subarray(k * d, (k + 1) * d), i * d);
      }
    });
    left = missed;
  }
}
