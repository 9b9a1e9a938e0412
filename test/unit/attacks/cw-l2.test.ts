/**
 * C&W-L2 known answers on a two-class linear model, where the smallest perturbation is closed
 * form: with v = w_1 − w_0 and margin m0 = Z_0 − Z_1 at x, reaching Z_1 − Z_0 = κ takes
 *   ‖δ‖₂ = (m0 + κ) / ‖v‖   along v/‖v‖,
 * provided the [0,1] box doesn't bind (x sits mid-range). Any point with margin ≥ κ is at
 * least that far, so "succeeds and ‖δ‖ ≤ 1.01 × closed form" pins the attack to within 1%.
 * The returned image is already on the 8-bit grid (the attack keeps the best iterate that
 * survives rounding), so these checks include the rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackImages, cwL2, parseAttackParams } from '../../../src/attacks';
import { createRng, makeImage8 } from '../../../src/shared';
import { linearClassifier } from '../../fixtures/classifiers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const spec = { height: 16, width: 16, channels: 1 as const };
const n = 256;
const gNorm = 4; // ‖w_1 − w_0‖: logit change per unit of L2
const dStar = 1; // closed-form distance to the boundary, in [0,1] pixel units

function problem(seed = 3) {
  const rng = createRng(seed);
  const px = Array.from({ length: n }, () => 100 + rng.int(56));
  const x = px.map((p) => p / 255);
  const raw = Array.from({ length: n }, () => rng.normal());
  const len = Math.hypot(...raw);
  const v = raw.map((r) => (r / len) * gNorm);
  const vx = v.reduce((a, vi, i) => a + vi * x[i], 0);
  // Z_0 = b0, Z_1 = v·x  →  m0 = b0 − v·x = gNorm·dStar.
  const clf = linearClassifier([new Array(n).fill(0), v], [vx + gNorm * dStar, 0], spec);
  return { clf, px, x, v };
}

async function attack(params: Record<string, unknown>, seed = 3) {
  const { clf, x, v } = problem(seed);
  const x0 = tf.tensor4d(x, [1, 16, 16, 1]);
  const out = await cwL2.run({ classifier: clf, rng: createRng(0) }, { x: x0, labels: Int32Array.from([0]) }, parseAttackParams(cwL2, params));
  const adv = Array.from(await out.adversarial.data());
  const logits = Array.from(await tf.tidy(() => clf.logits(out.adversarial)).data());
  tf.dispose([x0, out.adversarial]);
  clf.dispose();
  const delta = adv.map((a, i) => a - x[i]);
  expect(Math.max(...delta.map(Math.abs)) * 255).toBeLessThanOrEqual(Number(params.eps ?? 255) + 1e-3);
  const norm = Math.hypot(...delta);
  const cos = delta.reduce((s, d, i) => s + d * v[i], 0) / (norm * gNorm);
  if (process.env.KA_LOG) console.log('cw-l2', JSON.stringify(params), { norm, margin: logits[1] - logits[0], cos, steps: out.steps });
  return { adv, margin: logits[1] - logits[0], norm, cos, steps: out.steps };
}

describe('C&W-L2 on a linear model (closed-form minimum)', () => {
  it('κ = 0: crosses the boundary within 1% of the minimal L2 distance, along w_1 − w_0', async () => {
    const r = await attack({});
    expect(r.margin).toBeGreaterThan(0);
    expect(r.norm / dStar).toBeGreaterThanOrEqual(1);
    expect(r.norm / dStar).toBeLessThanOrEqual(1.01);
    expect(r.cos).toBeGreaterThan(0.99);
    // Every returned pixel is on the 8-bit grid already.
    r.adv.forEach((a) => expect(Math.abs(a * 255 - Math.round(a * 255))).toBeLessThan(1e-3));
  });

  // Every c above 2·d/‖v‖ has the boundary point as its exact minimiser, so 5 search steps
  // (c = 1e-3 … 1, then one bisection) are enough for the remaining cases.
  it('κ = 1: stops at margin κ, within 1% of (m0 + κ)/‖v‖', async () => {
    const kappa = 1;
    const r = await attack({ confidence: kappa, binarySteps: 5 });
    const closed = (gNorm * dStar + kappa) / gNorm;
    expect(r.margin).toBeGreaterThanOrEqual(kappa);
    expect(r.norm / closed).toBeLessThanOrEqual(1.01);
  });

  it('targeted at class 1 gives the same minimum', async () => {
    const r = await attack({ target: 1, binarySteps: 5 });
    expect(r.margin).toBeGreaterThan(0);
    expect(r.norm / dStar).toBeLessThanOrEqual(1.01);
  });

  it('through attackImages: succeeds after 8-bit rounding with the same L2', async () => {
    const { clf, px } = problem();
    const image = makeImage8(16, 16, 1, Uint8Array.from(px));
    const [res] = await attackImages(cwL2, { binarySteps: 5 }, [{ image, label: 0, relPath: 'a.png' }], { classifier: clf, rng: createRng(0) });
    clf.dispose();
    expect(res.success).toBe(true);
    expect(res.l2 / 255 / dStar).toBeGreaterThanOrEqual(1);
    expect(res.l2 / 255 / dStar).toBeLessThanOrEqual(1.01);
  });
});

/** min ‖r‖ s.t. v·r ≥ m, |r_i| ≤ e: r_i = clip(λ v_i, −e, e) with v·r(λ) = m (bisection on λ). */
function waterFill(v: number[], m: number, e: number): number {
  const at = (lam: number) => v.map((vi) => Math.max(-e, Math.min(e, lam * vi)));
  const reach = (lam: number) => at(lam).reduce((s, ri, i) => s + ri * v[i], 0);
  if (reach(1e9) < m) throw new Error('the cap cannot reach the boundary');
  let lo = 0;
  let hi = 1;
  while (reach(hi) < m) hi *= 2;
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (reach(mid) < m) lo = mid;
    else hi = mid;
  }
  return Math.hypot(...at(hi));
}

describe('C&W-L2 with an L∞ cap (tanh box = [0,1] ∩ the eps ball)', () => {
  it('within 1% of the water-filling minimum when the cap binds, and inside the cap', async () => {
    const eps = 24;
    const { v, clf } = problem();
    clf.dispose();
    const closed = waterFill(v, gNorm * dStar, eps / 255);
    expect(closed).toBeGreaterThan(dStar * 1.02); // the cap really changes the answer
    const r = await attack({ eps, binarySteps: 5 });
    if (process.env.KA_LOG) console.log('cw-l2 cap: closed form', closed, 'ratio', r.norm / closed);
    expect(r.margin).toBeGreaterThan(0);
    expect(r.norm / closed).toBeLessThanOrEqual(1.01);
  });
});

describe('C&W-L2 behaviour', () => {
  it('an L∞ cap too small to reach the boundary: closest miss, or the input itself', async () => {
    // Reaching the boundary needs Σ|v_i|·δ_i = m0; with |δ_i| ≤ 2/255 the best is 2/255·‖v‖₁ < m0.
    const closest = await attack({ eps: 2, maxIterations: 200, binarySteps: 4 });
    expect(closest.margin).toBeLessThan(0);
    expect(closest.norm).toBeGreaterThan(0);
    const original = await attack({ eps: 2, maxIterations: 200, binarySteps: 4, onFailure: 'original' });
    expect(original.norm).toBeLessThan(1e-6); // float64 vs float32 copies of the same pixels
  });

  it('returns an already-adversarial image unchanged without running', async () => {
    const { clf, x } = problem();
    const x0 = tf.tensor4d(x, [1, 16, 16, 1]);
    const out = await cwL2.run({ classifier: clf, rng: createRng(0) }, { x: x0, labels: Int32Array.from([1]) }, parseAttackParams(cwL2, {}));
    expect(out.steps).toBe(0);
    expect(Array.from(await out.adversarial.data())).toEqual(Array.from(await x0.data()));
    tf.dispose([x0, out.adversarial]);
    clf.dispose();
  });

  it.each([
    [{ confidence: -1 }, /^cw-l2: confidence: must be at least 0/],
    [{ binarySteps: 0 }, /^cw-l2: binarySteps: must be at least 1/],
    [{ learningRate: 0 }, /^cw-l2: learningRate: must be greater than 0/],
    [{ onFailure: 'retry' }, /^cw-l2: onFailure/],
  ])('rejects %o', (params, message) => {
    expect(() => parseAttackParams(cwL2, params)).toThrow(message);
  });

  it('defaults follow the reference code, with 1000 iterations', () => {
    expect(parseAttackParams(cwL2, {})).toEqual({
      eps: 255, target: 'untargeted', confidence: 0, binarySteps: 9, maxIterations: 1000,
      learningRate: 0.01, initialConst: 1e-3, abortEarly: true, onFailure: 'closest',
    });
  });
});
