/**
 * RP2's conditional success rule and the per-condition breakdown, on a hand-made table whose
 * answers are counted by hand below.
 */
import { describe, expect, it } from 'vitest';
import { conditionalSuccess, resultsByCondition, type PairObservation } from '../../../src/metrics/conditional';

// label 1 throughout; columns: digital clean, digital adv, photo clean, photo adv.
const row = (condition: string, dc: number | null, da: number | null, pc: number | null, pa: number | null): PairObservation => ({
  condition,
  label: 1,
  digitalClean: dc,
  digitalAdv: da,
  photoClean: pc,
  photoAdv: pa,
});

const table: PairObservation[] = [
  // near: clean photo right in 3 of 4 pairs; of those, adv wrong in 2 → 2/3.
  row('distance=5ft', 1, 0, 1, 0),
  row('distance=5ft', 1, 0, 1, 1),
  row('distance=5ft', 1, 0, 1, 7),
  row('distance=5ft', 1, 0, 4, 0), // clean photo wrong: not counted by RP2, still a Kurakin pair
  // far: clean photo right in 1 pair (adv right: no success); one pair lacks its clean photo.
  row('distance=40ft', 1, 0, 1, 1),
  row('distance=40ft', 1, 0, null, 0),
  row('distance=40ft', 0, 0, 0, 0), // digital clean wrong: outside Eq. (1)
];

describe('conditional success (RP2)', () => {
  it('counts an adversarial success only where the clean photo of the same pair is right', () => {
    const near = conditionalSuccess(table.filter((o) => o.condition === 'distance=5ft'));
    expect([near.numerator, near.denominator]).toEqual([2, 3]);
    expect(near.rate).toBeCloseTo(2 / 3, 12);
    expect(near.ci!.low).toBeLessThan(2 / 3);
    expect(near.ci!.high).toBeGreaterThan(2 / 3);
    const far = conditionalSuccess(table.filter((o) => o.condition === 'distance=40ft'));
    expect([far.numerator, far.denominator]).toEqual([0, 1]);
  });

  it('no eligible pair gives an undefined rate, not 0', () => {
    const r = conditionalSuccess([row('x', 1, 0, 0, 0)]);
    expect(r).toMatchObject({ numerator: 0, denominator: 0, rate: null, ci: null });
  });

  it('breaks accuracy, Kurakin destruction and RP2 success down by condition', () => {
    const [near, far] = resultsByCondition(table);
    expect(near.condition).toBe('distance=5ft');
    expect(near.observations).toBe(4);
    expect([near.cleanAccuracy.numerator, near.cleanAccuracy.denominator]).toEqual([3, 4]);
    expect([near.advAccuracy.numerator, near.advAccuracy.denominator]).toEqual([1, 4]);
    // Eq. (1): all 4 pairs are digital clean-right/adv-wrong; the photo makes 1 right again.
    expect([near.destruction.numerator, near.destruction.denominator]).toEqual([1, 4]);
    expect([near.conditionalSuccess.numerator, near.conditionalSuccess.denominator]).toEqual([2, 3]);
    expect(far.condition).toBe('distance=40ft');
    expect([far.cleanAccuracy.numerator, far.cleanAccuracy.denominator]).toEqual([1, 2]);
    expect([far.destruction.numerator, far.destruction.denominator]).toEqual([1, 2]);
    expect([far.conditionalSuccess.numerator, far.conditionalSuccess.denominator]).toEqual([0, 1]);
  });
});
