/**
 * The machinery the three Carlini & Wagner attacks share (arXiv 1608.04644, §V), batched so that
 * every image of an NHWC batch is its own problem:
 *  - TanhBox: the change of variables x = lo + (hi − lo)·½(tanh(w) + 1) (§V, "change of
 *    variables"), which keeps every iterate inside the box [lo,hi] without clipping, so Adam
 *    runs unconstrained on w.
 *  - TanhAdam: Adam on w, one step per call. Each image has its own Adam step count and may be
 *    frozen (inactive) or restarted from a new point with fresh moments, so one batched loop can
 *    carry images that are at different stages of their own search. Optionally pins masked
 *    values to fixed ones (the L0 attack's fixed pixels).
 *  - ConstSchedule + warmStartRounds: the search over c of the L0 and L∞ attacks (§V-A, §V-C):
 *    start low and multiply c by constFactor while the attack fails, giving up past largestConst;
 *    on success the attack-specific `next` tightens the problem (fewer pixels, smaller τ) and the
 *    image restarts from its success (warm start) at the c that worked.
 * The L2 attack's binary search over c is its own loop in cw-l2.ts, on the same TanhAdam step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../model/classifier';
import { throwIfAborted } from '../shared';
import { logitMargin, type BestTracker, type Seen } from './minimal-core';
import { adamUpdate, feasibleBox, perImage } from './optim';

/** The tanh box over [0,1] ∩ the optional L∞ cap (0..255 scale) around x0. Owns lo, hi. */
export class TanhBox {
  readonly lo: tf.Tensor4D;
  readonly hi: tf.Tensor4D;
  private readonly span: tf.Tensor4D;

  constructor(x0: tf.Tensor4D, eps: number) {
    ({ lo: this.lo, hi: this.hi } = feasibleBox(x0, eps));
    this.span = tf.sub(this.hi, this.lo);
  }

  /** w for an image x; shrunk by 1 − 1e-6 so arctanh(±1) never happens (x on the box edge). */
  toW(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.atanh(tf.mul(tf.sub(tf.mul(tf.div(tf.sub(x, this.lo), this.span), 2), 1), 1 - 1e-6))) as tf.Tensor4D;
  }

  /** The image for w. Call inside tf.tidy. */
  toImage(w: tf.Tensor): tf.Tensor4D {
    return tf.add(this.lo, tf.mul(this.span, tf.mul(tf.add(tf.tanh(w), 1), 0.5))) as tf.Tensor4D;
  }

  dispose(): void {
    tf.dispose([this.lo, this.hi, this.span]);
  }
}

export interface AdamSpec {
  readonly classifier: Classifier;
  /** Target classes (targeted) or true labels (untargeted), for the logit margin. */
  readonly classes: tf.Tensor1D;
  readonly targeted: boolean;
  readonly box: TanhBox;
  readonly learningRate: number;
  /** Per-image objective at an iterate, from its logit margin and the constants c [B]. Differentiable. */
  objective(image: tf.Tensor4D, margin: tf.Tensor1D, c: tf.Tensor1D): tf.Tensor1D;
}

/** An iterate before its update; the caller disposes it (disposeIterate). */
export interface AdamIterate {
  readonly image: tf.Tensor4D;
  readonly margin: tf.Tensor1D;
  /** The objective per image. */
  readonly loss: tf.Tensor1D;
}

export const disposeIterate = (it: AdamIterate) => tf.dispose([it.image, it.margin, it.loss]);

const selector = (b: readonly boolean[]) => perImage(tf.tensor1d(b as boolean[], 'bool'));

export class TanhAdam {
  /**
   * Values where `pin.free` is false are held at `pin.value` exactly (no gradient reaches them).
   * Owned by the caller; may be swapped between steps.
   */
  pin?: { readonly free: tf.Tensor; readonly value: tf.Tensor4D };
  private w: tf.Tensor4D;
  private m: tf.Tensor4D;
  private v: tf.Tensor4D;
  private t: number[];

  /** Starts every image at w = start (cloned) with fresh moments. */
  constructor(private readonly spec: AdamSpec, start: tf.Tensor4D) {
    this.w = tf.clone(start);
    this.m = tf.zerosLike(start);
    this.v = tf.zerosLike(start);
    this.t = new Array<number>(start.shape[0]).fill(0);
  }

  /**
   * One Adam step at constants c for the images marked active (all by default); the others keep
   * w, moments and step count. Returns the iterate *before* the update, as the reference code
   * judges it.
   */
  step(c: ArrayLike<number>, active?: readonly boolean[]): AdamIterate {
    const { spec, w, m, v } = this;
    const partial = active !== undefined && !active.every(Boolean);
    const t = this.t.map((ti, i) => (partial && !active[i] ? ti : ti + 1));
    // One t for the batch while the images move in step (C&W-L2): the same arithmetic as a scalar.
    const tArg = t.every((ti) => ti === t[0]) ? t[0] : t;
    const out = tf.tidy(() => {
      const cT = tf.tensor1d(Float32Array.from(c));
      let image: tf.Tensor4D | undefined;
      let margin: tf.Tensor1D | undefined;
      const { value, grad } = tf.valueAndGrad((wv: tf.Tensor) => {
        const free = spec.box.toImage(wv);
        image = tf.keep(this.pin ? tf.where(this.pin.free, free, this.pin.value) as tf.Tensor4D : free);
        margin = tf.keep(logitMargin(spec.classifier.logits(image), spec.classes, spec.targeted));
        return spec.objective(image, margin, cT);
      })(w);
      const next = adamUpdate(w, grad as tf.Tensor4D, { m, v }, tArg, spec.learningRate);
      const keep = partial ? selector(active) : undefined;
      const pick = (a: tf.Tensor4D, b: tf.Tensor4D) => (keep ? tf.where(keep, a, b) as tf.Tensor4D : a);
      return { w: pick(next.param, w), m: pick(next.m, m), v: pick(next.v, v), image: image!, margin: margin!, loss: value as tf.Tensor1D };
    });
    tf.dispose([w, m, v]);
    this.w = out.w;
    this.m = out.m;
    this.v = out.v;
    this.t = t;
    return { image: out.image, margin: out.margin, loss: out.loss };
  }

  /** Restarts the marked images from `image` (the warm start) with fresh Adam state. */
  restart(which: readonly boolean[], image: tf.Tensor4D): void {
    const { w, m, v } = this;
    const fresh = this.spec.box.toW(image);
    [this.w, this.m, this.v] = tf.tidy(() => {
      const sel = selector(which);
      return [tf.where(sel, fresh, w), tf.where(sel, tf.zerosLike(m), m), tf.where(sel, tf.zerosLike(v), v)] as tf.Tensor4D[];
    });
    tf.dispose([fresh, w, m, v]);
    this.t = this.t.map((ti, i) => (which[i] ? 0 : ti));
  }

  dispose(): void {
    tf.dispose([this.w, this.m, this.v]);
  }
}

export interface ConstOptions {
  readonly initialConst: number;
  /** c is multiplied by this after a failed stage (the paper doubles it). */
  readonly constFactor: number;
  /** An image gives up once its c would exceed this. */
  readonly largestConst: number;
  /** Adam steps per value of c. */
  readonly maxIterations: number;
  /** Also end a stage once the loss has not fallen by 0.01% over maxIterations/10 steps. */
  readonly abortEarly: boolean;
}

/** Per image, the L0/L∞ attacks' growing c: c, and the steps spent at it without success. */
export class ConstSchedule {
  readonly c: Float64Array;
  private readonly stageStep: number[];
  private readonly prevLoss: number[];
  private readonly checkEvery: number;

  constructor(n: number, private readonly o: ConstOptions) {
    this.c = new Float64Array(n).fill(o.initialConst);
    this.stageStep = new Array<number>(n).fill(0);
    this.prevLoss = new Array<number>(n).fill(Infinity);
    this.checkEvery = Math.max(1, Math.floor(o.maxIterations / 10));
  }

  /** Image i stepped without success at this loss; false once it has given up. */
  miss(i: number, loss: number): boolean {
    const s = this.stageStep[i]++;
    let stalled = false;
    if (this.o.abortEarly && s % this.checkEvery === 0) {
      stalled = loss > this.prevLoss[i] * 0.9999;
      this.prevLoss[i] = loss;
    }
    if (!stalled && this.stageStep[i] < this.o.maxIterations) return true;
    // Adam carries on from where it is at the larger c, as in the reference code.
    this.c[i] *= this.o.constFactor;
    this.restart(i);
    return this.c[i] <= this.o.largestConst;
  }

  /** Image i starts a new stage at its current c (kept: the warm start of the next round). */
  restart(i: number): void {
    this.stageStep[i] = 0;
    this.prevLoss[i] = Infinity;
  }
}

export interface Rounds {
  readonly signal?: AbortSignal;
  /** Whether image i's iterate (margin, objective value, c) ends its current round. */
  accept(i: number, margin: number, loss: number, c: number): boolean;
  /**
   * Called with the images whose iterate was accepted (offered to the tracker already); tightens
   * their problem and returns which of them go on to another round. The iterate's tensors are
   * valid only during the call.
   */
  next(accepted: boolean[], it: AdamIterate, seen: Seen): Promise<boolean[]>;
  onStep?(steps: number): void | Promise<void>;
}

/**
 * Runs the images marked in `running` through rounds until each has failed (c past the cap) or
 * `next` ends it: every iterate goes to the tracker, a successful round restarts the image from
 * its accepted iterate with fresh Adam moments at the same c. Images proceed independently, so
 * the batch costs as much as its slowest image, not the sum. Returns the Adam steps taken.
 */
export async function warmStartRounds(
  adam: TanhAdam, tracker: BestTracker, sched: ConstSchedule, running: boolean[], r: Rounds,
): Promise<number> {
  let steps = 0;
  while (running.some(Boolean)) {
    throwIfAborted(r.signal);
    const it = adam.step(sched.c, running);
    try {
      const seen = await tracker.offer(it.image, it.margin);
      const loss = await it.loss.data();
      const accepted = running.map((on, i) => on && r.accept(i, seen.margin[i], loss[i], sched.c[i]));
      running.forEach((on, i) => on && !accepted[i] && (running[i] = sched.miss(i, loss[i])));
      if (accepted.some(Boolean)) {
        const more = await r.next(accepted, it, seen);
        accepted.forEach((a, i) => {
          if (!a) return;
          running[i] = more[i];
          sched.restart(i);
        });
        if (more.some(Boolean)) adam.restart(more, it.image);
      }
    } finally {
      disposeIterate(it);
    }
    steps++;
    await r.onStep?.(steps);
  }
  return steps;
}
