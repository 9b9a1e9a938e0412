import { describe, expect, it } from 'vitest';
import { sampleIndices, selectAverage, selectPrefiltered, type RankedPrediction } from '../../../src/metrics';
import { createRng } from '../../../src/shared';

const p = (topK: number[], topProb: number): RankedPrediction => ({ topK, topProb });
const RIGHT = [0, 1, 2, 3, 4]; // label 0 first
const WRONG = [5, 6, 7, 8, 9]; // label 0 absent from top-5
const WRONG_TOP1 = [5, 0, 7, 8, 9]; // label 0 in top-5 only

describe('selectPrefiltered', () => {
  const labels = [0, 0, 0, 0, 0, 0];
  const clean = [p(RIGHT, 0.9), p(RIGHT, 0.9), p(WRONG_TOP1, 0.9), p(RIGHT, 0.5), p(RIGHT, 0.95), p(RIGHT, 0.8)];
  const adversarial = [p(WRONG, 0.9), p(WRONG_TOP1, 0.9), p(WRONG, 0.9), p(WRONG, 0.9), p(WRONG, 0.3), p(WRONG, 0.8)];
  const input = { labels, clean, adversarial };

  it('needs clean right and adversarial wrong at top-1 and top-5, confidence on both by default', () => {
    // 0 ok; 1 adversarial still top-5 right; 2 clean top-1 wrong; 3 clean unconfident;
    // 4 adversarial unconfident; 5 exactly at the 0.8 threshold passes.
    expect(selectPrefiltered(input)).toEqual([0, 5]);
  });

  it('can apply the confidence filter to one side only', () => {
    expect(selectPrefiltered(input, { confidenceOn: 'clean' })).toEqual([0, 4, 5]);
    expect(selectPrefiltered(input, { confidenceOn: 'adversarial' })).toEqual([0, 3, 5]);
    expect(selectPrefiltered(input, { minConfidence: 0 })).toEqual([0, 3, 4, 5]);
    expect(() => selectPrefiltered(input, { confidenceOn: 'x' as never })).toThrow(/confidenceOn/);
    expect(() => selectPrefiltered({ ...input, labels: [0] })).toThrow(/one prediction per label/);
  });
});

describe('random selection', () => {
  it('is seeded, distinct, sorted and in range', () => {
    const a = selectAverage(1000, 102, createRng(7));
    expect(a).toEqual(selectAverage(1000, 102, createRng(7)));
    expect(a).not.toEqual(selectAverage(1000, 102, createRng(8)));
    expect(new Set(a).size).toBe(102);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a.every((i) => i >= 0 && i < 1000)).toBe(true);
  });

  it('returns everything when asked for more than there is', () => {
    expect(selectAverage(5, 10, createRng(1))).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices([9, 4, 6], 3, createRng(1))).toEqual([4, 6, 9]);
    expect(sampleIndices([9, 4, 6], 0, createRng(1))).toEqual([]);
    expect(() => selectAverage(5, -1, createRng(1))).toThrow(/non-negative/);
  });
});
