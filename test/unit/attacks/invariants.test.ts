/**
 * Invariants every attack in the registry must satisfy (CleverHans-style), table-driven so a
 * new attack is covered the moment it is registered.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackImages, attackRegistry, getAttack } from '../../../src/attacks';
import { createRng, PrintshotError } from '../../../src/shared';
import { randomImages, smallConvClassifier } from '../../fixtures/classifiers';

const spec = { height: 8, width: 8, channels: 3 as const };
const clf = smallConvClassifier(spec, 4);
// Label each image with the model's own clean prediction, so every image starts correctly
// classified and every attack has something to do (minimal-perturbation attacks return an
// already-misclassified input unchanged).
const items = randomImages(spec, 6).map((it) => ({
  ...it,
  label: tf.tidy(() => tf.argMax(clf.logits(tf.div(tf.tensor4d(it.image.data, [1, 8, 8, 3], 'float32'), 255) as tf.Tensor4D), 1).dataSync()[0]),
}));
/** Small budgets for the optimisation attacks, whose defaults are sized for real use. */
const budgets: Record<string, object> = {
  'cw-l2': { binarySteps: 4, maxIterations: 100 },
  'cw-l0': { maxIterations: 10, largestConst: 10, removeFraction: 0.25, maxRounds: 4 },
  'cw-linf': { maxIterations: 10, largestConst: 2 },
  lbfgs: { binarySteps: 3, maxIterations: 30 },
  'apgd-ce': { iterations: 10 },
  'apgd-dlr': { iterations: 10 },
  'apgd-t': { iterations: 5, targetClasses: 3 },
  square: { queries: 30 },
  fab: { iterations: 10, targetClasses: 2 },
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => clf.dispose());

describe.each(attackRegistry.map((a) => [a.id, a] as const))('%s', (_id, attack) => {
  const budget = budgets[attack.id] ?? {};
  it.each([4, 16])('keeps ‖δ‖∞ ≤ eps=%i after 8-bit rounding, in range, without leaking tensors', async (eps) => {
    const before = tf.memory().numTensors;
    const results = await attackImages(attack, { eps, ...budget }, items, { classifier: clf, rng: createRng(1), batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(results).toHaveLength(items.length);
    results.forEach((r, i) => {
      const clean = items[i].image.data;
      let linf = 0;
      r.adversarial.data.forEach((v, j) => {
        linf = Math.max(linf, Math.abs(v - clean[j]));
      });
      expect(linf).toBeLessThanOrEqual(eps);
      expect(r.linf).toBe(linf);
      expect(r.adversarial.data.length).toBe(clean.length);
      expect(r.relPath).toBe(items[i].relPath);
    });
    // The perturbation is not empty: these attacks move pixels when gradients are non-zero.
    expect(results.some((r) => r.linf > 0)).toBe(true);
  });

  it('returns the input byte for byte when eps = 0', async () => {
    const results = await attackImages(attack, { eps: 0, ...budget }, items.slice(0, 2), { classifier: clf, rng: createRng(1) });
    results.forEach((r, i) => expect(Array.from(r.adversarial.data)).toEqual(Array.from(items[i].image.data)));
  });

  it.each([
    [{ eps: -1 }, /eps: must be at least 0/],
    [{ eps: 300 }, /eps: must be at most 255/],
    [{ eps: 'big' }, /eps/],
    [{ eps: 8, bogus: 1 }, /unknown parameter\(s\) 'bogus'/],
  ])('rejects %o with a clear message', async (params, message) => {
    const run = attackImages(attack, params, items.slice(0, 1), { classifier: clf, rng: createRng(1) });
    await expect(run).rejects.toThrow(PrintshotError);
    await expect(run).rejects.toThrow(new RegExp(`^${attack.id}: ${message.source}`));
  });

  it('is reproducible for a seed', async () => {
    const a = await attackImages(attack, { eps: 8, ...budget }, items.slice(0, 2), { classifier: clf, rng: createRng(42) });
    const b = await attackImages(attack, { eps: 8, ...budget }, items.slice(0, 2), { classifier: clf, rng: createRng(42) });
    a.forEach((r, i) => expect(Buffer.from(r.adversarial.data).equals(Buffer.from(b[i].adversarial.data))).toBe(true));
  });

  it('stops between steps when cancelled, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = attackImages(attack, { eps: 8, ...budget }, items, {
      classifier: clf,
      rng: createRng(1),
      signal: controller.signal,
      batchSize: 2,
      onProgress: () => controller.abort(),
    });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('registry', () => {
  it('rejects an unknown method naming the known ones', () => {
    expect(() => getAttack('deepfool')).toThrow(/^unknown attack method 'deepfool'; known: fgsm, bim, illc, pgd, mifgsm/);
  });
  it("accepts the paper's names", () => {
    expect(getAttack('fast').id).toBe('fgsm');
    expect(getAttack('iter-basic').id).toBe('bim');
  });
  it('every descriptor cites its paper and validates defaults', () => {
    for (const a of attackRegistry) {
      expect(a.paper).toMatch(/arXiv \d{4}\.\d{4,5}/);
      expect(() => a.params.parse({})).not.toThrow();
    }
  });
});
