/**
 * Layers of the compiled plan that plain differentiable tfjs ops express well (their registered
 * gradients, kernels/, are input-only and cheap): merges (Add, Subtract, Multiply with SE
 * broadcasting [N,1,1,C]·[N,H,W,C], Average, Maximum, Minimum, Concatenate), shape layers
 * (Flatten, Reshape, Permute, Cropping2D, ZeroPadding2D), pooling (keepDims too) and
 * preprocessing (Rescaling, Normalization, TFOpLambda arithmetic with a constant).
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationStep, standaloneActivation, type Activation } from './layer-activation-steps';
import { channelsLast, unsupported, type AnyLayer, type Owned, type Step } from './layer-common';
import { batchNormAffine, poolSpec } from './layer-steps';

type Crop = [[number, number], [number, number]];

/** Keras/tfjs spellings of a 2-D padding or cropping: n, [h, w] or [[top, bottom], [left, right]]. */
function sides(p: unknown): Crop {
  if (typeof p === 'number') return [[p, p], [p, p]];
  const [h, w] = p as [number | [number, number], number | [number, number]];
  const two = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
  return [two(h), two(w)];
}

/** Rank of the layer's (first) input, as the model declares it. */
function inputRank(layer: AnyLayer): number {
  return layer.inboundNodes[0].inputTensors[0].shape.length;
}

const keepDims = (c: tf.serialization.ConfigDict): boolean => Boolean(c.keepDims ?? c.keepdims);

/**
 * TFOpLambda (keras-compat.ts: Keras' functional use of a TF op, e.g. MobileNetV3's x + 3 and
 * x · (1/6)): `fn` is the Keras symbol, `operand` the constant from the inbound node's kwargs.
 */
function opLambda(layer: AnyLayer, owned: Owned): [Step, string] | ((x: tf.Tensor) => tf.Tensor) {
  const { fn, operand } = layer as unknown as { fn?: string; operand?: number | number[] };
  const unary: Record<string, Activation | ((x: tf.Tensor) => tf.Tensor)> = {
    'nn.relu': 'relu',
    'nn.relu6': 'relu6',
    'math.sigmoid': 'sigmoid',
    'nn.silu': 'swish',
    'nn.swish': 'swish',
    'math.tanh': 'tanh',
    'math.negative': (x) => tf.neg(x),
  };
  const u = fn === undefined ? undefined : unary[fn];
  if (typeof u === 'string') return activationStep(u, layer.name);
  if (u) return u;
  if (operand === undefined) return unsupported(`layer ${layer.name} is a TFOpLambda (${String(fn)}) without a constant operand`);
  const y = typeof operand === 'number' ? operand : owned.add(tf.tensor(operand, undefined, 'float32'));
  const binary: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    '__operators__.add': (x) => tf.add(x, y),
    'math.add': (x) => tf.add(x, y),
    'math.subtract': (x) => tf.sub(x, y),
    'math.multiply': (x) => tf.mul(x, y),
    'math.truediv': (x) => tf.div(x, y),
    'math.divide': (x) => tf.div(x, y),
    'math.maximum': (x) => tf.maximum(x, y),
    'math.minimum': (x) => tf.minimum(x, y),
  };
  return binary[String(fn)] ?? unsupported(`layer ${layer.name} is a TFOpLambda (${String(fn)})`);
}

/**
 * Keras' Normalization (keras-compat.ts): (x − mean) / max(√variance, 1e-7), or inverted
 * x·max(√variance, 1e-7) + mean, as x·a + b with a, b computed once.
 */
function normalization(layer: AnyLayer, owned: Owned): (x: tf.Tensor) => tf.Tensor {
  const { statistics } = layer as unknown as { statistics?: () => [tf.Tensor, tf.Tensor] };
  if (typeof statistics !== 'function') return unsupported(`layer ${layer.name} is a Normalization without statistics()`);
  const invert = layer.getConfig().invert === true;
  const [a, b] = tf.tidy(() => {
    const [mean, variance] = statistics.call(layer);
    const std = tf.maximum(tf.sqrt(variance), 1e-7);
    return invert ? [std, tf.clone(mean)] : [tf.div(1, std), tf.neg(tf.div(mean, std))];
  });
  owned.add(a);
  owned.add(b);
  return (x) => tf.add(tf.mul(x, a), b);
}

/** The layer as ops, or PlanUnsupported. */
export function simpleStep(layer: AnyLayer, owned: Owned): [Step, string] {
  const cls = layer.getClassName();
  const c = layer.getConfig();
  channelsLast(layer);
  const name = `${cls.toLowerCase()} (${layer.name})`;
  const unary = (f: (x: tf.Tensor) => tf.Tensor): [Step, string] => [([x]) => f(x), name];
  const merge = (f: (xs: tf.Tensor[]) => tf.Tensor): [Step, string] => [f, name];
  switch (cls) {
    case 'Flatten':
      return unary((x) => tf.reshape(x, [x.shape[0], -1]));
    case 'Reshape':
      return unary((x) => tf.reshape(x, [x.shape[0], ...(c.targetShape as number[])]));
    case 'Permute':
      return unary((x) => tf.transpose(x, [0, ...(c.dims as number[])]));
    case 'Add':
      return merge((xs) => tf.addN(xs));
    case 'Subtract':
      return merge(([a, b]) => tf.sub(a, b));
    case 'Multiply':
      return merge((xs) => xs.reduce((p, q) => tf.mul(p, q)));
    case 'Average':
      return merge((xs) => tf.mul(tf.addN(xs), 1 / xs.length));
    case 'Maximum':
      return merge((xs) => xs.reduce((p, q) => tf.maximum(p, q)));
    case 'Minimum':
      return merge((xs) => xs.reduce((p, q) => tf.minimum(p, q)));
    case 'Concatenate': {
      const rank = inputRank(layer);
      const axis = Number(c.axis ?? -1) < 0 ? rank + Number(c.axis ?? -1) : Number(c.axis);
      if (axis <= 0 || axis >= rank) unsupported(`layer ${layer.name} concatenates axis ${String(c.axis)}`);
      return merge((xs) => tf.concat(xs, axis));
    }
    case 'MaxPooling2D': {
      const p = poolSpec(layer);
      return unary((x) => tf.maxPool(x as tf.Tensor4D, p.filterSize, p.strides, p.pad));
    }
    case 'AveragePooling2D': {
      const p = poolSpec(layer);
      return unary((x) => tf.avgPool(x as tf.Tensor4D, p.filterSize, p.strides, p.pad));
    }
    case 'GlobalAveragePooling2D':
      return unary((x) => tf.mean(x, [1, 2], keepDims(c)));
    case 'GlobalMaxPooling2D':
      return unary((x) => tf.max(x, [1, 2], keepDims(c)));
    case 'ZeroPadding2D': {
      const [rows, cols] = sides(c.padding);
      return unary((x) => tf.pad(x, [[0, 0], rows, cols, [0, 0]]));
    }
    case 'Cropping2D': {
      const [[top, bottom], [left, right]] = sides(c.cropping);
      return unary((x) => tf.slice(x, [0, top, left, 0], [-1, x.shape[1]! - top - bottom, x.shape[2]! - left - right, -1]));
    }
    case 'Rescaling': {
      // Scalars, or per-channel lists (EfficientNet's 1/√stddev).
      const value = (v: unknown, d: number) => (v == null ? d : Array.isArray(v) ? owned.add(tf.tensor1d(v as number[])) : Number(v));
      const [scale, offset] = [value(c.scale, 1), value(c.offset, 0)];
      return unary((x) => tf.add(tf.mul(x, scale), offset));
    }
    case 'Normalization':
      return unary(normalization(layer, owned));
    case 'TFOpLambda': {
      const op = opLambda(layer, owned);
      return typeof op === 'function' ? unary(op) : op;
    }
    case 'ReLU':
    case 'LeakyReLU':
    case 'ELU':
    case 'Activation': {
      const a = standaloneActivation(layer);
      if (a === null) return unsupported(`layer ${layer.name} is a ${cls} (${JSON.stringify(c.activation ?? c.maxValue ?? c.alpha)})`);
      return activationStep(a, layer.name);
    }
    case 'BatchNormalization': {
      const [a, b] = batchNormAffine(layer).map((t) => owned.add(t));
      return [([x]) => tf.add(tf.mul(x, a), b), `batch norm as x·a + b (${layer.name})`];
    }
    default:
      return unsupported(`layer ${layer.name} is a ${cls}`);
  }
}
