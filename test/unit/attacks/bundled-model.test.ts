/**
 * Every registered attack succeeds on the bundled model, on the backend the product selects
 * (wasm here, with the input-only gradient kernels), judged after 8-bit rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackImages, attackRegistry } from '../../../src/attacks';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { createRng, type LabeledImage } from '../../../src/shared';
import { openImages } from '../../../src/services/sources';

let model: LoadedClassifier;
let items: LabeledImage[];

beforeAll(async () => {
  await selectBackend();
  model = await loadClassifier('default');
  // Three images per class, all correctly classified, so success means the attack worked.
  const all = (await openImages('samples', model)).items;
  items = [];
  for (let c = 0; c < 10; c++) items.push(...all.filter((i) => i.label === c).slice(0, 3));
});
afterAll(() => model?.dispose());

/** Small budgets for the optimisation attacks, whose defaults are sized for real use. */
const budgets: Record<string, object> = {
  'cw-l2': { binarySteps: 4, maxIterations: 100 },
  'cw-l0': { maxIterations: 20, largestConst: 1, removeFraction: 0.5, maxRounds: 2 },
  'cw-linf': { maxIterations: 20, largestConst: 1, learningRate: 0.05, decreaseFactor: 0.5 },
  lbfgs: { binarySteps: 3, maxIterations: 30 },
  fab: { iterations: 20 },
};

describe.each(attackRegistry.map((a) => [a.id, a] as const))('%s on the bundled model', (_id, attack) => {
  const budget = budgets[attack.id] ?? {};
  it('at eps 16 drops top-1 accuracy below 50% and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const results = await attackImages(attack, { eps: 16, ...budget }, items, { classifier: model, rng: createRng(3), batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    const cleanAcc = results.filter((r) => r.cleanTop[0].label === r.label).length / results.length;
    const advAcc = results.filter((r) => r.advTop[0].label === r.label).length / results.length;
    expect(cleanAcc).toBeGreaterThan(0.8);
    expect(advAcc).toBeLessThan(0.5);
    expect(results.filter((r) => r.success).length).toBeGreaterThan(0);
    for (const r of results) expect(r.linf).toBeLessThanOrEqual(16);
  });
});

it('runs on the wasm backend (the default on machines without tfjs-node)', () => {
  expect(tf.getBackend()).toBe('wasm');
});
