/**
 * Keras layers tfjs-layers lacks (src/model/keras-compat.ts), loaded from hand-written Keras 2.15
 * model.json files as tensorflowjs_converter writes them: known answers for TFOpLambda with its
 * constant operand in the inbound node's kwargs, Normalization from weights or from its config,
 * keepdims global pooling and hard_swish / silu activations; one bad-model line naming the layer
 * for what cannot be supported.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierFromMemory } from '../../../src/model';
import { registerKerasCompat } from '../../../src/model/keras-compat';
import { PrintshotError } from '../../../src/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
  /** The one inbound node: [layer, node, tensor, kwargs?] per input. */
  from?: Array<[string, number, number, Record<string, unknown>?]>;
}

/** A Keras 2.15 Functional model.json over a [1, 1, C] input whose last layer gives the logits. */
function kerasJSON(channels: number, layers: KerasLayer[], weights: Array<{ name: string; shape: number[]; dtype?: string }> = []) {
  const input = {
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, 1, 1, channels], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' },
    name: 'input_1',
    inbound_nodes: [],
  };
  const named = layers.map((l) => ({
    class_name: l.class_name,
    config: { trainable: true, dtype: 'float32', ...l.config },
    name: l.config.name,
    // tensorflowjs_converter writes a TFOpLambda's inbound_nodes one list level short (tfjs#7271).
    inbound_nodes: l.class_name === 'TFOpLambda' ? (l.from ?? []).map(([n, i, t, kw]) => [n, i, t, kw ?? {}]) : [(l.from ?? []).map(([n, i, t, kw]) => [n, i, t, kw ?? {}])],
  }));
  const last = layers[layers.length - 1].config.name;
  return {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: { name: 'model', trainable: true, layers: [input, ...named], input_layers: [['input_1', 0, 0]], output_layers: [[last, 0, 0]] },
      },
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((w) => ({ dtype: 'float32', ...w })) }],
  };
}

const flatten = (from: string): KerasLayer => ({ class_name: 'Flatten', config: { name: 'flatten', data_format: 'channels_last' }, from: [[from, 0, 0]] });

async function logitsOf(modelJSON: object, pixels: number[], bytes: ArrayBuffer = new ArrayBuffer(0)): Promise<number[]> {
  const clf = await loadClassifierFromMemory({ modelJSON, weights: { 'group1-shard1of1.bin': bytes }, card: card(pixels.length) });
  try {
    const x = tf.tensor4d(pixels, [1, 1, 1, pixels.length]);
    const y = clf.logits(x);
    const out = Array.from(y.dataSync());
    tf.dispose([x, y]);
    return out;
  } finally {
    clf.dispose();
  }
}

function card(channels: number) {
  return { name: 'keras-compat', labels: Array.from({ length: channels }, (_, i) => `c${i}`), input: { height: 1, width: 1, channels }, outputs: 'logits' };
}

async function badModel(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => expect.fail('expected the load to fail'), (err: unknown) => err);
  expect(e).toBeInstanceOf(PrintshotError);
  expect((e as PrintshotError).code).toBe('bad-model');
  expect((e as PrintshotError).message).not.toContain('\n');
  return (e as PrintshotError).message;
}

const lambda = (name: string, fn: string, from: string, y?: unknown): KerasLayer => ({
  class_name: 'TFOpLambda',
  config: { name, function: fn },
  from: [[from, 0, 0, y === undefined ? { name: null } : { y, name: null }]],
});

describe('TFOpLambda', () => {
  it("MobileNetV3's hard_sigmoid: (relu6(x + 3)) * (1/6), operands from the call kwargs", async () => {
    const json = kerasJSON(3, [
      lambda('tf.__operators__.add', '__operators__.add', 'input_1', 3.0),
      { class_name: 'ReLU', config: { name: 're_lu', max_value: 6.0, negative_slope: 0.0, threshold: 0.0 }, from: [['tf.__operators__.add', 0, 0]] },
      lambda('tf.math.multiply', 'math.multiply', 're_lu', 0.16666666666666666),
      flatten('tf.math.multiply'),
    ]);
    // Pixels in [0, 1] → x; hard_sigmoid(0) = 0.5, (1): 4/6, (0.25): 3.25/6.
    const out = await logitsOf(json, [0, 1, 0.25]);
    [0.5, 4 / 6, 3.25 / 6].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
  });

  it("subtract, truediv, per-channel constants (EfficientNet's nested [[[[a, b]]]]) and unary nn.relu6", async () => {
    const json = kerasJSON(3, [
      lambda('tf.math.subtract', 'math.subtract', 'input_1', [[[[0.5, 0.25, 0]]]]),
      lambda('tf.math.truediv', 'math.truediv', 'tf.math.subtract', 0.5),
      lambda('tf.nn.relu6', 'nn.relu6', 'tf.math.truediv'),
      flatten('tf.nn.relu6'),
    ]);
    const out = await logitsOf(json, [1, 0, 0.5]);
    expect(out[0]).toBeCloseTo(1, 6); // (1 − 0.5) / 0.5
    expect(out[1]).toBeCloseTo(0, 6); // relu6((0 − 0.25) / 0.5)
    expect(out[2]).toBeCloseTo(1, 6);
  });

  it('an unknown function is one bad-model line naming the layer and the function', async () => {
    const json = kerasJSON(3, [lambda('tf.math.cumsum', 'math.cumsum', 'input_1'), flatten('tf.math.cumsum')]);
    const msg = await badModel(loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': new ArrayBuffer(0) }, card: card(3) }));
    expect(msg).toMatch(/layer tf\.math\.cumsum: TFOpLambda function 'math\.cumsum' is not supported/);
  });

  it("a second operand that is another layer's output is refused by name", async () => {
    const json = kerasJSON(3, [lambda('tf.math.multiply', 'math.multiply', 'input_1', ['input_1', 0, 0]), flatten('tf.math.multiply')]);
    const msg = await badModel(loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': new ArrayBuffer(0) }, card: card(3) }));
    expect(msg).toMatch(/layer tf\.math\.multiply: TFOpLambda second operand .* is not a constant/);
  });
});

describe('Normalization', () => {
  const norm = (config: Record<string, unknown>): KerasLayer => ({ class_name: 'Normalization', config: { name: 'normalization', axis: [3], invert: false, ...config }, from: [['input_1', 0, 0]] });

  it('adapted: mean, variance and count weights from the shard; (x − mean)/√variance', async () => {
    const json = kerasJSON(3, [norm({ mean: null, variance: null }), flatten('normalization')], [
      { name: 'normalization/mean', shape: [3] },
      { name: 'normalization/variance', shape: [3] },
      { name: 'normalization/count', shape: [], dtype: 'int32' },
    ]);
    const bytes = new Uint8Array(28);
    new Float32Array(bytes.buffer, 0, 6).set([0.5, 0.25, 0, 4, 0.25, 1]);
    new Int32Array(bytes.buffer, 24, 1).set([1000]);
    const out = await logitsOf(json, [1, 0.5, 0.2], bytes.buffer);
    [(1 - 0.5) / 2, (0.5 - 0.25) / 0.5, 0.2].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
  });

  it('from the config, and inverted', async () => {
    const out = await logitsOf(kerasJSON(3, [norm({ mean: [0.5, 0, 0], variance: [0.25, 1, 1] }), flatten('normalization')]), [1, 0.5, 0.25]);
    expect(out).toEqual([1, 0.5, 0.25]);
    const inverted = await logitsOf(kerasJSON(3, [norm({ mean: 1, variance: 4, invert: true }), flatten('normalization')]), [1, 0.5, 0.25]);
    expect(inverted).toEqual([3, 2, 1.5]);
  });

  it('over a non-channel axis: one bad-model line', async () => {
    const json = kerasJSON(3, [norm({ axis: [1], mean: 0, variance: 1 }), flatten('normalization')]);
    expect(await badModel(loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': new ArrayBuffer(0) }, card: card(3) }))).toMatch(
      /layer normalization: Normalization over axis \[1\] is not supported/,
    );
  });
});

describe('pooling with keepdims and the Keras 3 / hard activations', () => {
  it('GlobalAveragePooling2D(keepdims) keeps [N, 1, 1, C]; hard_swish and silu compute x·relu6(x+3)/6 and x·σ(x)', async () => {
    const json = kerasJSON(3, [
      { class_name: 'GlobalAveragePooling2D', config: { name: 'gap', data_format: 'channels_last', keepdims: true }, from: [['input_1', 0, 0]] },
      { class_name: 'Activation', config: { name: 'hs', activation: 'hard_swish' }, from: [['gap', 0, 0]] },
      { class_name: 'Activation', config: { name: 'si', activation: 'silu' }, from: [['hs', 0, 0]] },
      flatten('si'),
    ]);
    const hs = (x: number) => (x * Math.min(6, Math.max(0, x + 3))) / 6;
    const silu = (x: number) => x / (1 + Math.exp(-x));
    const out = await logitsOf(json, [1, 0.4, 0]);
    [1, 0.4, 0].forEach((x, i) => expect(out[i]).toBeCloseTo(silu(hs(x)), 6));
  });

  it('registering twice is harmless', () => {
    registerKerasCompat();
    registerKerasCompat();
    expect(tf.serialization.SerializationMap.getMap().classNameMap.TFOpLambda).toBeDefined();
  });
});
