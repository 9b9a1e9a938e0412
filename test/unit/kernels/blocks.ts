/**
 * Small blocks of the Keras Applications architectures, built with tfjs-layers and seeded weights,
 * for the fallback and layer-plan tests:
 *  - inception: conv → BN(scale=False) → ReLU stem (InceptionV3's conv2d_bn), then four branches
 *    (1×1; 1×1 → 1×3 → 3×1, InceptionV3's asymmetric convs; 3×3/1 'same' average pool → 1×1;
 *    3×3 double) concatenated on the channel axis, GAP, Dense softmax;
 *  - squeeze-excite: Rescaling, conv(swish) → BN, depthwise → BN → swish, SE (GAP → Reshape →
 *    1×1 conv swish → 1×1 conv sigmoid → Multiply), 1×1 projection → BN, GAP, Dense;
 *  - separable: Xception's entry: SeparableConv2D → BN → ReLU → SeparableConv2D → BN → 3×3/2 'same'
 *    max-pool, a strided 1×1 residual conv → BN, Add, GAP, Dense;
 *  - mixed: DenseNet-style concatenation with a 2×2/2 average pool, Maximum/Average/Multiply
 *    merges, Cropping2D, GlobalMaxPooling2D and tanh/elu/sigmoid/hardSigmoid/leaky ReLU.
 * `twin` rebuilds a model with every batch norm given explicit gamma = 1 / beta = 0, which is what
 * tfjs's stock gradient can differentiate.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seedWeights } from './helpers';

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;
const on = (layer: tfl.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

export interface BlockOptions {
  /** Batch norms with Keras' scale=False/center=False where the architecture has them. */
  explicitBatchNorm?: boolean;
}

type Builder = (o: BlockOptions) => tfl.LayersModel;

function convBn(x: Sym, filters: number, kernelSize: number | [number, number], o: BlockOptions, strides = 1, padding: 'same' | 'valid' = 'same'): Sym {
  const y = on(L.conv2d({ filters, kernelSize, strides, padding, useBias: false }), x);
  return on(L.activation({ activation: 'relu' }), on(L.batchNormalization({ scale: o.explicitBatchNorm === true }), y));
}

export const INPUT: [number, number, number] = [13, 13, 3];
export const CLASSES = 6;

function finish(input: Sym, x: Sym, pool: 'avg' | 'max', softmax: boolean, name: string): tfl.LayersModel {
  const g = on(pool === 'avg' ? L.globalAveragePooling2d({}) : L.globalMaxPooling2d({}), x);
  const out = on(L.dense({ units: CLASSES, activation: softmax ? 'softmax' : 'linear' }), g);
  return tfl.model({ inputs: input, outputs: out, name });
}

const inception: Builder = (o) => {
  const input = tfl.input({ shape: INPUT });
  const stem = convBn(input, 8, 3, o, 2, 'valid');
  const b1 = convBn(stem, 4, 1, o);
  const b2 = convBn(convBn(convBn(stem, 4, 1, o), 5, [1, 3], o), 6, [3, 1], o);
  const b3 = convBn(on(L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), stem), 3, 1, o);
  const b4 = convBn(convBn(stem, 4, 1, o), 4, 3, o);
  const mixed = on(L.concatenate({ axis: -1 }), [b1, b2, b3, b4]);
  return finish(input, mixed, 'avg', true, 'inception-block');
};

const squeezeExcite: Builder = () => {
  const input = tfl.input({ shape: INPUT });
  let x = on(tfl.layers.rescaling({ scale: 1 / 2, offset: -0.25 }), input);
  x = on(L.batchNormalization(), on(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, activation: 'swish' }), x));
  x = on(L.activation({ activation: 'swish' }), on(L.batchNormalization(), on(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }), x)));
  let se = on(L.globalAveragePooling2d({}), x);
  se = on(L.reshape({ targetShape: [1, 1, 8] }), se);
  se = on(L.conv2d({ filters: 2, kernelSize: 1, activation: 'swish' }), se);
  se = on(L.conv2d({ filters: 8, kernelSize: 1, activation: 'sigmoid' }), se);
  x = on(L.multiply(), [x, se]);
  x = on(L.batchNormalization(), on(L.conv2d({ filters: 6, kernelSize: 1, useBias: false }), x));
  return finish(input, x, 'avg', false, 'se-block');
};

const separable: Builder = () => {
  const input = tfl.input({ shape: INPUT });
  const stem = on(L.activation({ activation: 'relu' }), on(L.batchNormalization(), on(L.conv2d({ filters: 6, kernelSize: 3, useBias: false }), input)));
  const residual = on(L.batchNormalization(), on(L.conv2d({ filters: 8, kernelSize: 1, strides: 2, padding: 'same', useBias: false }), stem));
  let x = on(L.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }), stem);
  x = on(L.activation({ activation: 'relu' }), on(L.batchNormalization(), x));
  x = on(L.batchNormalization(), on(L.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }), x));
  x = on(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  x = on(L.add(), [x, residual]);
  x = on(L.separableConv2d({ filters: 10, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu' }), x);
  return finish(input, x, 'avg', true, 'separable-block');
};

const mixed: Builder = (o) => {
  const input = tfl.input({ shape: INPUT });
  const a = on(L.conv2d({ filters: 6, kernelSize: 3, activation: 'tanh' }), input); // 11×11
  const b = on(L.conv2d({ filters: 6, kernelSize: 3, activation: 'elu' }), input);
  const c = on(L.leakyReLU({ alpha: 0.2 }), on(L.conv2d({ filters: 6, kernelSize: 3 }), input));
  let x = on(L.concatenate(), [on(L.maximum(), [a, b]), on(L.average(), [b, c]), on(L.batchNormalization({ center: o.explicitBatchNorm === true, scale: o.explicitBatchNorm === true }), c)]);
  x = on(L.activation({ activation: 'hardSigmoid' }), on(L.conv2d({ filters: 8, kernelSize: 1 }), x));
  x = on(L.multiply(), [x, on(L.conv2d({ filters: 8, kernelSize: 1, activation: 'sigmoid' }), x)]);
  x = on(L.cropping2D({ cropping: [[1, 0], [0, 2]] }), x); // 10×9
  x = on(L.averagePooling2d({ poolSize: 2, strides: 2 }), x); // 5×4, DenseNet's transition pool
  x = on(L.minimum(), [x, on(L.conv2d({ filters: 8, kernelSize: 1, activation: 'softplus' }), x)]);
  return finish(input, x, 'max', false, 'mixed-block');
};

export const BLOCKS: Record<string, Builder> = { inception, 'squeeze-excite': squeezeExcite, separable, mixed };

/** The named block with seeded weights (batch-norm statistics away from 0/1). */
export function block(name: string, o: BlockOptions = {}): tfl.LayersModel {
  const m = BLOCKS[name](o);
  seedWeights(m, name);
  return m;
}

/**
 * The same block with scale=False/center=False batch norms made explicit (gamma = 1, beta = 0)
 * and every other weight copied: the model tfjs's stock gradient can run.
 */
export function twin(name: string, model: tfl.LayersModel): tfl.LayersModel {
  const t = BLOCKS[name]({ explicitBatchNorm: true });
  const bn = (l: tfl.layers.Layer): boolean => l.getClassName() === 'BatchNormalization';
  model.layers.forEach((layer, i) => {
    const target = t.layers[i];
    const w = layer.getWeights();
    if (!bn(layer) || w.length === target.getWeights().length) {
      target.setWeights(w);
      return;
    }
    const c = layer.getConfig();
    const [mean, variance] = w.slice(-2);
    const gamma = c.scale === false ? tf.onesLike(mean) : w[0];
    const beta = c.center === false ? tf.zerosLike(mean) : w[c.scale === false ? 0 : 1];
    target.setWeights([gamma, beta, mean, variance]);
  });
  return t;
}
