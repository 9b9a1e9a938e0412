/**
 * The load-time gradient probe: a model attacks cannot differentiate fails at load with one
 * bad-model line naming the layer (Layers models) or graph node (Graph models) to blame, and
 * normal models pass it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, loadClassifierFromMemory, type InMemoryModel } from '../../../src/model/node';
import { explainFailure, probeImage, traceLayerCalls, whereKernel, type LayerTrace } from '../../../src/model/gradient-probe';
import { PrintshotError } from '../../../src/shared';
import { mobileNetStyle } from '../kernels/models';
import { card, graphModel } from './model-fixtures';

/** A kernel registered without a gradient, as a user's custom op would be. */
const NO_GRAD = 'PrintshotTestNoGradient';

type Kind = 'nograd' | 'cut' | 'round' | 'sqrt';

/** One custom layer per way of breaking the gradient; `kind` is serialized so the loader rebuilds it. */
class Breaker extends tfl.layers.Layer {
  static className = 'PrintshotTestBreaker';
  readonly kind: Kind;
  constructor(args: { kind: Kind; name?: string }) {
    super(args);
    this.kind = args.kind;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    switch (this.kind) {
      case 'nograd':
        return tf.engine().runKernel(NO_GRAD, { x }) as tf.Tensor;
      case 'cut': // reads the values back: the result is a new tensor the tape knows nothing about
        return tf.tensor(x.dataSync(), x.shape);
      case 'round':
        return tf.round(tf.mul(x, 4));
      case 'sqrt': // sqrt(relu(x - 2)) is 0 on [0,1] images, with an infinite derivative there
        return tf.add(x, tf.sqrt(tf.relu(tf.sub(x, 2))));
    }
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kind: this.kind };
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.registerKernel({
    kernelName: NO_GRAD,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      const b = backend as unknown as { readSync(id: object): Float32Array; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
      return b.makeTensorInfo(x.shape, x.dtype, b.readSync(x.dataId).slice());
    },
  });
  tf.serialization.registerClass(Breaker);
});
afterAll(() => tf.unregisterKernel(NO_GRAD, 'cpu'));

/** 4×4×1 → Breaker → Flatten → Dense(3): the breaker sits between the pixels and the logits. */
async function withBreaker(kind: Kind): Promise<InMemoryModel> {
  const x = tfl.input({ shape: [4, 4, 1] });
  let y = new Breaker({ kind, name: `breaker_${kind}` }).apply(x) as tfl.SymbolicTensor;
  y = tfl.layers.flatten().apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }), biasInitializer: 'zeros' }).apply(y) as tfl.SymbolicTensor;
  return inMemory(tfl.model({ inputs: x, outputs: y }), ['a', 'b', 'c']);
}

async function inMemory(model: tfl.LayersModel, labels: string[], input = { height: 4, width: 4, channels: 1 }): Promise<InMemoryModel> {
  let saved: InMemoryModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = {
        modelJSON: { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] },
        weights: { 'w.bin': new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData)) },
        card: card(labels, input),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return saved!;
}

async function loadError(m: InMemoryModel): Promise<string> {
  const e = await loadClassifierFromMemory(m).then(
    () => expect.fail('expected the gradient probe to reject the model'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PrintshotError);
  expect((e as PrintshotError).code).toBe('bad-model');
  expect((e as PrintshotError).message).not.toContain('\n');
  return (e as PrintshotError).message;
}

describe('gradient probe at load', () => {
  it('names the custom layer whose op has no registered gradient', async () => {
    const msg = await loadError(await withBreaker('nograd'));
    expect(msg).toBe(`cannot differentiate the model: layer breaker_nograd (PrintshotTestBreaker) runs ${NO_GRAD}, which has no gradient in TF.js`);
  });

  it('names the layer that cuts the tape', async () => {
    expect(await loadError(await withBreaker('cut'))).toMatch(/layer breaker_cut \(PrintshotTestBreaker\) cuts the gradient path/);
  });

  it('rejects a gradient that is zero by construction and names the rounding layer', async () => {
    expect(await loadError(await withBreaker('round'))).toMatch(/exactly zero.*layer breaker_round \(PrintshotTestBreaker\) runs Round/);
  });

  it('rejects a NaN/Infinity input gradient', async () => {
    expect(await loadError(await withBreaker('sqrt'))).toMatch(/input gradient is NaN or Infinity/);
  });

  it('probeGradient: false loads the model anyway (classification needs no gradient), and gradientProblem() reports it', async () => {
    const clf = await loadClassifierFromMemory(await withBreaker('nograd'), { probeGradient: false });
    try {
      const y = clf.logits(tf.ones([2, 4, 4, 1]));
      expect(y.shape).toEqual([2, 3]);
      y.dispose();
      expect(clf.gradientProblem()).toMatch(/layer breaker_nograd/);
      const tensors = tf.memory().numTensors; // a failed backprop's tape is freed, not leaked
      expect(clf.gradientProblem()).toMatch(/layer breaker_nograd/);
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      clf.dispose();
    }
  });

  it('a repeated probe gives the same answer and leaves no tensor behind', async () => {
    const clf = await loadClassifierFromMemory(await withBreaker('sqrt'), { probeGradient: false });
    expect(clf.gradientProblem()).toMatch(/NaN/);
    const tensors = tf.memory().numTensors;
    expect(clf.gradientProblem()).toMatch(/NaN/);
    expect(tf.memory().numTensors).toBe(tensors);
    clf.dispose();
  });

  it('tracing wraps every layer call for the probe and restores the prototype method after', () => {
    const m = mobileNetStyle();
    const traces: LayerTrace[] = [];
    const restore = traceLayerCalls(m, traces);
    expect(m.layers.every((l) => Object.prototype.hasOwnProperty.call(l, 'call'))).toBe(true);
    tf.grad((x: tf.Tensor) => tf.sum(m.apply(x) as tf.Tensor))(tf.ones([1, 16, 16, 3])).dispose();
    restore();
    expect(m.layers.some((l) => Object.prototype.hasOwnProperty.call(l, 'call'))).toBe(false);
    // Every called layer was traced once, connected, and the convolutions recorded their kernels.
    expect(traces.length).toBe(m.layers.length - 1); // the InputLayer is not called
    expect(traces.every((t) => t.connected)).toBe(true);
    expect(traces.find((t) => t.layer.getClassName() === 'DepthwiseConv2D')?.kernels).toContain('DepthwiseConv2dNative');
    m.dispose();
  });

  it('passes the bundled model and a MobileNet-style model (compiled and through tfjs-layers)', async () => {
    const bundled = await loadClassifier('default');
    expect(bundled.gradientProblem()).toBeNull();
    bundled.dispose();
    const mobile = await loadClassifierFromMemory(await inMemory(mobileNetStyle(), ['a', 'b', 'c', 'd', 'e'], { height: 16, width: 16, channels: 3 }));
    expect(mobile.execution.compiled).toBe(true);
    expect(mobile.gradientProblem()).toBeNull();
    mobile.dispose();
  });

  it('graph models: a node whose op has no gradient is named, and a Round node is blamed for a zero gradient', async () => {
    const withOp = (op: string, extra: object = {}) => {
      const { json, shard } = graphModel();
      const j = json as { modelTopology: { node: { name: string; op: string; input?: string[]; attr?: object }[] }; weightsManifest: { weights: object[] }[] };
      const nodes = j.modelTopology.node;
      nodes.splice(1, 0, { name: 'suspect', op, input: ['x', ...('axis' in extra ? ['axis'] : [])], attr: { T: { type: 'DT_FLOAT' }, ...extra } });
      nodes.find((n) => n.name === 'flat')!.input![0] = 'suspect';
      if ('axis' in extra) {
        nodes.splice(1, 0, { name: 'axis', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: {} } } } });
        j.weightsManifest[0].weights.push({ name: 'axis', shape: [], dtype: 'int32' });
        const bytes = new Uint8Array(shard.length + 4);
        bytes.set(shard);
        new DataView(bytes.buffer).setInt32(shard.length, 2, true);
        return { modelJSON: j, weights: { 'group1-shard1of1.bin': bytes }, card: card(['a', 'b', 'c']) };
      }
      return { modelJSON: j, weights: { 'group1-shard1of1.bin': shard }, card: card(['a', 'b', 'c']) };
    };
    expect(await loadError(withOp('Cumprod', { axis: true, exclusive: { b: false }, reverse: { b: false } }))).toBe(
      'cannot differentiate the model: graph node suspect runs Cumprod, which has no gradient in TF.js',
    );
    expect(await loadError(withOp('Round'))).toMatch(/exactly zero.*graph node suspect is a Round/);
  });
});

describe('kernel → layer / node mapping', () => {
  const graph = { kind: 'graph' as const, nodes: [{ name: 'a', op: 'Conv2D' }, { name: 'crop1', op: 'CropAndResize' }, { name: 'crop2', op: 'CropAndResize' }] };

  it('maps tfjs "gradient function not found" errors to graph nodes, listing all that run the op', () => {
    const err = new Error('Cannot compute gradient: gradient function not found for CropAndResize.');
    expect(explainFailure(err, graph, [])).toBe('cannot differentiate the model: graph nodes crop1, crop2 runs CropAndResize, which has no gradient in TF.js');
  });

  it('prefers the innermost traced layer that ran the kernel, and falls back to the op name', () => {
    const fakeLayer = (name: string, cls: string, activation?: string) =>
      ({ name, getClassName: () => cls, getConfig: () => (activation ? { activation } : {}) }) as unknown as LayerTrace['layer'];
    const traces: LayerTrace[] = [
      { layer: fakeLayer('inner', 'Dense', 'gelu'), kernels: ['MatMul', 'Erf'], connected: true },
      { layer: fakeLayer('outer', 'Functional'), kernels: ['MatMul', 'Erf'], connected: true },
    ];
    const site = { kind: 'layers' as const, model: { layers: [] } as unknown as tfl.LayersModel, compiled: false };
    expect(whereKernel('Erf', site, traces)).toBe('layer inner (Dense, activation gelu)');
    expect(whereKernel('TopK', site, traces)).toBe('a layer of the model');
    expect(explainFailure(new Error('boom\nstack'), site, traces)).toBe('cannot differentiate the model: computing the input gradient failed: boom');
  });

  it('the probe image is deterministic, inside (0,1) and not constant', () => {
    const a = probeImage({ height: 3, width: 3, channels: 3 });
    const v = Array.from(a.dataSync());
    expect(v.every((p) => p >= 0.1 && p <= 0.9)).toBe(true);
    expect(new Set(v).size).toBe(v.length);
    expect(Array.from(probeImage({ height: 3, width: 3, channels: 3 }).dataSync())).toEqual(v);
  });
});
