/**
 * Training a universal adversarial patch (Brown et al., "Adversarial Patch", arXiv 1712.09665)
 * with expectation over transformation (Athalye et al., arXiv 1707.07397):
 *
 *   P* = argmin_P  E_{x∼X, l∼L, t∼T} [ ℓ(f(t(A(P, x, l))), target) ] + λ_nps·NPS(P) + λ_tv·TV(P)
 *
 * A(P, x, l) pastes P onto image x at placement l (location, scale, rotation; placement.ts), the
 * pasted pixels get a random contrast gain and brightness offset, and t is one draw of the
 * print → camera channel (an EOT distribution: the default print-camera preset, a fitted channel
 * profile, or none). ℓ is the cross-entropy toward the target class (targeted) or minus the
 * cross-entropy of the true class (untargeted). P lives in [0, 1] (clipped after every Adam step).
 *
 * Parameters: `size` patch area as a fraction of the image; `steps`, `batch` images per step,
 * `lr` Adam's step size; `npsWeight`, `tvWeight` the regulariser weights; `scaleJitter`,
 * `rotationDeg`, `brightness` (±, 0..255 levels), `contrast` (± relative) the placement and
 * photometric ranges.
 */
import * as tf from '@tensorflow/tfjs-core';
import { summedCrossEntropy } from '../attacks/gradient';
import { applyEotSample } from '../attacks/eot-ops';
import { sampleTransform, type EotDistribution } from '../attacks/eot-distribution';
import { adamUpdate, type AdamMoments } from '../attacks/optim';
import type { Classifier } from '../model/classifier';
import { throwIfAborted, type Rng } from '../shared';
import { nonPrintability, totalVariation } from './patch-loss';
import { placementTaps, samplePlacement, type Placement } from './placement';
import { pastePatch, type Photometric } from './paste';

export interface PatchTrainParams {
  target: number | 'untargeted';
  size: number;
  steps: number;
  batch: number;
  lr: number;
  npsWeight: number;
  tvWeight: number;
  scaleJitter: number;
  rotationDeg: number;
  brightness: number;
  contrast: number;
  /**
   * Adam's step size over the run: 'constant' (`lr` throughout) or 'cosine' (from `lr` down to
   * lr/20 at the last step, Loshchilov & Hutter, SGDR), which settles the patch once EOT's noisy
   * gradients have found it. Absent means 'constant' (patches trained before this option).
   */
  lrSchedule?: 'constant' | 'cosine';
  /** Where the patch lands while training: random (default) or always the centre (no EOT over location). */
  location?: 'random' | 'centre';
}

export const PATCH_DEFAULTS: Omit<PatchTrainParams, 'target' | 'size'> = {
  steps: 300, batch: 32, lr: 0.05, npsWeight: 0.1, tvWeight: 0.05, scaleJitter: 0.1, rotationDeg: 20, brightness: 20, contrast: 0.15, lrSchedule: 'cosine',
};

/** The step size of step `step` (0-based) of `params.steps`. */
export function stepSize(params: Pick<PatchTrainParams, 'lr' | 'steps' | 'lrSchedule'>, step: number): number {
  if (params.lrSchedule !== 'cosine' || params.steps <= 1) return params.lr;
  const floor = params.lr / 20;
  return floor + (params.lr - floor) * 0.5 * (1 + Math.cos((Math.PI * step) / (params.steps - 1)));
}

/** Training images: [N, H, W, C] in [0, 1] with their labels. */
export interface PatchTrainSet {
  images: tf.Tensor4D;
  labels: Int32Array;
}

/** Where a run stands: resumable from here with the same seed stream. */
export interface PatchState {
  step: number;
  /** [1, p, p, C] in [0, 1]. */
  patch: tf.Tensor4D;
  moments: AdamMoments;
  /** Per step: the mean adversarial loss term and the fraction of the batch on target (or fooled). */
  history: { loss: number; success: number }[];
}

export interface PatchTrainOptions {
  classifier: Classifier;
  data: PatchTrainSet;
  params: PatchTrainParams;
  /** The print → camera channel drawn at every step; undefined for none. */
  channel?: EotDistribution;
  palette: readonly (readonly number[])[];
  /** The random stream of step `step` (so a resumed run replays the same draws). */
  rngAt: (step: number) => Rng;
  patchPixels: number;
  resume?: PatchState;
  signal?: AbortSignal;
  onStep?: (state: PatchState) => void | Promise<void>;
}

/** A new patch: uniform noise in [0.25, 0.75] drawn from `rng`, with zero moments. */
export function initialPatch(p: number, channels: number, rng: Rng): PatchState {
  const values = Float32Array.from({ length: p * p * channels }, () => rng.uniform(0.25, 0.75));
  const patch = tf.tensor4d(values, [1, p, p, channels]);
  return { step: 0, patch, moments: { m: tf.zerosLike(patch), v: tf.zerosLike(patch) }, history: [] };
}

export function disposeState(s: PatchState): void {
  tf.dispose([s.patch, s.moments.m, s.moments.v]);
}

/** Draws one step's batch, placements and photometric changes. */
export function drawStep(rng: Rng, n: number, h: number, w: number, params: PatchTrainParams): { picks: number[]; placements: Placement[]; photometric: Photometric[] } {
  const picks = Array.from({ length: Math.min(params.batch, n) }, () => rng.int(n));
  const placements = picks.map(() => samplePlacement(rng, h, w, params));
  const photometric = picks.map(() => drawPhotometric(rng, params));
  return { picks, placements, photometric };
}

/** One pasted patch's contrast gain (1 ± contrast) and brightness offset (± brightness levels, on 0..1). */
export function drawPhotometric(rng: Rng, params: Pick<PatchTrainParams, 'brightness' | 'contrast'>): Photometric {
  return { gain: 1 + rng.uniform(-params.contrast, params.contrast), offset: rng.uniform(-params.brightness, params.brightness) / 255 };
}

/** The adversarial loss term per batch (a scalar) and, per image, whether the attack holds. */
export function adversarialLoss(logits: tf.Tensor2D, labels: Int32Array, target: PatchTrainParams['target']): tf.Scalar {
  const n = labels.length;
  if (target === 'untargeted') return tf.neg(tf.div(summedCrossEntropy(logits, tf.tensor1d(labels, 'int32')), n));
  return tf.div(summedCrossEntropy(logits, tf.fill([n], target, 'int32') as tf.Tensor1D), n);
}

/** Runs steps from `resume` (or a fresh patch) to `params.steps`; returns the final state. */
export async function trainPatch(o: PatchTrainOptions, fresh: () => PatchState): Promise<PatchState> {
  const { classifier, data, params } = o;
  const [n, h, w] = data.images.shape;
  let state = o.resume ?? fresh();
  while (state.step < params.steps) {
    throwIfAborted(o.signal);
    const rng = o.rngAt(state.step);
    const { picks, placements, photometric } = drawStep(rng, n, h, w, params);
    const channelDraw = o.channel ? sampleTransform(o.channel, rng, h, w, data.images.shape[3]) : undefined;
    const taps = placementTaps(h, w, o.patchPixels, placements);
    const labels = Int32Array.from(picks, (i) => data.labels[i]);
    const prev = state;
    // The loss term and the hits are kept out of the gradient's scope to report them, then freed.
    let advLoss: tf.Scalar | undefined;
    let hits: tf.Tensor | undefined;
    const step = tf.tidy(() => {
      const x = tf.gather(data.images, tf.tensor1d(picks, 'int32')) as tf.Tensor4D;
      const lossOf = (patch: tf.Tensor4D): tf.Scalar => {
        let composite = pastePatch(x, patch, taps, photometric);
        if (channelDraw) composite = applyEotSample(composite, channelDraw);
        const logits = classifier.logits(composite);
        const top = tf.argMax(logits, 1);
        hits = tf.keep(params.target === 'untargeted' ? tf.notEqual(top, tf.tensor1d(labels, 'int32')) : tf.equal(top, params.target));
        advLoss = tf.keep(adversarialLoss(logits, labels, params.target));
        const reg = tf.add(tf.mul(nonPrintability(patch, o.palette), params.npsWeight), tf.mul(totalVariation(patch), params.tvWeight));
        return tf.add(advLoss, reg) as tf.Scalar;
      };
      const grad = tf.grad((p: tf.Tensor) => lossOf(p as tf.Tensor4D))(prev.patch) as tf.Tensor4D;
      const next = adamUpdate(prev.patch, grad, prev.moments, prev.step + 1, stepSize(params, prev.step));
      return { patch: tf.clipByValue(next.param, 0, 1) as tf.Tensor4D, m: next.m, v: next.v };
    });
    const loss = (await advLoss!.data())[0];
    const meanHits = tf.tidy(() => tf.mean(tf.cast(hits!, 'float32')));
    const success = (await meanHits.data())[0];
    tf.dispose([advLoss!, hits!, meanHits]);
    state = { step: prev.step + 1, patch: step.patch, moments: { m: step.m, v: step.v }, history: [...prev.history, { loss, success }] };
    if (prev !== o.resume) disposeState(prev);
    await o.onStep?.(state);
  }
  return state;
}
