/**
 * Turning a classifier's output row into ranked predictions, and top-k accuracy.
 * Ranking is the same for logits and probabilities (softmax is monotonic); ties go to the lower
 * class index so results never depend on sort stability.
 */
import { PrintshotError } from '../shared';
import { wilsonInterval, type Interval } from './wilson';

/** Numerically stable softmax (subtracts the max first). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Indices of the k largest entries of a row, best first (ties: lower index first). */
export function topK(row: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new PrintshotError('bad-argument', `k must be a positive integer (got ${k})`);
  const kk = Math.min(k, row.length);
  // Partial insertion sort: O(n k), cheaper than a full sort for k = 5 over 1000 classes.
  const best: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (best.length === kk && !(v > row[best[kk - 1]])) continue;
    let j = best.length < kk ? best.length : kk - 1;
    best[j] = i;
    while (j > 0 && v > row[best[j - 1]]) {
      best[j] = best[j - 1];
      best[j - 1] = i;
      j--;
    }
  }
  return best;
}

export interface RankedPrediction {
  /** Class indices, most probable first (at least the k asked for). */
  topK: number[];
  /** Probability of topK[0], the confidence the prefiltered case thresholds. */
  topProb: number;
}

/** Rank a probability row (use softmax() first if you hold logits). */
export function rankPrediction(probs: ArrayLike<number>, k = 5): RankedPrediction {
  const top = topK(probs, k);
  return { topK: top, topProb: top.length ? probs[top[0]] : NaN };
}

/** C(X, y) of Eq. (1) at k: true when the label is among the first k ranked classes. */
export function correctAtK(ranked: readonly number[], label: number, k: number): boolean {
  if (ranked.length < k) {
    throw new PrintshotError('bad-argument', `need at least ${k} ranked classes to judge top-${k} (got ${ranked.length})`);
  }
  for (let i = 0; i < k; i++) if (ranked[i] === label) return true;
  return false;
}

export interface AccuracyResult {
  correct: number;
  total: number;
  /** correct / total; null when there are no images. */
  accuracy: number | null;
  /** 95% Wilson interval; null when there are no images. */
  ci: Interval | null;
}

export function accuracy(predTopK: readonly (readonly number[])[], labels: readonly number[], k: number): AccuracyResult {
  if (predTopK.length !== labels.length) {
    throw new PrintshotError('bad-argument', `${predTopK.length} predictions but ${labels.length} labels`);
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (correctAtK(predTopK[i], labels[i], k)) correct++;
  const total = labels.length;
  return { correct, total, accuracy: total ? correct / total : null, ci: wilsonInterval(correct, total) };
}
