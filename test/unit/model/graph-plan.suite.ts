/**
 * The compiled graph plan (src/model/graph-plan.ts) against GraphModel.execute on graph models
 * written as tfjs-converter writes them (test/fixtures/graph): same logits, input gradients equal
 * to tfjs's stock gradient of model.execute on cpu and to finite differences, quantized weights
 * within their quantization bound, no leaks, and the reason it gives for a graph it does not
 * compile. Shared by the cpu and wasm test files.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { summedCrossEntropy } from '../../../src/attacks/gradient';
import { registerInputGradients } from '../../../src/kernels';
import { compileGraphPlan, tryCompileGraphPlan, type GraphPlan } from '../../../src/model/graph-plan';
import { graphHead } from '../../../src/model/head';
import { assembleModel, memoryHandler } from '../../../src/model/io-handler';
import { loadClassifierFromMemory } from '../../../src/model';
import { createRng, log } from '../../../src/shared';
import type { Quantization } from '../../fixtures/graph/builder';
import { GRAPH_FIXTURES, type GraphFixture, type GraphFixtureOptions } from '../../fixtures/graph/models';
import { crossEntropyLoss, directionalCheck, maxRelDiff, randomTensor } from '../kernels/helpers';

type Kind = keyof typeof GRAPH_FIXTURES;
const KINDS: Kind[] = ['cnn', 'mobilenet', 'inception', 'ops'];
/**
 * tfjs's stock AvgPoolGrad divides SAME-padded border windows by k² instead of the real pixel
 * count (docs/kernels.md), so the stock-gradient comparison of the inception block uses a VALID
 * average pool (its 1×1 conv then pads explicitly); finite differences check the SAME one.
 */
const STOCK_COMPARABLE: Partial<Record<Kind, GraphFixtureOptions>> = { inception: { avgPoolPadding: 'VALID' } };
/** Compiled op counts: each conv absorbs its BiasAdd / batch norm / Relu(6) / MaxPool. */
const OPS: Record<Kind, number> = { cnn: 5, mobilenet: 14, inception: 18, ops: 26 };

interface Loaded {
  fixture: GraphFixture;
  model: tfconv.GraphModel;
  modelJSON: tf.io.ModelJSON;
}

export async function loadGraphFixture(kind: Kind, o: GraphFixtureOptions = {}): Promise<Loaded> {
  const fixture = GRAPH_FIXTURES[kind](o);
  const bundle = await assembleModel(new TextEncoder().encode(JSON.stringify(fixture.modelJSON)), async (p) => fixture.weights[p], 'model.json');
  return { fixture, model: await tfconv.loadGraphModel(memoryHandler(bundle)), modelJSON: bundle.modelJSON };
}

const reference = (l: Loaded) => (x: tf.Tensor) => l.model.execute(x, l.fixture.logitsTensor) as tf.Tensor;

function inputs(l: Loaded): { x: tf.Tensor; labels: number[] } {
  const rng = createRng(`graph x ${l.fixture.name}`);
  // Images in [0, 1] plus a little noise, as attacks see them.
  const x = tf.tidy(() => tf.clipByValue(tf.add(tf.mul(randomTensor(rng, [2, ...l.fixture.input]), 0.25), 0.5), 0, 1));
  return { x, labels: [1, l.fixture.classes - 1] };
}

/**
 * Finite differences for a graph with smooth non-linearities (Tanh, Elu, Sigmoid), where
 * directionalCheck's one-linear-piece test does not apply: along single pixels with the largest
 * gradients, the Richardson-extrapolated central difference (4·D(h/2) − D(h))/3 (error O(h⁴)) at
 * h = 0.04 and 0.02; a pixel counts when both agree to 5e-4 (no kink crossed; float32 rounding
 * alone leaves ~1e-4), and its autodiff derivative must then agree with their mean to 1e-3.
 */
function smoothCheck(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, labels: number[], classes: number, grad: Float32Array, wanted = 3): number[] {
  const loss = crossEntropyLoss(labels, classes);
  const at = (i: number, t: number): number =>
    tf.tidy(() => {
      const shift = tf.buffer(x.shape, 'float32');
      shift.values[i] = t;
      return loss.value(f(tf.add(x, shift.toTensor())).dataSync() as Float32Array);
    });
  const D = (i: number, h: number) => (at(i, h) - at(i, -h)) / (2 * h);
  const R = (i: number, h: number) => (4 * D(i, h / 2) - D(i, h)) / 3;
  const order = Array.from(grad.keys()).sort((p, q) => Math.abs(grad[q]) - Math.abs(grad[p]));
  const errors: number[] = [];
  for (const i of order.slice(0, 40)) {
    const [r1, r2] = [R(i, 0.04), R(i, 0.02)];
    if (Math.abs(r1 - r2) > 5e-4 * Math.abs(r2)) continue;
    errors.push(Math.abs(grad[i] - (r1 + r2) / 2) / Math.abs(r2));
    if (errors.length === wanted) return errors;
  }
  throw new Error(`only ${errors.length} of ${wanted} pixels gave a stable finite difference`);
}

const ceGradient = (f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, labels: number[]): Float32Array =>
  tf.tidy(() => tf.grad((v: tf.Tensor) => summedCrossEntropy(f(v) as tf.Tensor2D, tf.tensor1d(labels, 'int32')))(x).dataSync().slice() as Float32Array);

export function describeGraphPlan(backend: 'cpu' | 'wasm'): void {
  const loaded = new Map<Kind, Loaded>();
  const plans = new Map<Kind, GraphPlan>();
  const stock = new Map<Kind, { l: Loaded; grad: Float32Array }>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const kind of KINDS) {
      loaded.set(kind, await loadGraphFixture(kind));
      const l = STOCK_COMPARABLE[kind] ? await loadGraphFixture(kind, STOCK_COMPARABLE[kind]) : loaded.get(kind)!;
      const { x, labels } = inputs(l);
      // tfjs's own gradient of model.execute, before Printshot's gradients are registered.
      stock.set(kind, { l, grad: ceGradient(reference(l), x, labels) });
      x.dispose();
    }
    registerInputGradients();
    await tf.setBackend(backend);
    for (const kind of KINDS) {
      const l = loaded.get(kind)!;
      plans.set(kind, compileGraphPlan(l.model, l.modelJSON, l.fixture.logitsTensor));
    }
  });
  afterAll(() => {
    plans.forEach((p) => p.dispose());
    loaded.forEach((l) => l.model.dispose());
    stock.forEach(({ l }) => l.model.dispose());
  });

  describe(`compiled graph plan on ${backend}`, () => {
    it.each(KINDS)('%s: compiles to fused ops and gives the logits of model.execute', (kind) => {
      const l = loaded.get(kind)!;
      const plan = plans.get(kind)!;
      expect(plan.ops).toHaveLength(OPS[kind]);
      const { x } = inputs(l);
      const [ours, ref] = tf.tidy(() => [plan.logits(x).dataSync(), reference(l)(x).dataSync()]);
      x.dispose();
      expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
    });

    it('fuses what follows a conv: BiasAdd, batch norm, Relu(6), MaxPool; EXPLICIT padding kept', () => {
      const cnn = plans.get('cnn')!.ops;
      expect(cnn[0]).toMatch(/^conv 3×3×8\/1 same relu \+ max-pool 2×2\/2/); // _FusedConv2D [BiasAdd, Relu] + MaxPool
      expect(cnn[1]).toMatch(/^conv 3×3×16\/1 valid relu \+ max-pool 2×2\/2 \(.*conv2d_1\/Conv2D\)/); // Conv2D → BiasAdd → Relu → MaxPool
      expect(cnn.slice(3)).toEqual([expect.stringMatching(/^dense 32 relu/), expect.stringMatching(/^dense 10 linear/)]);
      const mobile = plans.get('mobilenet')!.ops;
      expect(mobile[0]).toMatch(/^conv 3×3×16\/2 explicit relu6/);
      expect(mobile.filter((o) => /^depthwise 3×3×1\/[12] (same|valid|explicit) relu6/.test(o))).toHaveLength(3);
      expect(mobile).toContain('depthwise 3×3×1/1 explicit relu6 (StatefulPartitionedCall/mobilenetv2/block_1_depthwise/depthwise)'); // → BN → Relu6
      expect(mobile.some((o) => o.startsWith('fusedbatchnorm'))).toBe(false);
      expect(plans.get('inception')!.ops).toContain('fusedbatchnormv3 (mixed/bn/FusedBatchNormV3)'); // after a concat: x·a + b
      // fused_ops [BiasAdd, Elu | LeakyRelu] stay one op; so does Conv2D → BiasAdd → Sigmoid.
      const ops = ['conv 1×1×8/1 same elu (fused/Elu)', 'conv 3×3×8/1 same leakyrelu:0.3 (fused/LeakyRelu)', 'conv 1×1×8/1 same sigmoid (se/conv/Conv2D)'];
      expect(plans.get('ops')!.ops).toEqual(expect.arrayContaining(ops));
    });

    it.each(KINDS)('%s: input gradient matches the stock gradient on cpu and finite differences', (kind) => {
      const l = loaded.get(kind)!;
      const plan = plans.get(kind)!;
      const { x, labels } = inputs(l);
      const s = stock.get(kind)!;
      const stockPlan = s.l === l ? plan : compileGraphPlan(s.l.model, s.l.modelJSON, s.l.fixture.logitsTensor);
      const ours = ceGradient((v) => stockPlan.logits(v), x, labels);
      if (stockPlan !== plan) stockPlan.dispose();
      expect(maxRelDiff(ours, s.grad)).toBeLessThanOrEqual(1e-4);
      // Dead ReLUs and unrouted pool taps give exact zeros; sign() relies on them.
      expect(ours.filter((g) => g === 0).length).toBe(s.grad.filter((g) => g === 0).length);
      if (kind === 'ops') {
        const errors = smoothCheck((v) => plan.logits(v), x, labels, l.fixture.classes, ceGradient((v) => plan.logits(v), x, labels));
        for (const e of errors) expect(e).toBeLessThanOrEqual(1e-3);
      } else {
        const fd = directionalCheck((v) => plan.logits(v), x, crossEntropyLoss(labels, l.fixture.classes), kind, 2, 3);
        for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
      }
      x.dispose();
    });

    it.each(['uint8', 'uint16', 'float16'] as Quantization[])('%s weights load dequantized within the quantization bound, and the plan matches model.execute', async (q) => {
      for (const kind of KINDS) {
        const float = loaded.get(kind)!;
        const l = await loadGraphFixture(kind, { quantize: q });
        try {
          for (const [name, [w]] of Object.entries(l.model.weights)) {
            if (w.dtype !== 'float32') continue;
            const want = float.model.weights[name][0].dataSync();
            const got = w.dataSync();
            const spec = l.modelJSON.weightsManifest[0].weights.find((s) => s.name === name)!;
            // Affine: rounding to the nearest level (scale/2, plus float32 rounding of q·scale + min);
            // float16: half an ulp of an 11-bit significand (subnormals: 2^-25).
            const bound = (v: number) => (q === 'float16' ? Math.max(Math.abs(v) * 2 ** -11, 2 ** -25) : spec.quantization!.scale! * 0.5001 + Math.abs(v) * 2 ** -23);
            const worst = Math.max(...Array.from(got, (g, i) => Math.abs(g - want[i]) / bound(want[i])));
            expect(worst, `${kind} ${name}`).toBeLessThanOrEqual(1);
          }
          const plan = compileGraphPlan(l.model, l.modelJSON, l.fixture.logitsTensor);
          const { x } = inputs(l);
          const [ours, ref, fl] = tf.tidy(() => [plan.logits(x).dataSync(), reference(l)(x).dataSync(), reference(float)(x).dataSync()]);
          plan.dispose();
          x.dispose();
          expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
          // The quantized model stays close to the float one (uint8 keeps ~2 significant digits).
          expect(maxRelDiff(ours, fl)).toBeLessThanOrEqual(q === 'uint8' ? 0.1 : 2e-3);
          expect(maxRelDiff(ours, fl)).toBeGreaterThan(0);
        } finally {
          l.model.dispose();
        }
      }
    });

    it.each(KINDS)('%s: leaks no tensors over 50 gradient steps, and dispose() frees everything the plan made', (kind) => {
      const l = loaded.get(kind)!;
      const { x, labels } = inputs(l);
      const before = tf.memory().numTensors;
      const plan = compileGraphPlan(l.model, l.modelJSON, l.fixture.logitsTensor);
      const owned = tf.memory().numTensors - before;
      expect(owned).toBeGreaterThan(0);
      for (let i = 0; i < 50; i++) ceGradient((v) => plan.logits(v), x, labels);
      expect(tf.memory().numTensors).toBe(before + owned);
      plan.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });

    it('loads through loadClassifierFromMemory compiled, including a fixed-batch-1 export, with the logits of model.execute', async () => {
      for (const batch of [-1, 1]) {
        const f = GRAPH_FIXTURES.mobilenet({ batch });
        const debug: string[] = [];
        const spy = vi.spyOn(log, 'debug').mockImplementation((m: string) => void debug.push(m));
        const before = tf.memory().numTensors;
        const clf = await loadClassifierFromMemory({ modelJSON: f.modelJSON, weights: f.weights, name: `${f.name} batch ${batch}` }).finally(() => spy.mockRestore());
        expect(debug.some((m) => /runs as 14 fused ops: conv 3×3×16\/2 explicit relu6/.test(m)), debug.join('\n')).toBe(true);
        const x = tf.randomUniform([3, ...f.input], 0, 1, 'float32', 7) as tf.Tensor4D;
        const l = loaded.get('mobilenet')!;
        const [ours, ref] = tf.tidy(() => [clf.logits(x).dataSync(), reference(l)(x).dataSync()]);
        expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
        x.dispose();
        clf.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
    });

    it('a graph exported with batch 1 runs whole batches when the batch stays on axis 0, else one image at a time', async () => {
      for (const kind of KINDS) {
        const l = await loadGraphFixture(kind, { batch: 1 });
        const plan = compileGraphPlan(l.model, l.modelJSON, l.fixture.logitsTensor);
        const x = tf.randomUniform([3, ...l.fixture.input], 0, 1, 'float32', 5);
        try {
          expect(plan.oneAtATime, kind).toBeNull();
          expect(graphHead(l.model, l.modelJSON).inputShape[0]).toBeNull();
          const [ours, ref] = tf.tidy(() => [plan.logits(x).dataSync(), reference(loaded.get(kind)!)(x).dataSync()]);
          expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
        } finally {
          plan.dispose();
          l.model.dispose();
          x.dispose();
        }
      }
      // Negative axes (here the same as [1, 2]) may be axis 0 for all the plan knows: one image at a time.
      const f = GRAPH_FIXTURES.inception({ batch: 1 });
      const nodes = (f.modelJSON.modelTopology as { node: { name: string; attr: Record<string, unknown> }[] }).node;
      nodes.find((n) => n.name === 'pool/Squeeze')!.attr.squeeze_dims = { list: { i: ['-3', '-2'] } };
      const clf = await loadClassifierFromMemory({ modelJSON: f.modelJSON, weights: f.weights, name: 'squeeze-negative' });
      const l = await loadGraphFixture('inception', { batch: 1 });
      const x = tf.randomUniform([3, ...f.input], 0, 1, 'float32', 5) as tf.Tensor4D;
      try {
        const bundle = { ...l, modelJSON: f.modelJSON as unknown as tf.io.ModelJSON };
        expect(tryCompileGraphPlan(bundle.model, bundle.modelJSON, f.logitsTensor)).toHaveProperty('oneAtATime', 'node pool/Squeeze (Squeeze) works on axis -3, -2');
        const [ours, ref] = tf.tidy(() => [clf.logits(x).dataSync(), reference(loaded.get('inception')!)(x).dataSync()]);
        expect(maxRelDiff(ours, ref)).toBeLessThanOrEqual(1e-5);
      } finally {
        clf.dispose();
        l.model.dispose();
        x.dispose();
      }
    });

    it('a graph with an op it does not compile falls back to model.execute and says which node, in one line', async () => {
      const l = await loadGraphFixture('cnn', { uncompiledOp: 'Erf' });
      const before = tf.memory().numTensors;
      try {
        const why = tryCompileGraphPlan(l.model, l.modelJSON, l.fixture.logitsTensor);
        expect(why).toBe('node StatefulPartitionedCall/sequential/conv2d_1/Relu (Erf): op Erf is not compiled');
        expect(tf.memory().numTensors).toBe(before); // nothing left from the partial compile
        const head = graphHead(l.model, l.modelJSON);
        expect(head.execution).toEqual({ notCompiled: why });
        const { x, labels } = inputs(l);
        const g = ceGradient(head.preSoftmax!, x, labels);
        expect(g.every(Number.isFinite) && g.some((v) => v !== 0)).toBe(true);
        x.dispose();
        process.env.PRINTSHOT_LAYER_PLAN = 'off';
        expect(tryCompileGraphPlan(loaded.get('cnn')!.model, loaded.get('cnn')!.modelJSON, 'x')).toBe('PRINTSHOT_LAYER_PLAN=off');
      } finally {
        delete process.env.PRINTSHOT_LAYER_PLAN;
        l.model.dispose();
      }
    });
  });
}
