/**
 * A Layers model whose layers form one chain (Sequential-style) compiled into a few fused kernel
 * calls with input-only gradients, for attacks: fewer, fatter ops per step.
 *
 * Why: tfjs-core un-fuses conv + bias + activation (and Dense) whenever a gradient is being
 * recorded, and tfjs-layers adds per-layer bookkeeping, so an attack step on a small CNN ran ~150
 * kernels, and on this scale per-op overhead and glue cost more than the convolutions (profile in
 * docs/BENCHMARKS.md). Here every layer is one custom-gradient op:
 *  - Conv2D: one FusedConv2D kernel (bias and relu/relu6 inside), with an inference-mode
 *    BatchNormalization that follows it folded into the weights; its input gradient uses phase
 *    filters prepared once (conv-input-grad.ts) instead of reversing the filter every step.
 *  - Conv2D(relu) followed by MaxPooling2D: one op whose gradient is the one-pass max-pool kernel
 *    with the relu mask applied in the same pass (max-pool-kernel.ts).
 *  - Dense: one _FusedMatMul kernel; the input gradient multiplies by a transposed kernel kept
 *    from compile time.
 *  - Flatten, Dropout-like layers, pooling and standalone batch norm: plain ops.
 * Anything else (branches, other layer types, channels-first data) is reported as the reason and
 * the caller keeps tfjs-layers' own apply(). PRINTSHOT_LAYER_PLAN=off turns the plan off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { conv2dInputGradPrepared, hasMaxPoolKernel, maxPoolInputGrad, maxPoolInputGradKernel, prepareConv2dInputGrad, unaryCustomGrad } from '../kernels';

type AnyLayer = tfl.LayersModel['layers'][number];
type Step = (x: tf.Tensor) => tf.Tensor;
type Activation = 'linear' | 'relu' | 'relu6';
type Pair = [number, number];

export interface LayerPlan {
  /** The chain's output before a final softmax (the whole chain when it has none). */
  logits(x: tf.Tensor): tf.Tensor;
  /** Where a final softmax was ("last layer dense_1 has softmax activation"), or null. */
  readonly softmax: string | null;
  /** One line per compiled op, for logs and tests. */
  readonly ops: readonly string[];
  dispose(): void;
}

/** Why a model was not compiled; the caller falls back to tfjs-layers. */
export class PlanUnsupported extends Error {}

const pair = (v: unknown): Pair => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

function unsupported(message: string): never {
  throw new PlanUnsupported(message);
}

/** The layers in call order, if each one consumes exactly the previous one's output. */
function chain(model: tfl.LayersModel): AnyLayer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) unsupported('not one input and one output');
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (layers.length === 0) unsupported('no layers');
  layers.forEach((layer, i) => {
    const inbound = layer.inboundNodes.length === 1 ? layer.inboundNodes[0].inboundLayers : [];
    const ok = inbound.length === 1 && (i === 0 ? inbound[0].getClassName() === 'InputLayer' : inbound[0] === layers[i - 1]);
    if (!ok || layer.outboundNodes.length > 1) unsupported(`layer ${layer.name} is not part of a single chain`);
  });
  if (model.outputs[0].sourceLayer !== layers[layers.length - 1]) unsupported('the output is not the last layer');
  return layers;
}

function activationOf(layer: AnyLayer, name: unknown): Activation {
  if (name === undefined || name === null || name === 'linear' || name === 'relu' || name === 'relu6') return (name ?? 'linear') as Activation;
  return unsupported(`layer ${layer.name} has activation ${String(name)}`);
}

/** dy through a fused activation, given the op's output y. */
function throughActivation(dy: tf.Tensor, y: tf.Tensor, activation: Activation): tf.Tensor {
  if (activation === 'relu') return tf.mul(dy, tf.step(y));
  // 0 < y < 6 exactly when y·(6 − y) > 0 (see layer-gradients.ts' Relu6).
  if (activation === 'relu6') return tf.mul(dy, tf.step(tf.mul(y, tf.sub(6, y))));
  return dy;
}

interface ConvSpec {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D | null;
  strides: Pair;
  pad: 'valid' | 'same';
  activation: Activation;
  layer: AnyLayer;
}

interface PoolSpec {
  filterSize: Pair;
  strides: Pair;
  pad: 'valid' | 'same';
}

/** Folds an inference-mode BatchNormalization into the conv before it: w·a, b·a + (β − μ·a). */
function foldBatchNorm(conv: ConvSpec, bn: AnyLayer): ConvSpec {
  const c = bn.getConfig();
  const [scale, offset, mean, variance] = batchNormWeights(bn);
  const [filter, bias] = tf.tidy(() => {
    const a = tf.div(scale ?? tf.scalar(1), tf.sqrt(tf.add(variance, Number(c.epsilon ?? 1e-3))));
    const b = tf.sub(offset ?? tf.scalar(0), tf.mul(mean, a));
    return [tf.mul(conv.filter, a) as tf.Tensor4D, (conv.bias ? tf.add(tf.mul(conv.bias, a), b) : b) as tf.Tensor1D];
  });
  tf.dispose([conv.filter, ...(conv.bias ? [conv.bias] : [])]);
  return { ...conv, filter, bias };
}

/** [gamma | null, beta | null, moving mean, moving variance], in the layer's weight order. */
function batchNormWeights(bn: AnyLayer): [tf.Tensor | null, tf.Tensor | null, tf.Tensor, tf.Tensor] {
  const c = bn.getConfig();
  const axis = c.axis as number | number[] | undefined;
  if (!(axis === -1 || axis === 3 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3)))) {
    unsupported(`batch normalization ${bn.name} normalises axis ${JSON.stringify(axis)}`);
  }
  const w = [...bn.getWeights()];
  const scale = c.scale === false ? null : (w.shift() as tf.Tensor);
  const offset = c.center === false ? null : (w.shift() as tf.Tensor);
  return [scale, offset, w[0], w[1]];
}

function convSpec(layer: AnyLayer): ConvSpec {
  const c = layer.getConfig();
  if (c.dataFormat === 'channelsFirst') unsupported(`layer ${layer.name} is channels-first`);
  if (pair(c.dilationRate ?? 1).some((d) => d !== 1)) unsupported(`layer ${layer.name} is dilated`);
  const [kernel, bias] = layer.getWeights();
  return {
    filter: tf.clone(kernel) as tf.Tensor4D,
    bias: c.useBias === false || !bias ? null : (tf.clone(bias) as tf.Tensor1D),
    strides: pair(c.strides ?? 1),
    pad: c.padding === 'same' ? 'same' : 'valid',
    activation: activationOf(layer, c.activation),
    layer,
  };
}

function poolSpec(layer: AnyLayer): PoolSpec {
  const c = layer.getConfig();
  if (c.dataFormat === 'channelsFirst') unsupported(`layer ${layer.name} is channels-first`);
  const filterSize = pair(c.poolSize ?? 2);
  return { filterSize, strides: pair(c.strides ?? filterSize), pad: c.padding === 'same' ? 'same' : 'valid' };
}

/** Tensors the plan owns and frees in dispose(). */
class Owned {
  readonly tensors: tf.Tensor[] = [];
  add<T extends tf.Tensor | null>(t: T): T {
    if (t) this.tensors.push(t);
    return t;
  }
}

function convStep(spec: ConvSpec, pool: PoolSpec | null, owned: Owned): [Step, string] {
  const prepared = prepareConv2dInputGrad(spec.filter, spec.strides);
  prepared.phases.forEach((p) => owned.add(p));
  owned.add(spec.filter);
  owned.add(spec.bias);
  const attrs = { strides: spec.strides, pad: spec.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: spec.activation };
  const poolAttrs = pool && { filterSize: pool.filterSize, strides: pool.strides, pad: pool.pad };
  // The pool's kernel applies the relu mask while routing dy (only when the pool reads a relu).
  const maskInPool = pool !== null && spec.activation === 'relu' && hasMaxPoolKernel();
  const step = unaryCustomGrad<tf.Tensor4D>((x, save) => {
    const inputs: tf.NamedTensorMap = spec.bias ? { x, filter: spec.filter, bias: spec.bias } : { x, filter: spec.filter };
    const y = tf.engine().runKernel('FusedConv2D', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const out = poolAttrs ? (tf.engine().runKernel('MaxPool', { x: y }, poolAttrs as unknown as tf.NamedAttrMap) as tf.Tensor4D) : y;
    save([y]);
    return {
      value: out,
      gradFunc: (dy, [saved]) => {
        const yy = saved as tf.Tensor4D;
        let g = dy as tf.Tensor4D;
        if (poolAttrs && maskInPool) g = maxPoolInputGradKernel(g, yy, { ...poolAttrs, positiveOnly: true });
        else {
          if (poolAttrs) g = maxPoolInputGrad(g, yy, poolAttrs);
          g = throughActivation(g, yy, spec.activation) as tf.Tensor4D;
        }
        return conv2dInputGradPrepared(prepared, g, x.shape, spec.pad);
      },
    };
  });
  const [kh, kw, , cout] = spec.filter.shape;
  const label = `conv ${kh}×${kw}×${cout}/${spec.strides[0]} ${spec.pad} ${spec.activation}${pool ? ` + max-pool ${pool.filterSize.join('×')}/${pool.strides[0]}` : ''} (${spec.layer.name})`;
  return [step as Step, label];
}

function denseStep(layer: AnyLayer, activation: Activation, owned: Owned): [Step, string] {
  const c = layer.getConfig();
  const [k, b] = layer.getWeights();
  const [inner, units] = k.shape as [number, number];
  const kernel = owned.add(tf.reshape(k, [1, inner, units]) as tf.Tensor3D);
  const bias = c.useBias === false || !b ? null : owned.add(tf.clone(b));
  const kernelT = owned.add(tf.transpose(k) as tf.Tensor2D);
  const attrs = { transposeA: false, transposeB: false, activation };
  const step = unaryCustomGrad<tf.Tensor2D>((x, save) => {
    if (x.rank !== 2) throw new Error(`dense layer ${layer.name} expects rank-2 input, got rank ${x.rank}`);
    const a = tf.reshape(x, [1, x.shape[0], x.shape[1]]);
    const inputs: tf.NamedTensorMap = bias ? { a, b: kernel, bias } : { a, b: kernel };
    const y = tf.reshape(tf.engine().runKernel('_FusedMatMul', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor, [x.shape[0], units]);
    save([y]);
    return { value: y, gradFunc: (dy, [yy]) => tf.matMul(throughActivation(dy, yy, activation) as tf.Tensor2D, kernelT) };
  });
  return [step as Step, `dense ${units} ${activation} (${layer.name})`];
}

const IDENTITY_AT_INFERENCE = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** Compiles the model or throws PlanUnsupported saying why not. */
export function compileLayerPlan(model: tfl.LayersModel): LayerPlan {
  const layers = chain(model);
  const owned = new Owned();
  const steps: Step[] = [];
  const ops: string[] = [];
  let softmax: string | null = null;
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const cls = layer.getClassName();
      const config = layer.getConfig();
      const last = i === layers.length - 1;
      const next = layers[i + 1];
      if (IDENTITY_AT_INFERENCE.has(cls)) continue;
      if (cls === 'Conv2D') {
        let spec = convSpec(layer);
        if (next?.getClassName() === 'BatchNormalization' && spec.activation === 'linear') {
          spec = foldBatchNorm(spec, next);
          i++;
        }
        const following = layers[i + 1];
        const pool = following?.getClassName() === 'MaxPooling2D' ? poolSpec(following) : null;
        if (pool) i++;
        const [step, label] = convStep(spec, pool, owned);
        steps.push(step);
        ops.push(label);
      } else if (cls === 'Dense') {
        const isSoftmax = last && config.activation === 'softmax';
        if (isSoftmax) softmax = `last layer ${layer.name} has softmax activation`;
        const [step, label] = denseStep(layer, isSoftmax ? 'linear' : activationOf(layer, config.activation), owned);
        steps.push(step);
        ops.push(label);
      } else if ((cls === 'Activation' && config.activation === 'softmax') || cls === 'Softmax') {
        if (!last) unsupported(`softmax layer ${layer.name} is not the last layer`);
        if (cls === 'Softmax' && ![undefined, -1, 1].includes(config.axis as number)) unsupported(`softmax layer ${layer.name} normalises another axis`);
        softmax = `last layer ${layer.name} is a softmax`;
      } else {
        const [step, label] = simpleStep(layer, owned);
        steps.push(step);
        ops.push(label);
      }
    }
  } catch (e) {
    tf.dispose(owned.tensors);
    throw e;
  }
  return {
    softmax,
    ops,
    logits: (x) => tf.tidy(() => steps.reduce((t, step) => step(t), x)),
    dispose: () => tf.dispose(owned.tensors),
  };
}

/** Layers that plain, differentiable ops express well. */
function simpleStep(layer: AnyLayer, owned: Owned): [Step, string] {
  const cls = layer.getClassName();
  const c = layer.getConfig();
  if (c.dataFormat === 'channelsFirst') unsupported(`layer ${layer.name} is channels-first`);
  const name = `${cls.toLowerCase()} (${layer.name})`;
  switch (cls) {
    case 'Flatten':
      return [(x) => tf.reshape(x, [x.shape[0], -1]), name];
    case 'MaxPooling2D': {
      const p = poolSpec(layer);
      return [(x) => tf.maxPool(x as tf.Tensor4D, p.filterSize, p.strides, p.pad), name];
    }
    case 'AveragePooling2D': {
      const p = poolSpec(layer);
      return [(x) => tf.avgPool(x as tf.Tensor4D, p.filterSize, p.strides, p.pad), name];
    }
    case 'GlobalAveragePooling2D':
      return [(x) => tf.mean(x, [1, 2]), name];
    case 'GlobalMaxPooling2D':
      return [(x) => tf.max(x, [1, 2]), name];
    case 'ReLU':
      if (c.maxValue != null && c.maxValue !== 6) unsupported(`layer ${layer.name} has max value ${String(c.maxValue)}`);
      return [c.maxValue === 6 ? (x) => tf.relu6(x) : (x) => tf.relu(x), name];
    case 'Activation':
      if (c.activation === 'relu') return [(x) => tf.relu(x), name];
      if (c.activation === 'relu6') return [(x) => tf.relu6(x), name];
      if (c.activation === 'linear') return [(x) => x, name];
      return unsupported(`layer ${layer.name} has activation ${String(c.activation)}`);
    case 'BatchNormalization': {
      const [scale, offset, mean, variance] = batchNormWeights(layer);
      const [a, b] = tf.tidy(() => {
        const a = tf.div(scale ?? tf.scalar(1), tf.sqrt(tf.add(variance, Number(c.epsilon ?? 1e-3))));
        return [tf.keep(a), tf.keep(tf.sub(offset ?? tf.scalar(0), tf.mul(mean, a)))];
      });
      owned.add(a);
      owned.add(b);
      return [(x) => tf.add(tf.mul(x, a), b), `batch norm as x·a + b (${layer.name})`];
    }
    default:
      return unsupported(`layer ${layer.name} is a ${cls}`);
  }
}

/** The plan unless turned off (PRINTSHOT_LAYER_PLAN=off) or unsupported; then why not. */
export function tryCompileLayerPlan(model: tfl.LayersModel): LayerPlan | string {
  const env = typeof process !== 'undefined' ? process.env.PRINTSHOT_LAYER_PLAN : undefined;
  if (env === 'off' || env === '0') return 'PRINTSHOT_LAYER_PLAN=off';
  try {
    return compileLayerPlan(model);
  } catch (e) {
    if (e instanceof PlanUnsupported) return e.message;
    throw e;
  }
}
