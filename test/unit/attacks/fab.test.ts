/**
 * FAB (Croce & Hein, arXiv 1907.02044): the box-constrained hyperplane projection against closed
 * forms, the exact minimal distance to the decision boundary of linear models (binary and
 * multiclass, L∞ and L2) within 1 %, FAB-T's targets, and the 8-bit result on a conv net.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackImages, getAttack } from '../../../src/attacks';
import { fabSearch } from '../../../src/attacks/fab-core';
import { hyperplaneStep } from '../../../src/attacks/fab-projection';
import { createRng } from '../../../src/shared';
import { linearClassifier, randomImages, smallConvClassifier } from '../../fixtures/classifiers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('hyperplaneStep: smallest δ with w·δ = c in the box', () => {
  const w = [2, -1, 0.5];
  const p = [0.5, 0.5, 0.5];
  const lo = [0, 0, 0];
  const hi = [1, 1, 1];
  const step = (c: number, norm: 'linf' | 'l2', box = { lo, hi }) => {
    const out = new Float64Array(3);
    hyperplaneStep(w, c, p, box.lo, box.hi, 0, norm, out);
    return Array.from(out);
  };
  it('L∞ without the box binding: every coordinate moves by c/‖w‖₁, along sign(w)', () => {
    const t = 0.35 / 3.5;
    expect(step(0.35, 'linf')).toEqual([t, -t, t].map((v) => expect.closeTo(v, 12)));
    expect(step(-0.35, 'linf')).toEqual([-t, t, -t].map((v) => expect.closeTo(v, 12)));
  });
  it('L2 without the box binding: δ = c·w/‖w‖₂²', () => {
    expect(step(0.525, 'l2')).toEqual(w.map((v) => expect.closeTo((0.525 * v) / 5.25, 12)));
  });
  it('L∞ with the box binding: a saturated coordinate stops at its bound, the others take the rest', () => {
    // The first coordinate can only rise 0.1; then 1·τ + 0.5·τ = 0.5 − 0.2 → τ = 0.2.
    const d = step(0.5, 'linf', { lo, hi: [0.6, 1, 1] });
    expect(d).toEqual([0.1, -0.2, 0.2].map((v) => expect.closeTo(v, 12)));
    expect(2 * d[0] - d[1] + 0.5 * d[2]).toBeCloseTo(0.5, 12);
  });
  it('moves every coordinate to its bound when the whole box falls short', () => {
    expect(step(100, 'l2')).toEqual([0.5, -0.5, 0.5]);
  });
});

/** Distance ‖·‖ between two images on the [0,1] scale. */
const norm = (a: ArrayLike<number>, b: ArrayLike<number>, kind: 'linf' | 'l2') => {
  let r = 0;
  for (let i = 0; i < a.length; i++) r = kind === 'linf' ? Math.max(r, Math.abs(a[i] - b[i])) : r + (a[i] - b[i]) ** 2;
  return kind === 'linf' ? r : Math.sqrt(r);
};

describe('FAB finds the exact minimal distance to a linear decision boundary (within 1 %)', () => {
  const spec = { height: 1, width: 12, channels: 1 as const };
  const v = [0.5, -1, 2, 0.25, -1.5, 1, -0.75, 1.25, -2, 0.1, 0.6, -0.3];
  const u = [1, 0.5, -0.5, 1, 0.2, -1, 0.3, 0.4, 0.9, -1.2, 0.1, 0.7];
  const x0 = new Float32Array(12).fill(0.5);
  const lo = new Float32Array(12).fill(0);
  const hi = new Float32Array(12).fill(1);
  const dual = (g: number[], kind: 'linf' | 'l2') => (kind === 'linf' ? g.reduce((s, a) => s + Math.abs(a), 0) : Math.hypot(...g));
  const sum = (a: number[]) => a.reduce((s, t) => s + t, 0);

  async function minimal(W: number[][], b: number[], kind: 'linf' | 'l2', runs: (Int32Array | undefined)[] = [undefined]) {
    const clf = linearClassifier(W, b, spec);
    try {
      const found = await fabSearch({ classifier: clf, rng: createRng(1) }, x0, [1, 12, 1], Int32Array.from([0]), { norm: kind, iterations: 100, lo, hi, runs });
      return { best: found.floatBest[0], point: found.floatPoint, logits: tf.tidy(() => clf.logits(tf.tensor4d(found.floatPoint, [1, 1, 12, 1])).dataSync()) };
    } finally {
      clf.dispose();
    }
  }

  it.each(['linf', 'l2'] as const)('binary, %s: |margin| / ‖w₀ − w₁‖_dual', async (kind) => {
    // z_0 − z_1 = 0.775 at x0, far enough from the box that it does not bind.
    const W = [v.map(() => 0), v];
    const margin = 0.775;
    const b = [margin + 0.5 * sum(v), 0];
    const exact = margin / dual(v, kind);
    const r = await minimal(W, b, kind);
    expect(r.logits[1]).toBeGreaterThan(r.logits[0]);
    expect(norm(r.point, x0, kind)).toBeCloseTo(r.best, 6);
    expect(r.best).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    expect(r.best).toBeLessThanOrEqual(exact * 1.01);
  });

  it.each(['linf', 'l2'] as const)('three classes, %s: the nearer of two boundaries', async (kind) => {
    // Margins 0.6 (class 1, ‖v‖₁ 11.25, ‖v‖₂ 3.90) and 0.405 (class 2, ‖u‖₁ 7.8, ‖u‖₂ 2.56): class 2's
    // boundary is the nearer in L∞ (0.0519 vs 0.0533), class 1's in L2 (0.154 vs 0.158), each by ~3 %.
    const W = [v.map(() => 0), v, u];
    const z0 = 0.6 + 0.5 * sum(v);
    const b = [z0, 0, z0 - 0.405 - 0.5 * sum(u)];
    const z = [z0, z0 - 0.6, z0 - 0.405];
    const exact = Math.min((z0 - z[1]) / dual(v, kind), (z0 - z[2]) / dual(u, kind));
    const r = await minimal(W, b, kind);
    expect(r.logits.indexOf(Math.max(...r.logits))).not.toBe(0);
    expect(r.best).toBeGreaterThanOrEqual(exact * (1 - 1e-5));
    expect(r.best).toBeLessThanOrEqual(exact * 1.01);
  });

  it('FAB-T crosses the boundary of its target, further away than the nearest one', async () => {
    // Class 1 at margin 0.6 is the nearer boundary (0.154 in L2); class 2 at margin 0.9 is 0.352 away,
    // and moving along u lowers z_1 (u·v < 0), so the search meets no other boundary on the way.
    const W = [v.map(() => 0), v, u];
    const z0 = 0.6 + 0.5 * sum(v);
    const b = [z0, 0, z0 - 0.9 - 0.5 * sum(u)];
    const toTarget = 0.9 / dual(u, 'l2');
    const r = await minimal(W, b, 'l2', [Int32Array.from([2])]);
    expect(r.best).toBeGreaterThanOrEqual(toTarget * (1 - 1e-5));
    expect(r.best).toBeLessThanOrEqual(toTarget * 1.01);
    expect(r.logits.indexOf(Math.max(...r.logits))).toBe(2);
  });
});

describe('FAB on a small conv net', () => {
  const conv = { height: 8, width: 8, channels: 3 as const };
  const clf = smallConvClassifier(conv, 4);
  const items = randomImages(conv, 6).map((it) => ({
    ...it,
    label: tf.tidy(() => tf.argMax(clf.logits(tf.div(tf.tensor4d(it.image.data, [1, 8, 8, 3], 'float32'), 255) as tf.Tensor4D), 1).dataSync()[0]),
  }));

  it.each(['linf', 'l2'] as const)('%s: every image misclassified after 8-bit rounding, untargeted and FAB-T', async (kind) => {
    const results = await attackImages(getAttack('fab'), { norm: kind, iterations: 30 }, items, { classifier: clf, rng: createRng(1) });
    expect(results.every((r) => r.success)).toBe(true);
    const targeted = await attackImages(getAttack('fab'), { norm: kind, iterations: 30, targetClasses: 3 }, items, { classifier: clf, rng: createRng(1) });
    expect(targeted.every((r) => r.success)).toBe(true);
  });

  it('with a cap, breaks only inside it and is batch-invariant', async () => {
    const run = (batchSize: number) => attackImages(getAttack('fab'), { eps: 6, iterations: 20, targetClasses: 3 }, items, { classifier: clf, rng: createRng(1), batchSize });
    const [one, all] = [await run(1), await run(6)];
    for (const r of all) expect(r.linf).toBeLessThanOrEqual(6);
    expect(all.some((r) => r.success)).toBe(true);
    one.forEach((r, i) => expect(Buffer.from(r.adversarial.data).equals(Buffer.from(all[i].adversarial.data))).toBe(true));
  });
});
