/**
 * Auto-PGD, the step-size-free PGD of Croce & Hein, arXiv 2003.01690, Algorithm 1, following
 * the authors' reference code (autoattack/autopgd_base.py) where the paper leaves details open:
 *
 *   z      = P(x_k + η·s(∇f(x_k)))                       s = sign (L∞) or g/‖g‖₂ (L2)
 *   x_{k+1} = P(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1}))   α = 0.75 (1 at the first step)
 *
 * η starts at 2ε per image. At checkpoints w_j (p_0 = 0, p_1 = 0.22, p_{j+1} = p_j +
 * max(p_j − p_{j−1} − 0.03, 0.06), as fractions of the iterations) η is halved, and the iterate
 * restarted from the best point so far, when (1) fewer than ρ = 0.75 of the steps since the last
 * checkpoint raised the loss, or (2) η was not halved at the last checkpoint and the best loss
 * has not risen since. Everything is per image. Success is judged on the iterate and on it as it will be
 * saved (rounded to 8 bits inside the ball, as execute.ts does), so a float point that rounding
 * would turn back is not a success and the search goes on. Returned per image: the first
 * rounded success, else the highest-loss iterate. Each image starts from its own random stream
 * and a success is never replaced, so results do not depend on the batch an image is in.
 */
import * as tf from '@tensorflow/tfjs-core';
import { exactSign } from '../kernels';
import { throwIfAborted, type Rng } from '../shared';
import { crossEntropyFromLogits, summedCrossEntropy } from './gradient';
import { dlrLoss, summedDlr } from './dlr-loss';
import { l2Norms, perImageValues, projectBall, randomStart, roundIntoL2Ball, scatterRows, type BallNorm } from './norm-ball';
import type { AttackContext } from './types';

export type ApgdLoss = 'ce' | 'dlr';

export interface ApgdSettings {
  readonly norm: BallNorm;
  /** Radius on the [0,1] scale. */
  readonly eps: number;
  readonly iterations: number;
  readonly loss: ApgdLoss;
  /** Targeted DLR towards these classes (APGD-T); success is still top-1 ≠ label. */
  readonly targets?: Int32Array;
  /** One stream per image for its random start (batch-invariant); forked from ctx.rng if absent. */
  readonly rngs?: readonly Rng[];
  /** Called after every step with the steps done in this run. */
  readonly onStep?: (step: number) => void | Promise<void>;
}

export interface ApgdResult {
  /** Owned by the caller. */
  readonly x: tf.Tensor4D;
  /** Per image: some iterate was misclassified. */
  readonly success: boolean[];
  readonly steps: number;
  /** Per image: steps until its first success, or all the steps run. */
  readonly stepsPerImage: Int32Array;
}

/** Step-halving fraction ρ and momentum α of the paper. */
export const RHO = 0.75;
export const MOMENTUM = 0.75;

/** The checkpoints as iteration counts: w_1 = ⌊0.22N⌋, then gaps shrinking by ⌊0.03N⌋ to ⌊0.06N⌋. */
export function checkpoints(iterations: number): number[] {
  const first = Math.max(Math.floor(0.22 * iterations), 1);
  const shrink = Math.max(Math.floor(0.03 * iterations), 1);
  const least = Math.max(Math.floor(0.06 * iterations), 1);
  const out: number[] = [];
  for (let w = first, gap = first; w <= iterations; gap = Math.max(gap - shrink, least), w += gap) out.push(w);
  return out;
}

interface Evaluated {
  grad: tf.Tensor4D;
  loss: Float32Array;
  /** The iterate rounded to 8 bits inside the ball (what a success is saved as), when any could be one. */
  rounded?: tf.Tensor4D;
  /** Per image: the iterate is misclassified, and so is its rounding. */
  wrong: boolean[];
}

/** The iterate on the 8-bit grid inside the ball (execute.ts's rounding, for L∞ quantizeIntoBall). */
function roundIterate(x: tf.Tensor4D, x0: tf.Tensor4D, s: ApgdSettings): tf.Tensor4D {
  if (s.norm === 'l2') return roundIntoL2Ball(x, x0, s.eps * 255);
  const reach = Math.floor(s.eps * 255 + 1e-9);
  return tf.tidy(() => {
    const base = tf.round(tf.mul(x0, 255));
    return tf.div(tf.add(base, tf.clipByValue(tf.sub(tf.round(tf.mul(x, 255)), base), -reach, reach)), 255) as tf.Tensor4D;
  });
}

/** `done` marks images already successful: their rounding is not needed again. */
async function evaluate(
  ctx: AttackContext, x: tf.Tensor4D, x0: tf.Tensor4D, labels: tf.Tensor1D, s: ApgdSettings, targets: tf.Tensor1D | undefined, done: readonly boolean[],
): Promise<Evaluated> {
  let logits: tf.Tensor2D | undefined;
  const { grad, stacked } = tf.tidy(() => {
    const g = tf.grad((input: tf.Tensor) => {
      const z = ctx.classifier.logits(input as tf.Tensor4D);
      logits = tf.keep(z);
      return s.loss === 'ce' ? summedCrossEntropy(z, labels) : summedDlr(z, labels, targets);
    })(x) as tf.Tensor4D;
    const per = s.loss === 'ce' ? crossEntropyFromLogits(logits!, labels) : dlrLoss(logits!, labels, targets);
    const wrong = tf.cast(tf.notEqual(tf.argMax(logits!, 1), labels), 'float32');
    return { grad: g, stacked: tf.stack([per, wrong]) };
  });
  logits?.dispose();
  const v = (await stacked.data()) as Float32Array;
  stacked.dispose();
  const n = x.shape[0];
  const floatWrong = Array.from(v.subarray(n, 2 * n), (w) => w > 0.5);
  const loss = v.slice(0, n);
  // Only a misclassified iterate can be a success: the rounded one is classified only then.
  if (!floatWrong.some((w, j) => w && !done[j])) return { grad, loss, wrong: floatWrong };
  const rounded = roundIterate(x, x0, s);
  const top = tf.tidy(() => tf.argMax(ctx.classifier.logits(rounded), 1));
  const t = (await top.data()) as Int32Array;
  top.dispose();
  const y = (await labels.data()) as Int32Array;
  return { grad, loss, rounded, wrong: floatWrong.map((w, j) => w && t[j] !== y[j]) };
}

/** Each image's start drawn from its own stream, so it does not depend on the batch. */
function starts(x0: tf.Tensor4D, s: ApgdSettings, rngs: readonly Rng[]): tf.Tensor4D {
  const one = rngs.map((rng, i) => {
    const xi = tf.slice(x0, [i, 0, 0, 0], [1, -1, -1, -1]);
    const start = randomStart(xi, s.eps, s.norm, rng.seed32());
    xi.dispose();
    return start;
  });
  const out = tf.concat(one) as tf.Tensor4D;
  tf.dispose(one);
  return out;
}

/**
 * Rows of `x` where `where` holds, the other rows from `old` (disposed): the same bits as
 * tf.where, without it. tf.where broadcasts the [N,1,1,1] mask by tiling it to the full image
 * size first, which cost ~5 % of the suite's time; a row gather copies rows only.
 */
function replace(old: tf.Tensor4D, where: readonly boolean[], x: tf.Tensor4D): tf.Tensor4D {
  if (!where.some(Boolean)) return old;
  if (where.every(Boolean)) {
    old.dispose();
    return tf.clone(x);
  }
  const n = where.length;
  const next = tf.tidy(() => tf.gather(tf.concat([old, x]), tf.tensor1d(where.map((w, j) => (w ? n + j : j)), 'int32'))) as tf.Tensor4D;
  old.dispose();
  return next;
}

/** Rows `keep` of t (disposed). */
function keepRows<T extends tf.Tensor>(t: T, keep: tf.Tensor1D): T {
  const next = tf.gather(t, keep) as T;
  t.dispose();
  return next;
}

/**
 * Runs APGD on x0 (caller owns it) for the given labels. An image leaves the batch at its first
 * success (its result is then fixed), so the model only sees the images still searching; every
 * quantity is per image, so this changes no result, only the work.
 */
export async function apgd(ctx: AttackContext, x0Full: tf.Tensor4D, labels: Int32Array, s: ApgdSettings): Promise<ApgdResult> {
  const n = labels.length;
  // Global index of each row still searching; the tensors below hold those rows only.
  let rows = Array.from(labels.keys());
  let x0 = tf.clone(x0Full);
  let yT = tf.tensor1d(labels, 'int32');
  let tT = s.targets ? tf.tensor1d(s.targets, 'int32') : undefined;
  let x = starts(x0, s, s.rngs ?? Array.from(labels, () => ctx.rng.fork()));
  let xOld = tf.clone(x);
  let xBest = tf.clone(x);
  let xAdv: tf.Tensor4D | undefined;
  let gradBest: tf.Tensor4D = tf.zerosLike(x0);
  let out = tf.clone(x0Full);
  let ev: Evaluated | undefined;
  try {
    ev = await evaluate(ctx, x, x0, yT, s, tT, []);
    gradBest.dispose();
    gradBest = tf.clone(ev.grad);
    let lossBest = Float64Array.from(ev.loss);
    let success = ev.wrong.slice();
    const succeeded = new Array<boolean>(n).fill(false);
    const stepsPerImage = new Int32Array(n);
    xAdv = ev.rounded ? tf.clone(ev.rounded) : tf.clone(x);
    let prevLoss = Float64Array.from(ev.loss);
    let eta = new Float64Array(n).fill(2 * s.eps);
    let raised = new Int32Array(n);
    let lossAtCheck = Float64Array.from(lossBest);
    // The reference code starts with "reduced" set, so condition (2) cannot fire at w_1.
    let halvedAtCheck = new Array<boolean>(n).fill(true);
    /** Moves the successful rows' results into `out` and drops them from every per-row state. */
    const compact = () => {
      if (!success.some(Boolean)) return;
      const won = rows.flatMap((_, j) => (success[j] ? [j] : []));
      const wonT = tf.tensor1d(won, 'int32');
      const picked = tf.gather(xAdv!, wonT) as tf.Tensor4D;
      const next = scatterRows(out, picked, won.map((j) => rows[j]));
      tf.dispose([wonT, picked, out]);
      out = next;
      won.forEach((j) => (succeeded[rows[j]] = true));
      const keep = rows.flatMap((_, j) => (success[j] ? [] : [j]));
      const keepT = tf.tensor1d(keep, 'int32');
      [x0, x, xOld, xBest, xAdv, gradBest] = [x0, x, xOld, xBest, xAdv!, gradBest].map((t) => keepRows(t, keepT));
      ev!.grad = keepRows(ev!.grad, keepT);
      yT = keepRows(yT, keepT);
      if (tT) tT = keepRows(tT, keepT);
      keepT.dispose();
      const pick = <A extends { [i: number]: unknown; length: number }>(a: A, make: (v: unknown[]) => A) => make(keep.map((j) => a[j]));
      [lossBest, prevLoss, eta, lossAtCheck] = [lossBest, prevLoss, eta, lossAtCheck].map((a) => pick(a, (v) => Float64Array.from(v as number[])));
      raised = pick(raised, (v) => Int32Array.from(v as number[]));
      halvedAtCheck = keep.map((j) => halvedAtCheck[j]);
      success = keep.map(() => false);
      rows = keep.map((j) => rows[j]);
    };
    compact();
    const marks = new Set(checkpoints(s.iterations));
    let lastMark = 0;
    let steps = 0;
    for (let i = 0; i < s.iterations && rows.length > 0; i++) {
      throwIfAborted(ctx.signal);
      const a = i === 0 ? 1 : MOMENTUM;
      const grad = ev.grad;
      const [xi, xi0] = [x, x0];
      const next = tf.tidy(() => {
        const dir = s.norm === 'linf' ? exactSign(grad) : tf.div(grad, tf.add(l2Norms(grad), 1e-12));
        const z = projectBall(tf.add(xi, tf.mul(perImageValues(eta), dir)) as tf.Tensor4D, xi0, s.eps, s.norm);
        return projectBall(tf.add(tf.add(xi, tf.mul(tf.sub(z, xi), a)), tf.mul(tf.sub(xi, xOld), 1 - a)) as tf.Tensor4D, xi0, s.eps, s.norm);
      });
      xOld.dispose();
      xOld = x;
      x = next;
      ev.grad.dispose();
      ev.rounded?.dispose();
      ev.rounded = undefined;
      ev = await evaluate(ctx, x, x0, yT, s, tT, success);
      steps = i + 1;
      const { loss, wrong } = ev;
      const won = wrong.map((w, j) => w && !success[j]);
      const better = Array.from(loss, (l, j) => l > lossBest[j]);
      for (let j = 0; j < rows.length; j++) {
        if (wrong[j]) success[j] = true;
        stepsPerImage[rows[j]] = steps;
        if (better[j]) lossBest[j] = loss[j];
        if (loss[j] > prevLoss[j]) raised[j]++;
        prevLoss[j] = loss[j];
      }
      if (won.some(Boolean)) xAdv = replace(xAdv, won, ev.rounded!);
      if (better.some(Boolean)) {
        xBest = replace(xBest, better, x);
        gradBest = replace(gradBest, better, ev.grad);
      }
      if (marks.has(steps)) {
        const span = steps - lastMark;
        lastMark = steps;
        const halve = Array.from({ length: rows.length }, (_, j) => {
          const oscillating = raised[j] < RHO * span;
          const stalled = !halvedAtCheck[j] && lossAtCheck[j] >= lossBest[j];
          return oscillating || stalled;
        });
        halve.forEach((h, j) => {
          halvedAtCheck[j] = h;
          lossAtCheck[j] = lossBest[j];
          raised[j] = 0;
          if (h) eta[j] /= 2;
        });
        if (halve.some(Boolean)) {
          x = replace(x, halve, xBest);
          ev.grad = replace(ev.grad, halve, gradBest);
        }
      }
      ev.rounded?.dispose();
      ev.rounded = undefined;
      compact();
      await s.onStep?.(steps);
    }
    // The images still searching failed: each returns its highest-loss iterate.
    const final = scatterRows(out, xBest, rows);
    return { x: final, success: succeeded, steps, stepsPerImage };
  } finally {
    tf.dispose([x, xOld, xBest, yT, gradBest, x0, out]);
    if (xAdv) xAdv.dispose();
    if (tT) tT.dispose();
    if (ev) tf.dispose([ev.grad, ...(ev.rounded ? [ev.rounded] : [])]);
  }
}
