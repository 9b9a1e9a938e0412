/**
 * Every keras.applications architecture of issue 13 (test/fixtures/architectures, at small test
 * sizes) and the blocks of blocks.ts, through the compiled layer plan: it compiles (no fallback;
 * every conv a fused op with its batch norm folded), its logits equal tfjs-layers' apply(), its
 * input gradient equals tfjs's stock gradient computed on cpu before registration and finite
 * differences on the backend under test, and gradient steps leak no tensors.
 *
 * Finite differences run on the blocks only. The full architectures have ~10⁵ ReLU / max-pool /
 * hard-swish kinks: no step both stays on one linear piece and beats float32 rounding of a deep
 * forward (directionalCheck finds no direction at h from 0.03 down to 3e-4 of the input range), so
 * there the check is the stock gradient, itself checked against finite differences per op
 * (op-suite.ts) and on the blocks, which contain every layer kind of the architectures.
 *
 * Stock references: where a model has batch norms without scale (InceptionV3) stock tfjs cannot
 * differentiate it, so the reference is the same model with gamma = 1 / beta = 0 made explicit
 * (stockDifferentiable). Stock AvgPoolGrad is wrong on the borders of 'same' average pools
 * (docs/kernels.md; op-suite.ts checks ours against finite differences), so the reference uses
 * ours for that one kernel (InceptionV3's pool branches).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summedCrossEntropy } from '../../../src/attacks/gradient';
import { registerInputGradients } from '../../../src/kernels';
import { poolGradients } from '../../../src/kernels/pool-gradients';
import { compileLayerPlan, type LayerPlan } from '../../../src/model/layer-plan';
import { createRng } from '../../../src/shared';
import { archCases, expectedOps, stockDifferentiable, type ArchCase } from './architectures';
import { FD_PIXELS, layersLogits } from './fallback-suite';
import { crossEntropyLoss, directionalCheck, maxRelDiff } from './helpers';

const LABELS = [3, 1];
/** Finite-difference steps for inputs in [−1, 1]; scaled by the model's input range. */
const STEPS = [0.05, 0.015, 0.005];

interface Prepared {
  c: ArchCase;
  model: tfl.LayersModel;
  x: tf.Tensor;
  stock: Float32Array;
  plan?: LayerPlan;
}

function uniformInput(c: ArchCase): tf.Tensor {
  const rng = createRng(`${c.id} x`);
  const [lo, hi] = c.range;
  const n = LABELS.length * c.input.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.uniform(lo, hi)), [LABELS.length, ...c.input]);
}

const gradientOf = (f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Float32Array =>
  tf.tidy(() => tf.grad((v: tf.Tensor) => summedCrossEntropy(f(v) as tf.Tensor2D, tf.tensor1d(LABELS, 'int32')))(x).dataSync().slice() as Float32Array);

export function describeArchitectures(backend: 'wasm' | 'cpu'): void {
  const cases = archCases();
  const all = new Map<string, Prepared>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    tf.registerGradient(poolGradients.find((g) => g.kernelName === tf.AvgPool)!);
    for (const c of cases) {
      const model = c.build();
      const x = uniformInput(c);
      const reference = await stockDifferentiable(model);
      all.set(c.id, { c, model, x, stock: gradientOf(layersLogits(reference), x) });
      if (reference !== model) reference.dispose();
    }
    registerInputGradients();
    await tf.setBackend(backend);
    for (const p of all.values()) p.plan = compileLayerPlan(p.model);
  }, 900_000);
  afterAll(() => all.forEach((p) => (p.plan?.dispose(), p.model.dispose(), p.x.dispose())));

  describe(`keras.applications architectures through the compiled plan on ${backend}`, () => {
    it.each(cases.map((c) => c.id))('%s: compiles every conv to a fused op with its batch norm folded, with the logits of apply()', (id) => {
      const { model, x, plan } = all.get(id)!;
      const { convs, standaloneBatchNorms } = expectedOps(model);
      expect(plan!.ops.filter((o) => /^(conv|depthwise) /.test(o))).toHaveLength(convs);
      expect(plan!.ops.filter((o) => o.startsWith('batch norm'))).toHaveLength(standaloneBatchNorms);
      const [ours, ref] = tf.tidy(() => [plan!.logits(x).dataSync(), layersLogits(model)(x).dataSync()]);
      expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-4);
    });

    it.each(cases.map((c) => c.id))('%s: input gradient matches the stock gradient on cpu (and finite differences on blocks)', (id) => {
      const { c, x, stock, plan } = all.get(id)!;
      const f = (v: tf.Tensor) => plan!.logits(v);
      const ours = gradientOf(f, x);
      expect(ours.every(Number.isFinite)).toBe(true);
      expect(maxRelDiff(ours, stock)).toBeLessThanOrEqual(c.stockTolerance);
      if (!c.fd) return;
      const scale = (c.range[1] - c.range[0]) / 2;
      const fd = directionalCheck(f, x, crossEntropyLoss(LABELS, c.classes), id, FD_PIXELS[id.replace(/ block$/, '')], 3, STEPS.map((h) => h * scale));
      for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
    });

    it.each(cases.map((c) => c.id))('%s: gradient steps leak no tensors', (id) => {
      const { x, plan } = all.get(id)!;
      gradientOf((v) => plan!.logits(v), x);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) gradientOf((v) => plan!.logits(v), x);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('inception-v3 through the tfjs-layers fallback (scale-less batch norms) matches the stock gradient', () => {
      const { model, x, stock } = all.get('inception-v3')!;
      expect(maxRelDiff(gradientOf(layersLogits(model), x), stock)).toBeLessThanOrEqual(1e-3);
    });
  });
}
