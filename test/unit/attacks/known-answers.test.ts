import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { bimIterations, fgsm, getAttack, illc, resolveTargets } from '../../../src/attacks';
import { createRng } from '../../../src/shared';
import { linearClassifier } from '../../fixtures/classifiers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec = { height: 1, width: 3, channels: 1 as const };

describe('FGSM on a linear model (hand-computed)', () => {
  // logits = W x; with equal logits p = [0.5, 0.5], so for label 0
  // ∇x CE = Wᵀ(p − e0) = Wᵀ[-0.5, 0.5] = [2·-0.5, 1·0.5, 0] = [-1, 0.5, 0].
  // sign = [-1, +1, 0]: pixel 3 has an exactly zero gradient and must not move.
  const W = [
    [2, 0, 0],
    [0, 1, 0],
  ];
  it('steps eps along the exact sign and clips to [0,255]', async () => {
    const clf = linearClassifier(W, [0, 0], spec);
    const x = tf.tensor4d([100 / 255, 200 / 255, 50 / 255], [1, 1, 3, 1]);
    const out = await fgsm.run({ classifier: clf, rng: createRng(0) }, { x, labels: Int32Array.from([0]) }, {
      eps: 8,
      target: 'untargeted',
    });
    const px = Array.from(await out.adversarial.data()).map((v) => Math.round(v * 255));
    expect(px).toEqual([92, 208, 50]);
    out.adversarial.dispose();

    // Clipping: the same step from 250 would reach 258 → 255.
    const x2 = tf.tensor4d([100 / 255, 250 / 255, 50 / 255], [1, 1, 3, 1]);
    const out2 = await fgsm.run({ classifier: clf, rng: createRng(0) }, { x: x2, labels: Int32Array.from([0]) }, {
      eps: 8,
      target: 'untargeted',
    });
    // logits now 200/255 vs 250/255 → p1 > p0, gradient sign unchanged: [-1, +1, 0].
    expect(Array.from(await out2.adversarial.data()).map((v) => Math.round(v * 255))).toEqual([92, 255, 50]);
    tf.dispose([x, x2, out2.adversarial]);
    clf.dispose();
  });

  it('targeted FGSM descends the target cross-entropy (opposite sign)', async () => {
    const clf = linearClassifier(W, [0, 0], spec);
    const x = tf.tensor4d([100 / 255, 200 / 255, 50 / 255], [1, 1, 3, 1]);
    // target 1: ∇ CE(target 1) = Wᵀ(p − e1) = [1, -0.5, 0]; descend → x − eps·[1, -1, 0].
    const out = await fgsm.run({ classifier: clf, rng: createRng(0) }, { x, labels: Int32Array.from([0]) }, {
      eps: 4,
      target: 1,
    });
    expect(Array.from(await out.adversarial.data()).map((v) => Math.round(v * 255))).toEqual([96, 204, 50]);
    tf.dispose([x, out.adversarial]);
    clf.dispose();
  });
});

describe('BIM iteration count (Kurakin p.4: min(eps+4, 1.25·eps), rounded up)', () => {
  it.each([
    [2, 3],
    [4, 5],
    [8, 10],
    [16, 20],
    [32, 36],
  ])('eps %i → %i iterations', (eps, n) => {
    expect(bimIterations(eps)).toBe(n);
  });

  it('the BIM run takes that many steps', async () => {
    const clf = linearClassifier([[1, 0, 0], [0, 1, 0]], [0, 0], spec);
    const x = tf.tensor4d([0.5, 0.5, 0.5], [1, 1, 3, 1]);
    let seen = 0;
    const out = await getAttack('bim').run(
      { classifier: clf, rng: createRng(0), onStep: () => void seen++ },
      { x, labels: Int32Array.from([0]) },
      getAttack('bim').params.parse({ eps: 8 }),
    );
    expect(out.steps).toBe(10);
    expect(seen).toBe(10);
    tf.dispose([x, out.adversarial]);
    clf.dispose();
  });
});

describe('ILLC', () => {
  // Three classes; class 2 has the lowest logit for this image.
  const W3 = [
    [1, 0, 0],
    [0, 1, 0],
    [-1, -1, 0],
  ];
  const spec3 = { height: 1, width: 3, channels: 1 as const };

  it('picks the clean least-likely class once and moves toward it', async () => {
    const clf = linearClassifier(W3, [0, 0, 0], spec3);
    const x = tf.tensor4d([120 / 255, 80 / 255, 10 / 255], [1, 1, 3, 1]);
    const targets = resolveTargets({ classifier: clf, rng: createRng(0) }, { x, labels: Int32Array.from([0]) }, 'least-likely');
    expect(Array.from(targets!)).toEqual([2]);

    const pClean = tf.softmax(clf.logits(x)).dataSync()[2];
    const out = await illc.run({ classifier: clf, rng: createRng(0) }, { x, labels: Int32Array.from([0]) }, {
      eps: 16,
      alpha: 1,
    });
    expect(Array.from(out.targets!)).toEqual([2]);
    const pAdv = tf.softmax(clf.logits(out.adversarial)).dataSync()[2];
    expect(pAdv).toBeGreaterThan(pClean);
    // Moving toward class 2 means decreasing pixels 0 and 1 (its weights are -1); the
    // zero-weight pixel stays put.
    const px = Array.from(await out.adversarial.data()).map((v) => Math.round(v * 255));
    expect(px).toEqual([104, 64, 10]);
    tf.dispose([x, out.adversarial]);
    clf.dispose();
  });
});
