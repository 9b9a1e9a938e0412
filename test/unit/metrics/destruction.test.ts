import { describe, expect, it } from 'vitest';
import { destructionRate, destructionRateAtK, destructionRatesTop1Top5 } from '../../../src/metrics';

const T = true;
const F = false;

describe('destructionRate (Eq. 1)', () => {
  it('counts only clean-right / adversarial-wrong images in the denominator', () => {
    // image: 0 qualifies+restored, 1 qualifies+not restored, 2 clean wrong (ignored even though
    // T is right), 3 adversarial still right (ignored), 4 qualifies+restored.
    const r = destructionRate({
      cleanCorrect: [T, T, F, T, T],
      advCorrect: [F, F, F, T, F],
      transformedCorrect: [T, F, T, T, T],
    });
    expect(r.numerator).toBe(2);
    expect(r.denominator).toBe(3);
    expect(r.rate).toBeCloseTo(2 / 3, 12);
    expect(r.ci!.low).toBeLessThan(2 / 3);
    expect(r.ci!.high).toBeGreaterThan(2 / 3);
  });

  it('is 0 when nothing is restored and 1 when everything is', () => {
    expect(destructionRate({ cleanCorrect: [T, T], advCorrect: [F, F], transformedCorrect: [F, F] }).rate).toBe(0);
    expect(destructionRate({ cleanCorrect: [T, T], advCorrect: [F, F], transformedCorrect: [T, T] }).rate).toBe(1);
  });

  it('gives null rate and ci when the denominator is empty', () => {
    const r = destructionRate({ cleanCorrect: [F, T], advCorrect: [F, T], transformedCorrect: [T, T] });
    expect(r).toEqual({ numerator: 0, denominator: 0, rate: null, ci: null });
    expect(destructionRate({ cleanCorrect: [], advCorrect: [], transformedCorrect: [] }).rate).toBeNull();
  });

  it('rejects mismatched lengths', () => {
    expect(() => destructionRate({ cleanCorrect: [T], advCorrect: [], transformedCorrect: [T] })).toThrow(/equal-length/);
  });
});

describe('destruction from ranked predictions', () => {
  // Labels are all 7. Ranked lists are top-5 class indices, best first.
  const labels = [7, 7, 7, 7];
  const clean = [
    [7, 1, 2, 3, 4], // top-1 right
    [7, 1, 2, 3, 4], // top-1 right
    [1, 7, 2, 3, 4], // top-1 wrong, top-5 right
    [7, 1, 2, 3, 4], // top-1 right
  ];
  const adversarial = [
    [1, 7, 2, 3, 4], // top-1 wrong, top-5 right -> only in the top-1 denominator
    [1, 2, 3, 4, 5], // wrong at both -> in both denominators
    [1, 2, 3, 4, 5], // wrong at both, but clean top-1 was wrong -> only top-5 denominator
    [7, 1, 2, 3, 4], // still right -> in neither
  ];
  const transformed = [
    [7, 1, 2, 3, 4], // restored at top-1
    [2, 3, 7, 4, 5], // restored only at top-5
    [2, 3, 4, 5, 7], // restored at top-5
    [1, 2, 3, 4, 5],
  ];
  const sets = { clean, adversarial, transformed, labels };

  it('uses separate C and denominators for top-1 and top-5', () => {
    const { top1, top5 } = destructionRatesTop1Top5(sets);
    // top-1: denominator {0, 1}; restored: 0 -> 1/2
    expect(top1).toMatchObject({ numerator: 1, denominator: 2, rate: 0.5 });
    // top-5: clean right {0,1,2,3}, adversarial wrong {1,2}; restored both -> 2/2
    expect(top5).toMatchObject({ numerator: 2, denominator: 2, rate: 1 });
  });

  it('works at any k and checks list lengths', () => {
    expect(destructionRateAtK(sets, 3)).toMatchObject({ numerator: 1, denominator: 2 });
    expect(() => destructionRateAtK({ ...sets, labels: [7] }, 1)).toThrow(/one prediction per label/);
    expect(() => destructionRateAtK({ ...sets, clean: clean.map((r) => r.slice(0, 2)) }, 5)).toThrow(/at least 5/);
  });
});
