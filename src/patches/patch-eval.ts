/**
 * Digital evaluation of a patch on held-out images, as in Brown et al.'s size curve: every image
 * gets `draws` random placements (and photometric and channel draws when given), and a draw
 * counts as a success when the prediction is the target (targeted; images whose true class is
 * the target are left out) or differs from the true class (untargeted; only images the model
 * classified correctly without the patch count). Rates carry counts and Wilson intervals.
 * Transfer (evaluatePatchTransfer) measures the same patch the same way on other models.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyEotSample } from '../attacks/eot-ops';
import { sampleTransform, type EotDistribution } from '../attacks/eot-distribution';
import { rateOf, type Rate } from '../metrics';
import type { Classifier } from '../model/classifier';
import { ERROR_CODES, PrintshotError, throwIfAborted, type Rng } from '../shared';
import { pastePatch } from './paste';
import { drawPhotometric, type PatchTrainParams, type PatchTrainSet } from './patch-train';
import { placementTaps, samplePlacement } from './placement';

export interface PatchEvaluation {
  /** What a success is, in words, for tables and reports. */
  counts: string;
  /** Successes among eligible (image, draw) pairs. */
  success: Rate;
  /** Images eligible (see `counts`) and draws per image. */
  images: number;
  draws: number;
  /** Clean accuracy of the held-out images without the patch. */
  cleanAccuracy: Rate;
}

export interface PatchEvalOptions {
  classifier: Classifier;
  data: PatchTrainSet;
  /** [1, p, p, C] in [0, 1]. */
  patch: tf.Tensor4D;
  params: Pick<PatchTrainParams, 'target' | 'size' | 'scaleJitter' | 'rotationDeg' | 'brightness' | 'contrast'>;
  draws: number;
  channel?: EotDistribution;
  rng: Rng;
  batch?: number;
  signal?: AbortSignal;
}

async function top1(classifier: Classifier, x: tf.Tensor4D): Promise<Int32Array> {
  const t = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
  const v = new Int32Array(await t.data());
  t.dispose();
  return v;
}

export async function evaluatePatch(o: PatchEvalOptions): Promise<PatchEvaluation> {
  const { data, params } = o;
  const [n, h, w, c] = data.images.shape;
  const clean = await top1(o.classifier, data.images);
  const correct = Array.from(clean, (k, i) => k === data.labels[i]);
  const eligible = Array.from({ length: n }, (_, i) => i).filter((i) => (params.target === 'untargeted' ? correct[i] : data.labels[i] !== params.target));
  const batch = o.batch ?? 32;
  let hits = 0;
  for (let d = 0; d < o.draws; d++) {
    for (let s = 0; s < eligible.length; s += batch) {
      throwIfAborted(o.signal);
      const ids = eligible.slice(s, s + batch);
      const placements = ids.map(() => samplePlacement(o.rng, h, w, params));
      const photometric = ids.map(() => drawPhotometric(o.rng, params));
      const draw = o.channel ? sampleTransform(o.channel, o.rng, h, w, c) : undefined;
      const taps = placementTaps(h, w, o.patch.shape[1], placements);
      const x = tf.tidy(() => {
        const pasted = pastePatch(tf.gather(data.images, tf.tensor1d(ids, 'int32')) as tf.Tensor4D, o.patch, taps, photometric);
        return draw ? applyEotSample(pasted, draw) : pasted;
      });
      const pred = await top1(o.classifier, x);
      x.dispose();
      ids.forEach((i, k) => {
        if (params.target === 'untargeted' ? pred[k] !== data.labels[i] : pred[k] === params.target) hits++;
      });
    }
  }
  return {
    counts: params.target === 'untargeted'
      ? 'predictions that differ from the true class, among (originally correct image, placement) pairs'
      : `predictions of the target class ${params.target}, among (image not of the target class, placement) pairs`,
    success: rateOf(hits, eligible.length * o.draws),
    images: eligible.length,
    draws: o.draws,
    cleanAccuracy: rateOf(correct.filter(Boolean).length, n),
  };
}

/** One other model's result for a patch trained on the source model (transfer). */
export interface PatchTransfer {
  /** The other model's card name and fingerprint. */
  model: string;
  fingerprint: string;
  evaluation: PatchEvaluation;
}

/**
 * Transfer: the patch, trained against one model, pasted and measured on others exactly as on
 * the source (same held-out images, same counting; each model gets the draws of `rngFor(i)`,
 * so a model's figure does not depend on which others are listed). A model must take the same
 * input size and channels and have the target class among its outputs.
 */
export async function evaluatePatchTransfer(o: Omit<PatchEvalOptions, 'classifier' | 'rng'> & { models: readonly Classifier[]; rngFor: (index: number) => Rng }): Promise<PatchTransfer[]> {
  const [, h, w, c] = o.data.images.shape;
  const out: PatchTransfer[] = [];
  for (const [i, m] of o.models.entries()) {
    const s = m.inputSpec;
    if (s.height !== h || s.width !== w || s.channels !== c) {
      throw new PrintshotError(ERROR_CODES.badModel, `transfer model ${m.card.name} takes ${s.width}×${s.height}×${s.channels} images; the patch was made for ${w}×${h}×${c}`, 'name models with the same input size and channels');
    }
    if (o.params.target !== 'untargeted' && o.params.target >= m.labels.length) {
      throw new PrintshotError(ERROR_CODES.badModel, `transfer model ${m.card.name} has ${m.labels.length} classes, so no target class ${o.params.target}`);
    }
    out.push({ model: m.card.name, fingerprint: m.fingerprint, evaluation: await evaluatePatch({ ...o, classifier: m, rng: o.rngFor(i) }) });
  }
  return out;
}
