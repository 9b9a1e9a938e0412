/**
 * The paper's two ways of picking the images of an experiment (§3.2):
 * - average case: n images drawn at random ("the world picks the image");
 * - prefiltered case: clean correct and digital adversarial wrong in both top-1 and top-5, with a
 *   confidence filter p(top prediction) >= 0.8.
 * The paper does not say which image the 0.8 applies to. Default 'both': the clean image must be
 * confidently right AND the adversarial image confidently wrong, the strictest reading, matching
 * Table 2's "confidently misclassified" caption and an attacker who checks both in advance.
 * 'clean' or 'adversarial' relax it to one side.
 */
import { PrintshotError, type Rng } from '../shared';
import { correctAtK, type RankedPrediction } from './ranking';

export type ConfidenceOn = 'clean' | 'adversarial' | 'both';

export interface PrefilterOptions {
  /** Minimum probability of the top prediction (default 0.8). */
  minConfidence?: number;
  /** Which image(s) the confidence filter applies to (default 'both'). */
  confidenceOn?: ConfidenceOn;
}

export interface PrefilterInput {
  labels: readonly number[];
  /** Ranked predictions (at least top-5) for the clean digital images. */
  clean: readonly RankedPrediction[];
  /** Ranked predictions (at least top-5) for the digital adversarial images. */
  adversarial: readonly RankedPrediction[];
}

/** Indices (ascending) of images eligible for the prefiltered case. */
export function selectPrefiltered(input: PrefilterInput, opts: PrefilterOptions = {}): number[] {
  const { labels, clean, adversarial } = input;
  const minConfidence = opts.minConfidence ?? 0.8;
  const on = opts.confidenceOn ?? 'both';
  if (clean.length !== labels.length || adversarial.length !== labels.length) {
    throw new PrintshotError(
      'bad-argument',
      `prefilter needs one prediction per label (labels ${labels.length}, clean ${clean.length}, adversarial ${adversarial.length})`,
    );
  }
  if (!['clean', 'adversarial', 'both'].includes(on)) {
    throw new PrintshotError('bad-argument', `confidenceOn must be 'clean', 'adversarial' or 'both' (got '${String(on)}')`);
  }
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const c = clean[i];
    const a = adversarial[i];
    // Clean top-1 right implies top-5 right and adversarial top-5 wrong implies top-1 wrong, but
    // all four conditions are spelled out to mirror the paper's wording.
    const correctness = correctAtK(c.topK, y, 1) && correctAtK(c.topK, y, 5) && !correctAtK(a.topK, y, 1) && !correctAtK(a.topK, y, 5);
    if (!correctness) continue;
    if (on !== 'adversarial' && !(c.topProb >= minConfidence)) continue;
    if (on !== 'clean' && !(a.topProb >= minConfidence)) continue;
    out.push(i);
  }
  return out;
}

/**
 * n distinct entries of `candidates` chosen uniformly with a seeded rng (partial Fisher-Yates),
 * returned in ascending order so the image order of the experiment stays stable. Returns all
 * candidates when there are n or fewer.
 */
export function sampleIndices(candidates: readonly number[], n: number, rng: Rng): number[] {
  if (!Number.isInteger(n) || n < 0) throw new PrintshotError('bad-argument', `sample size must be a non-negative integer (got ${n})`);
  const pool = [...candidates];
  const m = Math.min(n, pool.length);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, m).sort((x, y) => x - y);
}

/** Average case: n random indices out of 0..total-1 (all of them when n >= total). */
export function selectAverage(total: number, n: number, rng: Rng): number[] {
  if (!Number.isInteger(total) || total < 0) throw new PrintshotError('bad-argument', `total must be a non-negative integer (got ${total})`);
  return sampleIndices(Array.from({ length: total }, (_, i) => i), n, rng);
}
