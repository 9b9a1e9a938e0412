import { describe, expect, it } from 'vitest';
import { accuracy, correctAtK, rankPrediction, softmax, topK } from '../../../src/metrics';

describe('topK / softmax / accuracy', () => {
  it('ranks best first and breaks ties by lower index', () => {
    expect(topK([0.1, 0.5, 0.2, 0.5, 0.0], 3)).toEqual([1, 3, 2]);
    expect(topK([3, 1, 2], 5)).toEqual([0, 2, 1]);
    expect(topK([-1, -5, 10, 2], 1)).toEqual([2]);
    expect(() => topK([1], 0)).toThrow(/positive integer/);
  });

  it('ranks logits and their softmax identically', () => {
    const logits = [2.5, -1, 7, 0.3, 7, 4];
    const p = softmax(logits);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(topK(p, 6)).toEqual(topK(logits, 6));
    // Stable for huge logits.
    expect(Array.from(softmax([1000, 1000]))).toEqual([0.5, 0.5]);
  });

  it('rankPrediction reports the top probability', () => {
    expect(rankPrediction([0.1, 0.85, 0.05], 2)).toEqual({ topK: [1, 0], topProb: 0.85 });
  });

  it('accuracy counts top-k hits with an interval', () => {
    const preds = [
      [1, 2, 3, 4, 5],
      [2, 1, 3, 4, 5],
      [9, 8, 7, 6, 1],
      [0, 0, 0, 0, 0],
    ];
    const labels = [1, 1, 1, 1];
    expect(accuracy(preds, labels, 1)).toMatchObject({ correct: 1, total: 4, accuracy: 0.25 });
    expect(accuracy(preds, labels, 5)).toMatchObject({ correct: 3, total: 4, accuracy: 0.75 });
    expect(accuracy([], [], 1)).toEqual({ correct: 0, total: 0, accuracy: null, ci: null });
    expect(() => accuracy(preds, [1], 1)).toThrow(/labels/);
    expect(correctAtK([3, 1], 1, 2)).toBe(true);
  });
});
