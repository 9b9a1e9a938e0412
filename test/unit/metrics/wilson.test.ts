import { describe, expect, it } from 'vitest';
import { wilsonInterval, Z_95 } from '../../../src/metrics';

describe('wilsonInterval', () => {
  it('matches known 95% values', () => {
    const ci = wilsonInterval(8, 10)!;
    expect(ci.low).toBeCloseTo(0.4902, 4);
    expect(ci.high).toBeCloseTo(0.9433, 4);
    const half = wilsonInterval(51, 102)!;
    expect(half.low).toBeCloseTo(0.40474, 5);
    expect(half.high).toBeCloseTo(0.59526, 5);
  });

  it('pins the bounds at k = 0 and k = n', () => {
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.27753, 5) });
    const all = wilsonInterval(10, 10)!;
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.72247, 5);
  });

  it('returns null for n = 0', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('takes a configurable z (90% interval is narrower)', () => {
    const ci90 = wilsonInterval(8, 10, 1.6448536269514722)!;
    expect(ci90.low).toBeCloseTo(0.54079, 5);
    expect(ci90.high).toBeCloseTo(0.93144, 5);
    expect(Z_95).toBeCloseTo(1.96, 2);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/0 <= k <= n/);
    expect(() => wilsonInterval(-1, 10)).toThrow(/0 <= k <= n/);
    expect(() => wilsonInterval(1.5, 10)).toThrow(/integers/);
    expect(() => wilsonInterval(1, 10, 0)).toThrow(/z must be/);
  });
});
