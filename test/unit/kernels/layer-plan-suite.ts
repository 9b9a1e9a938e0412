/**
 * The compiled layer plan (src/model/layer-plan.ts) against tfjs-layers' own apply(): same
 * logits, same input gradient as tfjs's stock gradient on cpu, finite differences, no leaks, and
 * the reasons it gives for models it does not compile. Shared by the cpu and wasm test files.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summedCrossEntropy } from '../../../src/attacks/gradient';
import { registerInputGradients } from '../../../src/kernels';
import { compileLayerPlan, tryCompileLayerPlan, type LayerPlan } from '../../../src/model/layer-plan';
import { createRng } from '../../../src/shared';
import { crossEntropyLoss, directionalCheck, maxRelDiff, randomTensor, seedWeights } from './helpers';
import { fashionCnn, MOBILE_CLASSES, MOBILE_INPUT, mobileNetStyle } from './models';

/** A chain with every other layer kind the plan compiles: BN folding, strides, 'same', relu6. */
function variedChain(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.reLU({ maxValue: 6 }));
  m.add(tfl.layers.conv2d({ filters: 12, kernelSize: [3, 2], padding: 'same', activation: 'relu6' }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 2, strides: 1 }));
  m.add(tfl.layers.dropout({ rate: 0.5 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 16, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 5 }));
  m.add(tfl.layers.activation({ activation: 'softmax' }));
  seedWeights(m, 'varied chain');
  // Batch-norm statistics away from (0, 1) so that folding them is visible.
  for (const layer of m.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(layer.getWeights().map((w, i, all) => tf.add(tf.mul(w, 0.5), i === all.length - 1 ? 1.5 : 0.2)));
  }
  return m;
}

interface PlanCase {
  name: string;
  model: tfl.LayersModel;
  x: tf.Tensor4D;
  labels: number[];
  classes: number;
  /** Logits from tfjs-layers: the model output, or the input of its final softmax. */
  reference: (x: tf.Tensor) => tf.Tensor;
  ops: number;
  /** Coordinates per finite-difference direction. */
  pixels: number;
}

function preSoftmaxOf(model: tfl.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const last = model.layers[model.layers.length - 1];
  const sub = tfl.model({ inputs: model.inputs, outputs: last.input as tfl.SymbolicTensor });
  return (x) => sub.apply(x, { training: false }) as tf.Tensor;
}

function cases(): PlanCase[] {
  // model-suite.ts' inputs, whose 1-pixel (CNN) and 4-pixel (MobileNet) directions stay off kinks.
  const rng = createRng('model inputs');
  const cnn = fashionCnn('linear');
  const mobile = mobileNetStyle();
  const varied = variedChain();
  const cnnX = tf.clipByValue(randomTensor(rng, [3, 28, 28, 1], 0.5), -1, 1) as tf.Tensor4D;
  const mobileX = randomTensor(rng, [2, ...MOBILE_INPUT]) as tf.Tensor4D;
  return [
    { name: 'fashion CNN', model: cnn, x: cnnX, labels: [3, 7, 1], classes: 10, reference: (x) => cnn.apply(x) as tf.Tensor, ops: 5, pixels: 1 },
    { name: 'MobileNet-style', model: mobile, x: mobileX, labels: [4, 0], classes: MOBILE_CLASSES, reference: (x) => mobile.apply(x) as tf.Tensor, ops: 12, pixels: 4 },
    { name: 'varied chain', model: varied, x: randomTensor(rng, [2, 12, 12, 3]) as tf.Tensor4D, labels: [4, 0], classes: 5, reference: preSoftmaxOf(varied), ops: 8, pixels: 1 },
  ];
}

const ceGradient = (f: (x: tf.Tensor) => tf.Tensor, c: PlanCase): Float32Array =>
  tf.tidy(() => tf.grad((v: tf.Tensor) => summedCrossEntropy(f(v) as tf.Tensor2D, tf.tensor1d(c.labels, 'int32')))(c.x).dataSync().slice() as Float32Array);

export function describeLayerPlan(backend: 'wasm' | 'cpu'): void {
  let all: PlanCase[] = [];
  const plans = new Map<string, LayerPlan>();
  const stock = new Map<string, Float32Array>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    all = cases();
    for (const c of all) stock.set(c.name, ceGradient(c.reference, c));
    registerInputGradients();
    await tf.setBackend(backend);
    for (const c of all) plans.set(c.name, compileLayerPlan(c.model));
  });
  afterAll(() => {
    plans.forEach((p) => p.dispose());
    all.forEach((c) => c.model.dispose());
  });

  describe(`compiled layer plan on ${backend}`, () => {
    it.each(['fashion CNN', 'MobileNet-style', 'varied chain'])('%s: compiles to fused ops and gives the same logits as apply()', (name) => {
      const c = all.find((m) => m.name === name)!;
      const plan = plans.get(name)!;
      expect(plan.ops).toHaveLength(c.ops);
      expect(plan.softmax === null).toBe(name !== 'varied chain');
      const [ours, ref] = tf.tidy(() => [plan.logits(c.x).dataSync(), c.reference(c.x).dataSync()]);
      expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
    });

    it('folds batch norms into convs, fuses the activation after them and pairs conv(relu) with its max-pool', () => {
      const ops = plans.get('varied chain')!.ops;
      expect(ops[0]).toMatch(/^conv 3×3×8\/2 same relu6 \(/); // conv → BN → ReLU(6) as one op
      expect(ops.filter((o) => o.startsWith('batch norm'))).toHaveLength(1); // the one after a relu6 conv
      expect(plans.get('fashion CNN')!.ops[0]).toMatch(/relu \+ max-pool 2×2\/2/);
      const mobile = plans.get('MobileNet-style')!.ops;
      expect(mobile.filter((o) => o.startsWith('batch norm'))).toHaveLength(0);
      expect(mobile.filter((o) => /^depthwise 3×3×1\/[12] (same|valid) relu6/.test(o))).toHaveLength(2);
      expect(mobile.filter((o) => o.startsWith('add'))).toHaveLength(1);
    });

    it.each(['fashion CNN', 'MobileNet-style', 'varied chain'])('%s: input gradient matches the stock gradient on cpu and finite differences', (name) => {
      const c = all.find((m) => m.name === name)!;
      const plan = plans.get(name)!;
      const ours = ceGradient((x) => plan.logits(x), c);
      const ref = stock.get(name)!;
      expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-4);
      // Dead ReLUs and unrouted pool taps give exact zeros; sign() relies on them.
      expect(ours.filter((g) => g === 0).length).toBe(ref.filter((g) => g === 0).length);
      const fd = directionalCheck((x) => plan.logits(x), c.x, crossEntropyLoss(c.labels, c.classes), name, c.pixels, 3);
      for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
    });

    it('leaks no tensors over 50 gradient steps, and dispose() frees everything the plan made', () => {
      const c = all.find((m) => m.name === 'fashion CNN')!;
      const before = tf.memory().numTensors;
      const plan = compileLayerPlan(c.model);
      const owned = tf.memory().numTensors - before;
      expect(owned).toBeGreaterThan(0);
      for (let i = 0; i < 50; i++) ceGradient((x) => plan.logits(x), c);
      expect(tf.memory().numTensors).toBe(before + owned);
      plan.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('folds and differentiates batch norm without offset or scale', () => {
      const m = tfl.sequential();
      m.add(tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3 }));
      m.add(tfl.layers.batchNormalization({ center: false, scale: false }));
      m.add(tfl.layers.flatten());
      m.add(tfl.layers.dense({ units: 3 }));
      seedWeights(m, 'bn without offset');
      const plan = compileLayerPlan(m);
      const x = randomTensor(createRng('bn x'), [2, 6, 6, 2]);
      try {
        expect(plan.ops[0]).toMatch(/^conv 3×3×4\/1 valid linear/);
        expect(maxRelDiff(tf.tidy(() => plan.logits(x).dataSync()), tf.tidy(() => (m.apply(x) as tf.Tensor).dataSync()))).toBeLessThanOrEqual(1e-5);
        const fd = directionalCheck((v) => plan.logits(v), x, crossEntropyLoss([0, 2], 3), 'bn', 'dense', 3);
        for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
      } finally {
        plan.dispose();
        m.dispose();
        x.dispose();
      }
    });

    it('says why it does not compile a model, and can be turned off', () => {
      const input = tfl.input({ shape: [4] });
      const shared = tfl.layers.dense({ units: 4 });
      const branchy = tfl.model({ inputs: input, outputs: shared.apply(shared.apply(input)) as tfl.SymbolicTensor });
      const softsign = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softsign' })] });
      try {
        expect(tryCompileLayerPlan(branchy)).toMatch(/is called 2 times/);
        expect(tryCompileLayerPlan(softsign)).toMatch(/has activation softsign/);
        process.env.PRINTSHOT_LAYER_PLAN = 'off';
        expect(tryCompileLayerPlan(all[0].model)).toBe('PRINTSHOT_LAYER_PLAN=off');
      } finally {
        delete process.env.PRINTSHOT_LAYER_PLAN;
        branchy.dispose();
        softsign.dispose();
      }
    });
  });
}
