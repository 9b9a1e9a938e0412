/**
 * The robustness suite's pure parts: the per-image worst-case aggregation on synthetic per-attack
 * results (known answers), the minimal-perturbation summary, the curves CSV and the report tables.
 * The suite on the bundled models is in robustness-suite-models.test.ts (slow suite).
 */
import { describe, expect, it } from 'vitest';
import { suiteTables } from '../../../src/reports/robustness-curves';
import { rateOf } from '../../../src/metrics/attack-summary';
import { quantile, summarizeMinimal } from '../../../src/services/robustness-minimal';
import { curvesCsv, suiteAttacks, worstCase, type SuiteModelOutcome } from '../../../src/services/robustness-suite';

describe('worstCase', () => {
  it('counts an image robust only if every attack fails, credits the first attack in order, and never attacks a broken or clean-misclassified image', async () => {
    // 8 images: 1 and 6 misclassified before any attack. Which images each attack WOULD break if asked:
    const wouldBreak: Record<string, Set<number>> = { a: new Set([0, 1, 2]), b: new Set([2, 3, 6]), c: new Set([3, 4]) };
    const cleanCorrect = [true, false, true, true, true, true, false, true];
    const asked: Record<string, number[]> = {};
    const wc = await worstCase(cleanCorrect, ['a', 'b', 'c'], async (method, indices) => {
      asked[method] = indices;
      return indices.map((i) => wouldBreak[method].has(i));
    });
    expect(asked).toEqual({ a: [0, 2, 3, 4, 5, 7], b: [3, 4, 5, 7], c: [4, 5, 7] });
    expect(wc.brokenBy).toEqual(['a', 'clean', 'a', 'b', 'c', null, 'clean', null]);
    expect(wc.attacks).toEqual([
      { method: 'a', attacked: 6, broken: 2 },
      { method: 'b', attacked: 4, broken: 1 },
      { method: 'c', attacked: 3, broken: 1 },
    ]);
  });

  it('stops asking once nothing is robust, and rejects an attack that answers for the wrong images', async () => {
    const asked: string[] = [];
    const wc = await worstCase([true, true], ['a', 'b'], async (m, idx) => (asked.push(m), idx.map(() => true)));
    expect(asked).toEqual(['a']);
    expect(wc.attacks[1]).toEqual({ method: 'b', attacked: 0, broken: 0 });
    await expect(worstCase([true, true], ['a'], async () => [true])).rejects.toThrow(/a answered for 1 of 2 images/);
  });

  it("runs AutoAttack's order", () => {
    expect(suiteAttacks('standard').filter((a) => a !== 'fab')).toEqual(['apgd-ce', 'apgd-t', 'square']);
    expect(suiteAttacks('rand')).toEqual(['apgd-ce', 'apgd-dlr']);
  });
});

describe('summarizeMinimal', () => {
  it('gives quartiles of the found norms, Szegedy distortion and a CDF over all attacked images', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    const dims = 784;
    const found = [10, 20, 30, 40, 50].map((l2) => ({ l2, linf: l2 / 10, dims }));
    const s = summarizeMinimal('cw-l2', found, 10, 1);
    expect(s.found).toBe(5);
    expect(s.l2).toEqual({ q1: 20, median: 30, q3: 40 });
    expect(s.linf?.median).toBe(3);
    expect(s.distortion).toBeCloseTo(30 / 255 / 28, 12);
    // Half the attacked images were never broken: the CDF tops out at 0.5.
    expect(s.cdf.at(-1)).toEqual({ x: 50, share: 0.5 });
    expect(s.cdf.every((p, i) => i === 0 || (p.x > s.cdf[i - 1].x && p.share >= s.cdf[i - 1].share))).toBe(true);
    const none = summarizeMinimal('lbfgs', [], 4, 0);
    expect([none.l2, none.distortion, none.cdf]).toEqual([null, null, []]);
  });
});

describe('curves CSV and report tables', () => {
  const point = (eps: number, robust: number) => ({
    eps,
    clean: rateOf(9, 10),
    robust: rateOf(robust, 10),
    fgsm: rateOf(7, 10),
    brokenBy: { clean: 1, 'apgd-ce': 8 - robust, square: 1 },
    attacks: [
      { method: 'apgd-ce', attacked: 9, broken: 8 - robust, seconds: 1.5, queries: null },
      { method: 'square', attacked: robust + 1, broken: 1, seconds: 2, queries: 300 },
    ],
  });
  const model = { name: 'm, "q"', defence: null, suite: { name: 'standard' as const, attacks: ['apgd-ce', 'square'], points: [point(4, 5), point(8, 2)], randomness: '' }, minimal: [] } as unknown as SuiteModelOutcome;

  it('writes one CSV row per (model, eps), quoting names', () => {
    const lines = curvesCsv({ suite: 'standard', models: [model] }).trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('model,defence,suite,eps,images,clean_correct,robust,robust_accuracy,ci_low,ci_high,fgsm_accuracy,broken_by');
    expect(lines[2]).toMatch(/^"m, ""q""",,standard,8,10,9,2,0\.2,0\.05\d+,0\.5\d+,0\.7,clean:1 apgd-ce:6 square:1$/);
  });

  it('lays the suite out with counts, intervals and broken-by columns', () => {
    const [t] = suiteTables([model]);
    expect(t.id).toBe('robustness-suite');
    expect(t.rows.map((r) => r.label)).toEqual(['m, "q" · eps=4', 'm, "q" · eps=8']);
    expect(t.rows[1].cells.robust).toMatchObject({ value: 0.2, numerator: 2, denominator: 10 });
    expect(t.rows[1].cells['by:apgd-ce']?.value).toBe(6);
    expect(t.rows[1].cells.seconds?.value).toBe(3.5);
    expect(t.rows[1].cells.queries?.value).toBe(300);
  });
});
