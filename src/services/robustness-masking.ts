/**
 * The measurements the masking checks (src/metrics/masking.ts) need beyond the comparison's own
 * grid, each cheap next to the grid itself: the input gradient of the attacks' loss at the clean
 * images, one unbounded BIM on a few correctly classified images (AutoAttack's sanity check), and
 * the first model's adversarial images classified by every other model (a transfer attack, which
 * Carlini et al. expect to be weaker than white-box unless gradients are masked).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attackImages, getAttack, lossGradient } from '../attacks';
import { imagesToTensor, predictProbabilities } from '../inference';
import { VANISHING_GRADIENT, maskingChecks, type GradientStats, type MaskingModel, type MaskingWarning, type TransferCell, type UnboundedCheck } from '../metrics/masking';
import type { LoadedClassifier } from '../model';
import { attackLabel } from '../reports/robustness-table';
import { createRng, type Image8, type LabeledImage } from '../shared';

/** BIM with no bound: 40 steps of 8 levels cover the whole 0..255 range (≈1 s on 8 images of the bundled CNN). */
export const UNBOUNDED_ATTACK = { method: 'bim', params: { eps: 255, alpha: 8, iterations: 40 } } as const;
/** How many correctly classified images the unbounded attack gets. */
export const UNBOUNDED_IMAGES = 8;
/** The gradient statistics look at no more than this many images (a full test set needs no more). */
export const GRADIENT_IMAGES = 512;
/** Adversarial images kept for the transfer check, in bytes (beyond it the check is skipped). */
const TRANSFER_BYTES = 64 * 2 ** 20;

/**
 * Everything the checks measure on one model, for the grid and the suite alike: its input gradients,
 * the unbounded attack on images whose clean top-1 (`cleanTop1`) is right, and the transfer source's
 * examples classified by it.
 */
export async function maskingProbes(
  model: LoadedClassifier,
  items: readonly LabeledImage[],
  cleanTop1: readonly number[],
  seed: number,
  opts: { batchSize?: number; signal?: AbortSignal },
  transferSource: TransferSource | null,
): Promise<{ gradient: GradientStats; unbounded: UnboundedCheck | null; transfer: TransferCell[] }> {
  const transfer = await transferCells(model, items, transferSource);
  return { gradient: await gradientStats(model, items, opts.batchSize), unbounded: await unboundedCheck(model, items, cleanTop1, seed, opts.signal), transfer };
}

/** max |∂L/∂x| per image of the attacks' cross-entropy at the clean images, summarised. */
export async function gradientStats(model: LoadedClassifier, items: readonly LabeledImage[], batchSize = 32): Promise<GradientStats> {
  const used = items.slice(0, GRADIENT_IMAGES);
  const maxAbs: number[] = [];
  for (let start = 0; start < used.length; start += batchSize) {
    const batch = used.slice(start, start + batchSize);
    const m = tf.tidy(() => tf.max(tf.abs(lossGradient(model, imagesToTensor(batch.map((i) => i.image)), Int32Array.from(batch, (i) => i.label))), [1, 2, 3]));
    maxAbs.push(...(await m.data()));
    m.dispose();
  }
  const sorted = [...maxAbs].sort((a, b) => a - b);
  return { images: used.length, vanishing: maxAbs.filter((g) => g < VANISHING_GRADIENT).length, medianMaxAbs: sorted.length ? sorted[sorted.length >> 1] : 0 };
}

/** The unbounded attack on the first few images the model gets right; null when it gets none right. */
export async function unboundedCheck(model: LoadedClassifier, items: readonly LabeledImage[], cleanTop1: readonly number[], seed: number, signal?: AbortSignal): Promise<UnboundedCheck | null> {
  const picked = items.filter((it, i) => cleanTop1[i] === it.label).slice(0, UNBOUNDED_IMAGES);
  if (!picked.length) return null;
  const rows = await attackImages(getAttack(UNBOUNDED_ATTACK.method), UNBOUNDED_ATTACK.params, picked, { classifier: model, rng: createRng(seed), signal });
  return { method: UNBOUNDED_ATTACK.method, eps: UNBOUNDED_ATTACK.params.eps, images: rows.length, fooled: rows.filter((r) => r.success).length };
}

/** The first model's adversarial images of every cell, kept for the other models to classify. */
export interface TransferSource {
  name: string;
  fingerprint: string;
  relPaths: string[];
  cells: { method: string; eps: number; adversarial: Image8[] }[];
  /** Set once the images outgrew TRANSFER_BYTES: no transfer check then. */
  full?: boolean;
}

/** Keeps a cell's images for the transfer check; past TRANSFER_BYTES (a large test set) the check is dropped. */
export function keepForTransfer(source: TransferSource, method: string, eps: number, adversarial: Image8[]): void {
  if (source.full) return;
  const bytes = [...source.cells, { adversarial }].reduce((s, c) => s + c.adversarial.reduce((t, im) => t + im.data.length, 0), 0);
  if (bytes > TRANSFER_BYTES) {
    source.full = true;
    source.cells = [];
  } else source.cells.push({ method, eps, adversarial });
}

/** The source's adversarial images classified by `model` (same image files and input size only). */
export async function transferCells(model: LoadedClassifier, items: readonly LabeledImage[], source: TransferSource | null): Promise<TransferCell[]> {
  if (!source || source.full || source.fingerprint === model.fingerprint || source.relPaths.length !== items.length) return [];
  if (source.relPaths.some((p, i) => p !== items[i].relPath)) return [];
  const out: TransferCell[] = [];
  for (const c of source.cells) {
    const first = c.adversarial[0];
    const mine = items[0]?.image;
    if (!first || !mine || first.width !== mine.width || first.height !== mine.height || first.channels !== mine.channels) return [];
    const probs = await predictProbabilities(model, c.adversarial);
    const correct = probs.filter((p, i) => argmax(p) === items[i].label).length;
    out.push({ source: source.name, method: c.method, eps: c.eps, images: items.length, advTop1Correct: correct });
  }
  return out;
}

function argmax(p: Float32Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** What the checks read from a model's outcome in the comparison. */
export interface MaskingOutcome {
  name: string;
  cells: { method: string; eps: number; attack: { images: number; advTop1Correct: number; meanLinf: number } }[];
  gradient?: GradientStats | null;
  unbounded?: UnboundedCheck | null;
  transfer?: TransferCell[];
}

/** The checks over a comparison's models, attacks named as the tables name them. */
export function robustnessMasking(models: readonly MaskingOutcome[]): MaskingWarning[] {
  const input: MaskingModel[] = models.map((m) => ({
    name: m.name,
    cells: m.cells.map((c) => ({ method: c.method, eps: c.eps, images: c.attack.images, advTop1Correct: c.attack.advTop1Correct, meanLinf: c.attack.meanLinf })),
    gradient: m.gradient ?? null,
    unbounded: m.unbounded ?? null,
    transfer: m.transfer ?? [],
  }));
  return maskingChecks(input, { label: attackLabel });
}
