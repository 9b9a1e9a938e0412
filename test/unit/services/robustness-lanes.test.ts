/**
 * The suite's lanes (robustness-lanes.ts): the same bytes on one thread as on two (worker
 * threads take batches; the partition and streams depend only on seed, method and batch start),
 * and --minimal's check that only minimum-norm attacks give a minimal perturbation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { openSuiteLanes, suiteBatchSize } from '../../../src/services/robustness-lanes';
import { checkMinimalMethod, minimalSummary } from '../../../src/services/robustness-minimal';
import { suiteAttacks } from '../../../src/services/robustness-suite';
import { openImages } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';

let model: LoadedClassifier;
let items: LabeledImage[];

beforeAll(async () => {
  await selectBackend();
  model = await loadClassifier('default');
  items = (await openImages('samples', model)).items.slice(0, 40);
});
afterAll(() => model?.dispose());

describe('suite lanes', () => {
  it('gives the same adversarial bytes on one lane and on two', async () => {
    const run = async (count: number) => {
      const lanes = await openSuiteLanes(model, { lanes: count, seed: 3, batchSize: 8 });
      try {
        expect(lanes.count).toBe(count);
        return await lanes.run('apgd-ce', { eps: 8, iterations: 10 }, items);
      } finally {
        await lanes.close();
      }
    };
    const [one, two] = [await run(1), await run(2)];
    expect(one.some((r) => r.success)).toBe(true);
    expect(two.map((r) => r.relPath)).toEqual(items.map((i) => i.relPath));
    one.forEach((r, i) => expect(Buffer.from(r.adversarial.data).equals(Buffer.from(two[i].adversarial.data))).toBe(true));
  }, 120_000);

  it("--minimal fab summarises FAB's per-image minimal perturbation", async () => {
    const lanes = await openSuiteLanes(model, { lanes: 1, seed: 0 });
    try {
      const s = await minimalSummary(lanes, items.slice(0, 4), 'fab');
      expect(s.method).toBe('fab');
      expect(s.images).toBe(4);
      expect(s.found).toBeGreaterThan(0);
      // A minimum-norm L∞ attack: well under the eps that FGSM needs on these images (16 and more).
      expect(s.linf!.median).toBeLessThan(16);
    } finally {
      await lanes.close();
    }
  }, 120_000);
});

describe('suite batch size', () => {
  it('is 16 to 128 images, at least 8 batches when possible, capped by activation memory', () => {
    expect(suiteBatchSize(48, null)).toBe(16);
    expect(suiteBatchSize(400, null)).toBe(50);
    expect(suiteBatchSize(10_000, null)).toBe(128);
    // 1.25 GiB of activations per batch: 100 MiB per image leaves 12.
    expect(suiteBatchSize(10_000, 100 * 2 ** 20)).toBe(12);
  });
});

describe('--minimal', () => {
  it('takes the minimum-norm attacks and refuses an eps-bounded one with the list', () => {
    for (const m of ['cw-l2', 'lbfgs', 'fab']) expect(() => checkMinimalMethod(m)).not.toThrow();
    expect(() => checkMinimalMethod('apgd-ce')).toThrow(/^--minimal takes minimum-norm attacks \(cw-l2, cw-l0, cw-linf, lbfgs, fab\); apgd-ce stops at its eps$/);
  });
  it("the standard suite is AutoAttack's: apgd-ce, apgd-t, fab (FAB-T), square", () => {
    expect(suiteAttacks('standard')).toEqual(['apgd-ce', 'apgd-t', 'fab', 'square']);
  });
});
