/**
 * MobileNetV2 (Sandler et al. 2018, arXiv 1801.04381) built with tfjs-layers, for benchmarks only.
 *
 * Layout follows keras.applications.MobileNetV2 (the usual source of a converted TF.js model):
 * Conv 3×3/2 (32) + BN + ReLU6, 17 inverted residual blocks (t, c, n, s) =
 * (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1), each
 * [1×1 expand + BN + ReLU6] → depthwise 3×3 + BN + ReLU6 → 1×1 linear projection + BN, with a
 * residual add where stride is 1 and the channel count is unchanged; then 1×1 conv to 1280 +
 * BN + ReLU6, global average pooling and Dense(1000). Convolutions have no bias (BN follows).
 * ReLU6 is Keras' ReLU(max_value=6) layer, as a converted Keras model has it.
 *
 * α = 1 with 1000 classes has 3,504,872 trainable parameters (plus 34,112 BN moving statistics,
 * 3,538,984 weights in all), the published figure for both Keras and torchvision.
 *
 * Weights are seeded random, not trained: He-normal (std √(2/fan_in)) before a ReLU6,
 * LeCun-normal (std √(1/fan_in)) for the linear projections and the classifier, BN at identity
 * (γ=1, β=0, mean 0, variance 1). That keeps activations and logits of order one, which is all a
 * throughput benchmark needs (the amount of arithmetic does not depend on the values).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Classifier } from '../src/model/classifier';
import type { ModelCard } from '../src/model/card';
import { layersHead } from '../src/model/head';
import { createRng, type Rng } from '../src/shared';

export const MOBILENETV2_TRAINABLE_PARAMS = 3_504_872;
export const MOBILENETV2_TOTAL_WEIGHTS = 3_538_984;

/** (expansion t, output channels c, repeats n, first stride s), Table 2 of the paper. */
const BLOCKS: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export interface MobileNetV2Options {
  /** Input height and width (default 224). */
  size?: number;
  classes?: number;
  /** Width multiplier α (default 1). */
  alpha?: number;
  /** Seed for the random weights (default 0). */
  seed?: number;
  /**
   * How ReLU6 is expressed. 'keras' (default): tfjs-layers' ReLU layer with maxValue 6, which is
   * what a converted Keras MobileNetV2 contains (relu then clipByValue: two ops, two gradients).
   * 'op': one tf.relu6 op per activation (what a graph model exported from TensorFlow has).
   */
  relu6?: 'keras' | 'op';
}

/** A one-op ReLU6 layer (tf.relu6), for the relu6: 'op' variant. */
class Relu6Op extends tfl.layers.Layer {
  static readonly className = 'PrintshotRelu6Op';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.relu6(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

/** Channels rounded to a multiple of 8, never below 90% of the unrounded value (Keras' _make_divisible). */
function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

type Sym = tfl.SymbolicTensor;

/** The functional tfjs-layers model, with zero weights (see randomizeWeights). */
export function buildMobileNetV2Model(opts: MobileNetV2Options = {}): tfl.LayersModel {
  const size = opts.size ?? 224;
  const classes = opts.classes ?? 1000;
  const alpha = opts.alpha ?? 1;
  const init = { kernelInitializer: 'zeros', useBias: false } as const;
  const bn = (x: Sym, name: string): Sym =>
    tfl.layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name: `${name}_BN` }).apply(x) as Sym;
  const relu6 = (x: Sym, name: string): Sym =>
    (opts.relu6 === 'op' ? new Relu6Op({ name: `${name}_relu` }) : tfl.layers.reLU({ maxValue: 6, name: `${name}_relu` })).apply(x) as Sym;
  const conv = (x: Sym, filters: number, kernel: number, strides: number, name: string): Sym =>
    tfl.layers.conv2d({ filters, kernelSize: kernel, strides, padding: 'same', name, ...init }).apply(x) as Sym;

  const input = tfl.input({ shape: [size, size, 3], name: 'input' });
  const first = makeDivisible(32 * alpha);
  let x = relu6(bn(conv(input, first, 3, 2, 'Conv1'), 'Conv1'), 'Conv1');
  let channels = first;
  let block = 0;
  for (const [t, c, n, s] of BLOCKS) {
    const out = makeDivisible(c * alpha);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const name = block === 0 ? 'expanded_conv' : `block_${block}`;
      let h = x;
      if (t !== 1) h = relu6(bn(conv(h, channels * t, 1, 1, `${name}_expand`), `${name}_expand`), `${name}_expand`);
      h = tfl.layers
        .depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', depthMultiplier: 1, name: `${name}_depthwise`, depthwiseInitializer: 'zeros', useBias: false })
        .apply(h) as Sym;
      h = relu6(bn(h, `${name}_depthwise`), `${name}_depthwise`);
      h = bn(conv(h, out, 1, 1, `${name}_project`), `${name}_project`);
      x = stride === 1 && channels === out ? (tfl.layers.add({ name: `${name}_add` }).apply([x, h]) as Sym) : h;
      channels = out;
      block++;
    }
  }
  const last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = relu6(bn(conv(x, last, 1, 1, 'Conv_1'), 'Conv_1'), 'out');
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Sym;
  const logits = tfl.layers.dense({ units: classes, name: 'predictions', kernelInitializer: 'zeros' }).apply(x) as Sym;
  return tfl.model({ inputs: input, outputs: logits, name: `mobilenetv2_${alpha}_${size}` });
}

/** Fills every weight from a seeded normal stream (see the file comment for the scales). */
export function randomizeWeights(model: tfl.LayersModel, rng: Rng): void {
  for (const layer of model.layers) {
    // getWeights() returns the variables' own tensors: read shapes only, never dispose them.
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const cls = layer.getClassName();
    const fresh = weights.map((w, i): tf.Tensor => {
      const n = w.size;
      const shape = w.shape as number[];
      if (cls === 'BatchNormalization') {
        // [gamma, beta, movingMean, movingVariance]: identity transform.
        return i === 0 || i === 3 ? tf.ones(w.shape) : tf.zeros(w.shape);
      }
      if (i > 0) return tf.zeros(w.shape); // biases
      let fanIn: number;
      let gain: number;
      if (cls === 'DepthwiseConv2D') {
        fanIn = shape[0] * shape[1];
        gain = 2;
      } else if (cls === 'Conv2D') {
        fanIn = shape[0] * shape[1] * shape[2];
        gain = layer.name.endsWith('_project') ? 1 : 2;
      } else {
        fanIn = shape[0];
        gain = 1;
      }
      const std = Math.sqrt(gain / fanIn);
      const data = new Float32Array(n);
      for (let j = 0; j < n; j++) data[j] = rng.normal() * std;
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(fresh);
    fresh.forEach((t) => t.dispose());
  }
}

/** Trainable parameters (what torchvision and the Keras summary call "trainable params"). */
export function countTrainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
}

export interface LayersClassifier extends Classifier {
  readonly model: tfl.LayersModel;
}

/**
 * A Classifier around any single-input tfjs-layers model taking `range` inputs, run the way
 * loadClassifier runs a user's model (layersHead: the compiled layer plan when the model
 * compiles, else tfjs-layers' apply). Used for the random MobileNetV2 and for the bench's
 * stand-in of the bundled model.
 */
export function layersClassifier(model: tfl.LayersModel, name: string, range: '0-1' | '-1-1', labels?: string[]): LayersClassifier {
  const [, height, width, channels] = model.inputs[0].shape as number[];
  const classes = (model.outputs[0].shape as number[])[1];
  const lbls = labels ?? Array.from({ length: classes }, (_, i) => `class_${i}`);
  const inputSpec = { height, width, channels: channels as 1 | 3 };
  const card: ModelCard = { schemaVersion: 1, name, labels: lbls, input: inputSpec, range, outputs: 'logits' };
  const head = layersHead(model);
  const raw = head.preSoftmax ?? head.output;
  return {
    model,
    card,
    inputSpec,
    labels: lbls,
    fingerprint: `${name}-random`,
    logits: (x) =>
      tf.tidy(() => {
        const scaled = range === '-1-1' ? tf.sub(tf.mul(x, 2), 1) : x;
        return raw(scaled) as tf.Tensor2D;
      }),
    dispose: () => {
      head.dispose?.();
      model.dispose();
    },
  };
}

/** MobileNetV2 with seeded random weights as a Classifier: logits(x) feeds x·2−1 to the net. */
export function createMobileNetV2(opts: MobileNetV2Options = {}): LayersClassifier {
  const model = buildMobileNetV2Model(opts);
  randomizeWeights(model, createRng(opts.seed ?? 0));
  return layersClassifier(model, `mobilenetv2-${opts.alpha ?? 1}-${opts.size ?? 224}${opts.relu6 === 'op' ? '-relu6op' : ''}`, '-1-1');
}
