import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { destructionRate, imageNorms, psnr, ssim, topK, wilsonInterval } from '../../../src/metrics';
import { makeImage8 } from '../../../src/shared';

const triples = fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), { maxLength: 60 });

/** Two same-shaped 8-bit images. */
const imagePair = fc
  .record({ w: fc.integer({ min: 1, max: 6 }), h: fc.integer({ min: 1, max: 6 }), c: fc.constantFrom(1 as const, 3 as const, 4 as const) })
  .chain(({ w, h, c }) =>
    fc.tuple(
      fc.uint8Array({ minLength: w * h * c, maxLength: w * h * c }),
      fc.uint8Array({ minLength: w * h * c, maxLength: w * h * c }),
    ).map(([a, b]) => ({ a: makeImage8(w, h, c, a), b: makeImage8(w, h, c, b) })),
  );

describe('metric properties', () => {
  it('destruction: numerator <= denominator, rate in [0,1] inside its interval', () => {
    fc.assert(
      fc.property(triples, (t) => {
        const r = destructionRate({
          cleanCorrect: t.map((x) => x[0]),
          advCorrect: t.map((x) => x[1]),
          transformedCorrect: t.map((x) => x[2]),
        });
        expect(r.numerator).toBeLessThanOrEqual(r.denominator);
        expect(r.denominator).toBe(t.filter(([c, a]) => c && !a).length);
        if (r.denominator === 0) {
          expect(r.rate).toBeNull();
          expect(r.ci).toBeNull();
        } else {
          expect(r.rate!).toBeGreaterThanOrEqual(0);
          expect(r.rate!).toBeLessThanOrEqual(1);
          expect(r.ci!.low).toBeLessThanOrEqual(r.rate! + 1e-12);
          expect(r.ci!.high).toBeGreaterThanOrEqual(r.rate! - 1e-12);
        }
      }),
    );
  });

  it('wilson interval lies in [0,1] and contains k/n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const k = Math.round(f * n);
        const ci = wilsonInterval(k, n)!;
        expect(ci.low).toBeGreaterThanOrEqual(0);
        expect(ci.high).toBeLessThanOrEqual(1);
        expect(ci.low).toBeLessThanOrEqual(k / n + 1e-12);
        expect(ci.high).toBeGreaterThanOrEqual(k / n - 1e-12);
      }),
    );
  });

  it('norms: Linf >= every |diff|, L2^2 <= L0 * Linf^2, L0 counts changes', () => {
    fc.assert(
      fc.property(imagePair, ({ a, b }) => {
        const n = imageNorms(a, b);
        let changed = 0;
        for (let i = 0; i < a.data.length; i++) {
          const d = Math.abs(a.data[i] - b.data[i]);
          expect(n.linf).toBeGreaterThanOrEqual(d);
          if (d) changed++;
        }
        expect(n.l0).toBe(changed);
        expect(n.l2 * n.l2).toBeLessThanOrEqual(n.l0 * n.linf * n.linf + 1e-9);
        expect(n.l2).toBeGreaterThanOrEqual(n.linf);
        expect(imageNorms(b, a)).toEqual(n);
        if (n.l0 === 0) expect(psnr(a, b)).toBe(Infinity);
        else expect(psnr(a, b)).toBeGreaterThanOrEqual(-1e-9); // MSE <= 255^2, so PSNR >= 0 dB
      }),
    );
  });

  it('ssim is symmetric, at most 1, and 1 for identical images', () => {
    const big = fc.uint8Array({ minLength: 12 * 12, maxLength: 12 * 12 });
    fc.assert(
      fc.property(big, big, (x, y) => {
        const a = makeImage8(12, 12, 1, x);
        const b = makeImage8(12, 12, 1, y);
        const s = ssim(a, b);
        expect(s).toBeLessThanOrEqual(1 + 1e-12);
        expect(s).toBeCloseTo(ssim(b, a), 12);
        expect(ssim(a, a)).toBeCloseTo(1, 12);
      }),
      { numRuns: 50 },
    );
  });

  it('topK agrees with a full stable sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (row, k) => {
        const ref = row
          .map((v, i) => [v, i] as const)
          .sort((p, q) => q[0] - p[0] || p[1] - q[1])
          .slice(0, k)
          .map(([, i]) => i);
        expect(topK(row, k)).toEqual(ref);
      }),
    );
  });
});
