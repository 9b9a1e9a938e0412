/**
 * Patches (src/patches): placement and compositing invariants, the regularisers' known answers,
 * the patch gradient against finite differences on a linear model, and training that drives the
 * loss down without leaking tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerInputGradients } from '../../../src/kernels';
import { adversarialLoss, defaultPalette, disposeState, evaluatePatch, evaluatePatchTransfer, initialPatch, nonPrintability, pastePatch, PATCH_DEFAULTS, placementTaps, samplePlacement, stepSize, totalVariation, trainPatch, type PatchTrainParams } from '../../../src/patches';
import { createRng } from '../../../src/shared';
import { linearClassifier } from '../../fixtures/classifiers';

const spec = { width: 12, height: 12, channels: 1 as const };
const H = 12;
const W = 12;

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerInputGradients();
});

function images(n: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * H * W }, () => rng.next()), [n, H, W, 1]);
}

/** Three classes; class 0 weighs the image centre, so a bright patch there can win it. */
function linear() {
  const rng = createRng(3);
  const central = (i: number) => Math.abs((i % W) - 5.5) < 3 && Math.abs(Math.floor(i / W) - 5.5) < 3;
  const W3 = [0, 1, 2].map((k) => Array.from({ length: H * W }, (_, i) => (k === 0 ? (central(i) ? 1 : -0.2) : rng.uniform(-0.3, 0.3))));
  return linearClassifier(W3, [-10, 0, 0], spec);
}

describe('placement and compositing', () => {
  it('covers the nominal area, keeps the pixels outside the patch unchanged, and stays in [0, 1]', () => {
    const pl = { cx: 6, cy: 6, side: 4, angle: 0 };
    const taps = placementTaps(H, W, 4, [pl]);
    expect(taps.mask.reduce((a, b) => a + b, 0)).toBe(16);
    const x = images(1, 1);
    const patch = tf.fill([1, 4, 4, 1], 1) as tf.Tensor4D;
    const out = pastePatch(x, patch, taps, [{ gain: 1.4, offset: 0.2 }]);
    const [xs, os] = [x.dataSync(), out.dataSync()];
    for (let i = 0; i < xs.length; i++) {
      if (taps.mask[i] === 0) expect(os[i]).toBe(xs[i]);
      else expect(os[i]).toBeCloseTo(1, 6); // gain/offset clipped at 1
      expect(os[i]).toBeGreaterThanOrEqual(0);
      expect(os[i]).toBeLessThanOrEqual(1);
    }
    tf.dispose([x, patch, out]);
  });

  it('resamples an axis-aligned patch exactly and keeps random placements inside the image', () => {
    const p = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i / 15), [1, 4, 4, 1]);
    const taps = placementTaps(H, W, 4, [{ cx: 4, cy: 8, side: 4, angle: 0 }]);
    const out = pastePatch(tf.zeros([1, H, W, 1]), p, taps).dataSync();
    for (let v = 0; v < 4; v++) for (let u = 0; u < 4; u++) expect(out[(6 + v) * W + (2 + u)]).toBeCloseTo((v * 4 + u) / 15, 6);
    const rng = createRng(5);
    for (let k = 0; k < 200; k++) {
      const pl = samplePlacement(rng, H, W, { size: 0.2, scaleJitter: 0.1, rotationDeg: 30 });
      const half = (pl.side / 2) * (Math.abs(Math.cos(pl.angle)) + Math.abs(Math.sin(pl.angle)));
      expect(pl.cx - half).toBeGreaterThanOrEqual(-1e-9);
      expect(pl.cx + half).toBeLessThanOrEqual(W + 1e-9);
      expect(pl.cy - half).toBeGreaterThanOrEqual(-1e-9);
      expect(pl.cy + half).toBeLessThanOrEqual(H + 1e-9);
    }
    const centred = samplePlacement(createRng(6), H, W, { size: 0.2, scaleJitter: 0, rotationDeg: 0, location: 'centre' });
    expect(centred).toEqual({ cx: W / 2, cy: H / 2, side: Math.sqrt(0.2 * H * W), angle: 0 });
    p.dispose();
  });
});

describe('regularisers', () => {
  it('NPS is the mean distance to the nearest palette colour; TV is zero on a flat patch and the step size on an edge', () => {
    const palette = [[0], [1]];
    const onPalette = tf.tensor4d([0, 1, 1, 0], [1, 2, 2, 1]);
    expect(nonPrintability(onPalette, palette).dataSync()[0]).toBeCloseTo(0, 3);
    const off = tf.tensor4d([0.25, 0.5, 0.9, 0.1], [1, 2, 2, 1]);
    expect(nonPrintability(off, palette).dataSync()[0]).toBeCloseTo((0.25 + 0.5 + 0.1 + 0.1) / 4, 3);
    expect(totalVariation(tf.fill([1, 5, 5, 3], 0.3) as tf.Tensor4D).dataSync()[0]).toBeCloseTo(0, 3);
    // Left half 0, right half 1 (columns 0..1 vs 2..4): one column of the 4×4 interior sees the step.
    const edge = tf.tensor4d(Array.from({ length: 25 }, (_, i) => ((i % 5) >= 2 ? 1 : 0)), [1, 5, 5, 1]);
    expect(totalVariation(edge).dataSync()[0]).toBeCloseTo(4 / 16, 3);
    expect(defaultPalette(3)).toHaveLength(30);
    expect(defaultPalette(3).flat().every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});

describe('training on a linear model', () => {
  const params: PatchTrainParams = { ...PATCH_DEFAULTS, target: 0, size: 0.25, steps: 40, batch: 8, lr: 0.1, npsWeight: 0, tvWeight: 0, rotationDeg: 10, brightness: 10, contrast: 0.1 };

  it('matches finite differences for the patch gradient', () => {
    const clf = linear();
    const x = images(3, 2);
    const labels = Int32Array.from([1, 2, 1]);
    const taps = placementTaps(H, W, 6, [{ cx: 6, cy: 6, side: 6, angle: 0.3 }, { cx: 5, cy: 7, side: 5.5, angle: -0.2 }, { cx: 7, cy: 5, side: 6, angle: 0 }]);
    const photometric = [{ gain: 1.1, offset: 0.02 }, { gain: 0.9, offset: -0.03 }, { gain: 1, offset: 0 }];
    const palette = defaultPalette(1);
    const f = (p: tf.Tensor4D) => tf.tidy(() => tf.add(adversarialLoss(clf.logits(pastePatch(x, p, taps, photometric)), labels, 0), tf.add(tf.mul(nonPrintability(p, palette), 0.3), tf.mul(totalVariation(p), 0.2))) as tf.Scalar);
    const base = tf.tensor4d(Float32Array.from({ length: 36 }, (_, i) => 0.3 + 0.01 * i), [1, 6, 6, 1]);
    const g = (tf.grad((p: tf.Tensor) => f(p as tf.Tensor4D))(base) as tf.Tensor4D).dataSync();
    const h = 1e-3;
    for (const k of [0, 7, 14, 21, 35]) {
      const bump = (d: number) => {
        const v = base.dataSync().slice();
        v[k] += d;
        const t = tf.tensor4d(v, [1, 6, 6, 1]);
        const r = f(t).dataSync()[0];
        t.dispose();
        return r;
      };
      const fd = (bump(h) - bump(-h)) / (2 * h);
      expect(g[k]).toBeCloseTo(fd, 2);
    }
    clf.dispose();
  });

  it('drives the targeted loss down, keeps the patch in [0, 1], resumes to the same patch, and leaks no tensors', async () => {
    const clf = linear();
    const data = { images: images(32, 4), labels: Int32Array.from({ length: 32 }, (_, i) => 1 + (i % 2)) };
    const before = tf.memory().numTensors;
    const base = { classifier: clf, data, params, palette: defaultPalette(1), rngAt: (s: number) => createRng(`patch-${s}`), patchPixels: 6 };
    const fresh = () => initialPatch(6, 1, createRng(9));
    const full = await trainPatch(base, fresh);
    const first = full.history.slice(0, 5).reduce((a, h) => a + h.loss, 0) / 5;
    const last = full.history.slice(-5).reduce((a, h) => a + h.loss, 0) / 5;
    expect(last).toBeLessThan(first - 0.5);
    const values = full.patch.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    // Cancel after 15 steps (as a checkpointed job stops), then resume from that state: the same
    // patch as the uninterrupted run, with the cosine step sizes of the whole run.
    const stop = new AbortController();
    let half = full;
    await expect(trainPatch({ ...base, signal: stop.signal, onStep: (st) => { if (st.step === 15) { half = st; stop.abort(); } } }, fresh)).rejects.toThrow();
    expect(half.step).toBe(15);
    const resumed = await trainPatch({ ...base, resume: half }, fresh);
    expect(Array.from(resumed.patch.dataSync())).toEqual(Array.from(values));
    const evaluation = await evaluatePatch({ classifier: clf, data, patch: full.patch, params, draws: 3, rng: createRng(1) });
    expect(evaluation.success.total).toBe(evaluation.images * 3);
    expect(evaluation.success.rate).toBeGreaterThan(0.5);
    [full, half, resumed].forEach(disposeState);
    expect(tf.memory().numTensors).toBe(before);
    clf.dispose();
    data.images.dispose();
  });
});

describe('step-size schedule', () => {
  it('cosine goes from lr down to lr/20, never rising; constant keeps lr', () => {
    const p = { lr: 0.1, steps: 50, lrSchedule: 'cosine' as const };
    const sizes = Array.from({ length: 50 }, (_, k) => stepSize(p, k));
    expect(sizes[0]).toBeCloseTo(0.1, 10);
    expect(sizes[49]).toBeCloseTo(0.005, 10);
    sizes.slice(1).forEach((v, k) => expect(v).toBeLessThanOrEqual(sizes[k]));
    expect(stepSize({ ...p, lrSchedule: 'constant' }, 30)).toBe(0.1);
    expect(stepSize({ lr: 0.1, steps: 50 }, 30)).toBe(0.1);
  });
});

describe('transfer', () => {
  const params = { target: 0 as const, size: 0.25, scaleJitter: 0.1, rotationDeg: 10, brightness: 10, contrast: 0.1 };

  it('measures the patch on another model exactly as evaluatePatch does, and refuses models it cannot run on', async () => {
    const source = linear();
    const data = { images: images(20, 6), labels: Int32Array.from({ length: 20 }, (_, i) => 1 + (i % 2)) };
    const patch = tf.fill([1, 6, 6, 1], 1) as tf.Tensor4D;
    // A second model that ignores the image centre: the bright patch wins class 0 on the source only.
    const rng = createRng(8);
    const other = linearClassifier([0, 1, 2].map((k) => Array.from({ length: H * W }, () => (k === 0 ? -0.5 : rng.uniform(-0.3, 0.3)))), [0, 0, 0], spec);
    const before = tf.memory().numTensors;
    const own = await evaluatePatch({ classifier: source, data, patch, params, draws: 2, rng: createRng('t0') });
    const [again, moved] = await evaluatePatchTransfer({ models: [source, other], data, patch, params, draws: 2, rngFor: (i) => createRng(`t${i}`) });
    expect(again.evaluation).toEqual(own);
    expect(own.success.rate).toBeGreaterThan(0.9);
    expect(moved.model).toBe(other.card.name);
    expect(moved.evaluation.success.total).toBe(40);
    expect(moved.evaluation.success.rate).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const wide = linearClassifier([[...Array(16 * 16).fill(0)]], [0], { width: 16, height: 16, channels: 1 });
    await expect(evaluatePatchTransfer({ models: [wide], data, patch, params, draws: 1, rngFor: () => createRng(1) })).rejects.toThrow(/takes 16×16×1 images; the patch was made for 12×12×1/);
    const few = linearClassifier([Array(H * W).fill(0)], [0], spec);
    await expect(evaluatePatchTransfer({ models: [few], data, patch, params: { ...params, target: 1 as never }, draws: 1, rngFor: () => createRng(1) })).rejects.toThrow(/1 classes, so no target class 1/);
    [source, other, wide, few].forEach((m) => m.dispose());
    tf.dispose([data.images, patch]);
  });
});
