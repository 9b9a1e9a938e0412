/**
 * APGD-CE, APGD-DLR and APGD-T: the DLR loss against a hand computation, the published checkpoint
 * schedule, the closed-form optimum on linear models, L2 results inside the ball after rounding,
 * and APGD-T's restarts over target classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackImages, getAttack } from '../../../src/attacks';
import { checkpoints } from '../../../src/attacks/apgd-core';
import { dlrLoss, summedDlr } from '../../../src/attacks/dlr-loss';
import { createRng } from '../../../src/shared';
import { linearClassifier, randomImages, smallConvClassifier } from '../../fixtures/classifiers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dlr = (z: number[], y: number, t?: number) =>
  tf.tidy(() => dlrLoss(tf.tensor2d([z]), tf.tensor1d([y], 'int32'), t === undefined ? undefined : tf.tensor1d([t], 'int32')).dataSync()[0]);

describe('DLR loss (Croce & Hein eq. 6 and its targeted form), by hand', () => {
  // z = [3, 1, 2, 0.5]: sorted descending 3, 2, 1, 0.5, so z_π1 = 3, z_π3 = 1, z_π4 = 0.5.
  const z = [3, 1, 2, 0.5];
  it('untargeted: −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3)', () => {
    expect(dlr(z, 0)).toBeCloseTo(-(3 - 2) / (3 - 1), 6); // −0.5: correct, margin 1
    expect(dlr(z, 2)).toBeCloseTo(-(2 - 3) / (3 - 1), 6); // +0.5: misclassified
  });
  it('targeted: −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2)', () => {
    expect(dlr(z, 0, 1)).toBeCloseTo(-(3 - 1) / (3 - (1 + 0.5) / 2), 6); // −0.8889
  });
  it('is invariant to shifting and scaling the logits (what beats distillation)', () => {
    const scaled = z.map((v) => 100 * v - 7);
    expect(dlr(scaled, 0)).toBeCloseTo(dlr(z, 0), 5);
    expect(dlr(scaled, 0, 3)).toBeCloseTo(dlr(z, 0, 3), 5);
  });
  it('has the hand-derived gradient: −(a·den − num·b)/den²', () => {
    // y = 0: a = e0 − e2, b = e0 − e1, num = 1, den = 2 → −(2a − b)/4 = [−¼, −¼, ½, 0].
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => summedDlr(t as tf.Tensor2D, tf.tensor1d([0], 'int32')))(tf.tensor2d([z])).dataSync());
    expect(Array.from(g)).toEqual([-0.25, -0.25, 0.5, 0].map((v) => expect.closeTo(v, 6)));
    // Targeted, t = 1: a = e0 − e1, b = e0 − (e1 + e3)/2, num = 2, den = 2.25.
    const gt = tf.tidy(() =>
      tf.grad((t: tf.Tensor) => summedDlr(t as tf.Tensor2D, tf.tensor1d([0], 'int32'), tf.tensor1d([1], 'int32')))(tf.tensor2d([z])).dataSync());
    const [num, den] = [2, 2.25];
    const a = [1, -1, 0, 0];
    const b = [1, -0.5, 0, -0.5];
    expect(Array.from(gt)).toEqual(a.map((ai, i) => expect.closeTo(-(ai * den - num * b[i]) / den ** 2, 6)));
  });
});

describe('APGD checkpoints', () => {
  it('follows p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) from p_1 = 0.22 (the paper, N = 100)', () => {
    expect(checkpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
  });
  it('keeps at least one step between checkpoints for tiny budgets', () => {
    expect(checkpoints(5)).toEqual([1, 2, 3, 4, 5]);
  });
});

/**
 * 12 pixels at 128/255, three classes: z_0 = 3 and z_2 = −10 constant, z_1 = w·x. The image
 * stays correctly classified and z_π3 = z_2, so both the cross-entropy and the DLR grow with
 * w·x alone, whose maximum over the ball is w·x0 + ε‖w‖₁ (L∞) or + ε‖w‖₂ (L2). The ball stays
 * inside [0,1], so the clip does not bind.
 */
const w = [0.5, -1, 2, 0.25, -1.5, 1, -0.75, 1.25, -2, 0.1, 0.6, -0.3];
const spec = { height: 1, width: 12, channels: 1 as const };
const x0Value = 128 / 255;

async function gain(id: string, params: object): Promise<number> {
  const clf = linearClassifier([w.map(() => 0), w, w.map(() => 0)], [3, 0, -10], spec);
  const x = tf.fill([1, 1, 12, 1], x0Value) as tf.Tensor4D;
  const attack = getAttack(id);
  const out = await attack.run({ classifier: clf, rng: createRng(5) }, { x, labels: Int32Array.from([0]) }, attack.params.parse(params));
  const adv = await out.adversarial.data();
  tf.dispose([x, out.adversarial]);
  clf.dispose();
  return w.reduce((s, wi, i) => s + wi * (adv[i] - x0Value), 0);
}

describe('APGD reaches the closed-form optimum on a linear model', () => {
  const l1 = w.reduce((s, v) => s + Math.abs(v), 0);
  const l2 = Math.sqrt(w.reduce((s, v) => s + v * v, 0));
  it.each(['apgd-ce', 'apgd-dlr'])('%s, L∞ eps 16: gain ε‖w‖₁ within 1%', async (id) => {
    const optimum = (16 / 255) * l1;
    const g = await gain(id, { eps: 16, iterations: 50 });
    expect(g).toBeGreaterThanOrEqual(0.99 * optimum);
    expect(g).toBeLessThanOrEqual(optimum * (1 + 1e-5));
  });
  it.each(['apgd-ce', 'apgd-dlr'])('%s, L2 eps 100: gain ε‖w‖₂ within 1% (the L2 result is rounded to 8 bits)', async (id) => {
    const optimum = (100 / 255) * l2;
    const g = await gain(id, { eps: 100, norm: 'l2', iterations: 50 });
    expect(g).toBeGreaterThanOrEqual(0.99 * optimum);
    expect(g).toBeLessThanOrEqual(optimum * (1 + 1e-5));
  });
});

describe('APGD on a small conv net', () => {
  const conv = { height: 8, width: 8, channels: 3 as const };
  const clf = smallConvClassifier(conv, 4);
  // Half the images labelled with the model's own prediction (attacked), half with another class.
  const items = randomImages(conv, 8).map((it, i) => {
    const top = tf.tidy(() => tf.argMax(clf.logits(tf.div(tf.tensor4d(it.image.data, [1, 8, 8, 3], 'float32'), 255) as tf.Tensor4D), 1).dataSync()[0]);
    return { ...it, label: i % 2 ? top : (top + 1) % 4 };
  });

  it.each(['apgd-ce', 'apgd-dlr', 'apgd-t'])('%s with norm l2 keeps ‖δ‖₂ ≤ eps after 8-bit rounding', async (id) => {
    const results = await attackImages(getAttack(id), { eps: 60, norm: 'l2', iterations: 10 }, items, { classifier: clf, rng: createRng(2) });
    for (const r of results) expect(r.l2).toBeLessThanOrEqual(60);
    expect(results.some((r) => r.l2 > 30)).toBe(true);
  });

  it.each([
    ['apgd-ce', { iterations: 10 }],
    ['apgd-dlr', { iterations: 10, norm: 'l2', eps: 60 }],
    ['apgd-t', { iterations: 5, targetClasses: 3 }],
  ])('%s is batch-invariant: the same bytes one image at a time as all at once', async (id, params) => {
    const run = (batchSize: number) =>
      attackImages(getAttack(id), { eps: 8, ...params }, items, { classifier: clf, rng: createRng(9), batchSize });
    const [one, all] = [await run(1), await run(8)];
    expect(one.some((r) => r.success)).toBe(true);
    one.forEach((r, i) => expect(Buffer.from(r.adversarial.data).equals(Buffer.from(all[i].adversarial.data))).toBe(true));
  });

  it('returns images the model already misclassifies unchanged, with 0 steps', async () => {
    const results = await attackImages(getAttack('apgd-dlr'), { eps: 16, iterations: 10 }, items, { classifier: clf, rng: createRng(2) });
    const wrong = results.filter((r) => r.cleanTop[0].label !== r.label);
    expect(wrong.length).toBeGreaterThan(0);
    for (const r of wrong) expect(r.linf).toBe(0);
    // Steps are per image: none for those, at most the budget for the others.
    for (const r of wrong) expect(r.steps).toBe(0);
    for (const r of results) expect(r.steps).toBeLessThanOrEqual(10);
  });

  it('rejects an L∞ eps over 255 but accepts it as an L2 radius', () => {
    const a = getAttack('apgd-ce');
    expect(() => a.params.parse({ eps: 300 })).toThrow(/at most 255 for norm linf/);
    expect(a.params.parse({ eps: 300, norm: 'l2' })).toMatchObject({ eps: 300, norm: 'l2' });
  });
});

describe('APGD-T', () => {
  /**
   * Four classes on two pixels at 0.5: z = [5, 4, 20(x₁+x₂) − 17, 0]. Class 1 (ranked 2nd) is a
   * constant the image cannot reach; class 2 (ranked 3rd, z = 3) overtakes z_0 = 5 once both
   * pixels rise by 16 levels (+2.5). So the first restart must fail and the second succeed.
   */
  const W = [[0, 0], [0, 0], [20, 20], [0, 0]];
  const b = [5, 4, -17, 0];
  const two = { height: 1, width: 2, channels: 1 as const };

  it('restarts on the next-ranked target after a failure and stops at the first success', async () => {
    const clf = linearClassifier(W, b, two);
    const x = tf.fill([1, 1, 2, 1], 0.5) as tf.Tensor4D;
    const attack = getAttack('apgd-t');
    const run = async (targetClasses: number) => {
      const out = await attack.run({ classifier: clf, rng: createRng(1) }, { x, labels: Int32Array.from([0]) },
        attack.params.parse({ eps: 16, iterations: 20, targetClasses }));
      const z = tf.tidy(() => clf.logits(out.adversarial).dataSync());
      out.adversarial.dispose();
      return { steps: out.steps, top: z.indexOf(Math.max(...z)) };
    };
    const one = await run(1);
    expect(one).toEqual({ steps: 20, top: 0 });
    const three = await run(3);
    expect(three.top).toBe(2);
    expect(three.steps).toBeGreaterThan(20);
    expect(three.steps).toBeLessThan(40);
    x.dispose();
    clf.dispose();
  });
});
