import { describe, expect, it } from 'vitest';
import { imageOutcome, summarizeAttack, type AttackSummaryRow } from '../../../src/metrics/attack-summary';

/** One per-image row in the run manifest's shape: true label, clean and adversarial top-1. */
function row(label: number, clean: number, adv: number, opts: { target?: number; linf?: number; l2?: number } = {}): AttackSummaryRow {
  const success = opts.target === undefined ? adv !== label : adv === opts.target;
  return { label, success, linf: opts.linf ?? 4, l2: opts.l2 ?? 2, cleanTop5: [{ label: clean }], advTop5: [{ label: adv }] };
}

// The case: 8 images, 5 right before the attack, 4 of those fooled; the 3 already wrong
// stay wrong, so the raw count says 7/8 "fooled".
const EIGHT = [
  row(0, 0, 1),
  row(1, 1, 2),
  row(2, 2, 3),
  row(3, 3, 4),
  row(4, 4, 4), // resisted
  row(5, 6, 6), // already misclassified (like "Ankle boot: Sandal → Sandal")
  row(6, 7, 8),
  row(7, 8, 8),
];

describe('summarizeAttack', () => {
  it('counts success among originally correct images: 4/5 = 80 % with its Wilson interval', () => {
    const s = summarizeAttack(EIGHT);
    expect(s.images).toBe(8);
    expect(s.cleanTop1Correct).toBe(5);
    expect(s.alreadyMisclassified).toBe(3);
    expect(s.attackSuccess.count).toBe(4);
    expect(s.attackSuccess.total).toBe(5);
    expect(s.attackSuccess.rate).toBeCloseTo(0.8, 12);
    // Wilson, z = 1.959964, z² = 3.841459, k = 4, n = 5, p = 0.8:
    //   denom  = 1 + z²/n               = 1.768292
    //   centre = (p + z²/2n) / denom    = (0.8 + 0.384146) / 1.768292 = 0.669654
    //   half   = z/denom · √(p(1−p)/n + z²/4n²) = 1.108391 · √(0.032 + 0.038415) = 0.294119
    //   → [0.375535, 0.963773]
    expect(s.attackSuccess.ci!.low).toBeCloseTo(0.375535, 5);
    expect(s.attackSuccess.ci!.high).toBeCloseTo(0.963773, 5);
  });

  it('keeps the raw count (7/8, already-wrong images included) under its own name', () => {
    const s = summarizeAttack(EIGHT);
    expect(s.successes).toBe(7);
    expect(s.rawSuccess.count).toBe(7);
    expect(s.rawSuccess.total).toBe(8);
    expect(s.successRate).toBeCloseTo(0.875, 12);
  });

  it('reports adversarial accuracy over all images with an interval', () => {
    const s = summarizeAttack(EIGHT);
    expect(s.advTop1Correct).toBe(1);
    expect(s.adversarialAccuracy).toMatchObject({ count: 1, total: 8, rate: 0.125 });
    expect(s.adversarialAccuracy.ci!.low).toBeGreaterThan(0);
    expect(s.adversarialAccuracy.ci!.low).toBeLessThan(0.125);
    expect(s.adversarialAccuracy.ci!.high).toBeGreaterThan(0.125);
    expect(s.cleanAccuracy).toMatchObject({ count: 5, total: 8, rate: 0.625 });
  });

  it('accepts the attack result shape (cleanTop/advTop) and averages the distances', () => {
    const rows = EIGHT.map((r, i) => ({ label: r.label, success: r.success, linf: i, l2: 2 * i, cleanTop: r.cleanTop5!, advTop: r.advTop5! }));
    const s = summarizeAttack(rows);
    expect(s.attackSuccess).toMatchObject({ count: 4, total: 5 });
    expect(s.meanLinf).toBeCloseTo(3.5, 12);
    expect(s.meanL2).toBeCloseTo(7, 12);
  });

  it('targeted success among correct images counts only hits on the target', () => {
    const rows = [row(0, 0, 9, { target: 9 }), row(1, 1, 5, { target: 9 }), row(2, 3, 9, { target: 9 })];
    const s = summarizeAttack(rows);
    expect(s.attackSuccess).toMatchObject({ count: 1, total: 2 });
    expect(s.rawSuccess).toMatchObject({ count: 2, total: 3 });
  });

  it('an empty run has no rate and no interval rather than 0 %', () => {
    const s = summarizeAttack([]);
    expect(s.attackSuccess).toEqual({ count: 0, total: 0, rate: null, ci: null });
    expect(s.successRate).toBe(0);
  });
});

describe('imageOutcome', () => {
  it('never calls an image wrong before the attack "fooled"', () => {
    expect(EIGHT.map(imageOutcome)).toEqual([
      'fooled',
      'fooled',
      'fooled',
      'fooled',
      'resisted',
      'already misclassified',
      'already misclassified',
      'already misclassified',
    ]);
  });
});
