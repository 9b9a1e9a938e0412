/**
 * The ops a compiled layer plan is made of (see layer-plan.ts): each builder turns a tfjs-layers
 * layer (or a fused group of them) into one function of concrete tensors, with input-only
 * gradients prepared at compile time. Weights are copied into tensors the plan owns.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  conv2dInputGradPrepared,
  depthwiseInputGradPrepared,
  hasMaxPoolKernel,
  maxPoolInputGrad,
  maxPoolInputGradKernel,
  prepareConv2dInputGrad,
  prepareDepthwiseInputGrad,
  throughFusedActivation,
  unaryCustomGrad,
} from '../kernels';
import { activationBackward, activationForward, activationOf, kernelActivation, type Activation } from './layer-activation-steps';
import { channelsLast, pair, unsupported, type AnyLayer, type Owned, type Pair, type Step } from './layer-common';

export { channelsLast, Owned, pair, PlanUnsupported, unsupported, type AnyLayer, type Pair, type Step } from './layer-common';
export { activationOf, standaloneActivation, type Activation } from './layer-activation-steps';

export interface ConvSpec {
  depthwise: boolean;
  filter: tf.Tensor4D;
  bias: tf.Tensor1D | null;
  strides: Pair;
  pad: 'valid' | 'same';
  activation: Activation;
  layer: AnyLayer;
}

export interface PoolSpec {
  filterSize: Pair;
  strides: Pair;
  pad: 'valid' | 'same';
}

/** A Conv2D or DepthwiseConv2D layer's weights (copies) and attributes. */
export function convSpec(layer: AnyLayer): ConvSpec {
  const c = layer.getConfig();
  channelsLast(layer);
  if (pair(c.dilationRate ?? 1).some((d) => d !== 1)) unsupported(`layer ${layer.name} is dilated`);
  const [kernel, bias] = layer.getWeights();
  return {
    depthwise: layer.getClassName() === 'DepthwiseConv2D',
    filter: tf.clone(kernel) as tf.Tensor4D,
    bias: c.useBias === false || !bias ? null : (tf.clone(bias) as tf.Tensor1D),
    strides: pair(c.strides ?? 1),
    pad: c.padding === 'same' ? 'same' : 'valid',
    activation: activationOf(layer, c.activation),
    layer,
  };
}

/**
 * A SeparableConv2D as its two convolutions: depthwise (no bias, linear; the layer's strides and
 * padding) then a 1×1 pointwise conv carrying the bias and activation, which batch norm and a
 * following activation can then be folded into like any conv.
 */
export function separableSpecs(layer: AnyLayer): [ConvSpec, ConvSpec] {
  const c = layer.getConfig();
  channelsLast(layer);
  if (pair(c.dilationRate ?? 1).some((d) => d !== 1)) unsupported(`layer ${layer.name} is dilated`);
  const [depthwise, pointwise, bias] = layer.getWeights();
  const common = { layer, bias: null, activation: 'linear' as Activation };
  return [
    { ...common, depthwise: true, filter: tf.clone(depthwise) as tf.Tensor4D, strides: pair(c.strides ?? 1), pad: c.padding === 'same' ? 'same' : 'valid' },
    {
      ...common,
      depthwise: false,
      filter: tf.clone(pointwise) as tf.Tensor4D,
      bias: c.useBias === false || !bias ? null : (tf.clone(bias) as tf.Tensor1D),
      strides: [1, 1],
      pad: 'valid',
      activation: activationOf(layer, c.activation),
    },
  ];
}

export function poolSpec(layer: AnyLayer): PoolSpec {
  const c = layer.getConfig();
  channelsLast(layer);
  const filterSize = pair(c.poolSize ?? 2);
  return { filterSize, strides: pair(c.strides ?? filterSize), pad: c.padding === 'same' ? 'same' : 'valid' };
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

/** Inference batch norm as y = x·a + b: a = γ / √(σ² + ε), b = β − μ·a (new tensors). */
export function batchNormAffine(bn: AnyLayer): [tf.Tensor1D, tf.Tensor1D] {
  const [scale, offset, mean, variance] = batchNormWeights(bn);
  const epsilon = Number(bn.getConfig().epsilon ?? 1e-3);
  return tf.tidy(() => {
    const a = tf.div(scale ?? tf.scalar(1), tf.sqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
    return [a, tf.sub(offset ?? tf.scalar(0), tf.mul(mean, a)) as tf.Tensor1D];
  });
}

/** Folds a batch norm that reads a linear conv's output into its weights: w·a, b·a + (β − μ·a). */
export function foldBatchNorm(conv: ConvSpec, bn: AnyLayer): ConvSpec {
  const [a, b] = batchNormAffine(bn);
  const [filter, bias] = tf.tidy(() => {
    const [, , c, m] = conv.filter.shape;
    // Output channel of a depthwise filter [kh, kw, C, M] is c·M + q.
    const scale = conv.depthwise ? tf.reshape(a, [1, 1, c, m]) : a;
    return [tf.mul(conv.filter, scale) as tf.Tensor4D, (conv.bias ? tf.add(tf.mul(conv.bias, a), b) : tf.clone(b)) as tf.Tensor1D];
  });
  tf.dispose([a, b, conv.filter, ...(conv.bias ? [conv.bias] : [])]);
  return { ...conv, filter, bias };
}

/** A conv's weights and attributes without a tfjs-layers layer (graph models: graph-plan.ts). */
export type ConvWeights = Omit<ConvSpec, 'layer' | 'pad'> & { pad: 'valid' | 'same' | tf.backend_util.ExplicitPadding; name: string };

/** A (depthwise) conv with bias and activation as one fused kernel, optionally with its max-pool. */
export function convStep(spec: ConvSpec, pool: PoolSpec | null, owned: Owned): [Step, string] {
  return convStepFromWeights({ ...spec, name: spec.layer.name }, pool, owned);
}

/** convStep for weights that come from elsewhere than a layer; takes ownership of filter and bias. */
export function convStepFromWeights(spec: ConvWeights, pool: PoolSpec | null, owned: Owned): [Step, string] {
  owned.add(spec.filter);
  owned.add(spec.bias);
  let inputGrad: (dy: tf.Tensor4D, xShape: [number, number, number, number]) => tf.Tensor4D;
  if (spec.depthwise) {
    const prepared = prepareDepthwiseInputGrad(spec.filter);
    owned.add(prepared.rotated);
    inputGrad = (dy, xShape) => depthwiseInputGradPrepared(prepared, dy, xShape, spec.strides, spec.pad);
  } else {
    const prepared = prepareConv2dInputGrad(spec.filter, spec.strides);
    prepared.phases.forEach((p) => owned.add(p));
    inputGrad = (dy, xShape) => conv2dInputGradPrepared(prepared, dy, xShape, spec.pad);
  }
  const kernel = spec.depthwise ? 'FusedDepthwiseConv2D' : 'FusedConv2D';
  // Activations the kernel cannot apply (swish, tanh, …) follow it inside this op, with their
  // written-out derivative (layer-activation-steps.ts); the kernel then runs linear.
  const fused = kernelActivation(spec.activation);
  if (pool && !fused) unsupported(`max-pool after activation ${spec.activation} cannot be fused (${spec.name})`);
  const attrs = { strides: spec.strides, pad: spec.pad, dataFormat: 'NHWC', dilations: [1, 1], ...(fused ?? { activation: 'linear' }) } as unknown as tf.NamedAttrMap;
  const poolAttrs = pool && { filterSize: pool.filterSize, strides: pool.strides, pad: pool.pad };
  // The pool's kernel applies the relu mask while routing dy (only when the pool reads a relu).
  const maskInPool = pool !== null && spec.activation === 'relu' && hasMaxPoolKernel();
  const op = unaryCustomGrad<tf.Tensor4D>((x, save) => {
    const inputs: tf.NamedTensorMap = spec.bias ? { x, filter: spec.filter, bias: spec.bias } : { x, filter: spec.filter };
    const y = tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor4D;
    if (!fused) {
      const { out, saved } = activationForward(spec.activation, y);
      save(saved);
      return { value: out, gradFunc: (dy, s) => inputGrad(activationBackward(spec.activation, dy, s) as tf.Tensor4D, x.shape) };
    }
    save([y]);
    return {
      value: poolAttrs ? (tf.engine().runKernel('MaxPool', { x: y }, poolAttrs as unknown as tf.NamedAttrMap) as tf.Tensor) : y,
      gradFunc: (dy, [saved]) => {
        const yy = saved as tf.Tensor4D;
        let g = dy as tf.Tensor4D;
        if (poolAttrs && maskInPool) g = maxPoolInputGradKernel(g, yy, { ...poolAttrs, positiveOnly: true });
        else {
          if (poolAttrs) g = maxPoolInputGrad(g, yy, poolAttrs);
          g = throughFusedActivation(g, yy, spec.activation) as tf.Tensor4D;
        }
        return inputGrad(g, x.shape);
      },
    };
  });
  const [kh, kw, , m] = spec.filter.shape;
  const what = spec.depthwise ? `depthwise ${kh}×${kw}×${m}` : `conv ${kh}×${kw}×${m}`;
  const pad = typeof spec.pad === 'string' ? spec.pad : 'explicit';
  const label = `${what}/${spec.strides[0]} ${pad} ${spec.activation}${pool ? ` + max-pool ${pool.filterSize.join('×')}/${pool.strides[0]}` : ''} (${spec.name})`;
  return [([x]) => op(x as tf.Tensor4D), label];
}

/** Dense as one _FusedMatMul kernel; the input gradient multiplies by a kept transposed kernel. */
export function denseStep(layer: AnyLayer, activation: Activation, owned: Owned): [Step, string] {
  const [k, b] = layer.getWeights();
  return denseStepFromWeights(k as tf.Tensor2D, layer.getConfig().useBias === false || !b ? null : b, activation, owned, layer.name);
}

/** denseStep for a kernel [inner, units] and bias that come from elsewhere (copied, not taken). */
export function denseStepFromWeights(k: tf.Tensor2D, b: tf.Tensor | null, activation: Activation, owned: Owned, name: string): [Step, string] {
  const [inner, units] = k.shape as [number, number];
  const kernel = owned.add(tf.reshape(k, [1, inner, units]) as tf.Tensor3D);
  const bias = b ? owned.add(tf.clone(b)) : null;
  const kernelT = owned.add(tf.transpose(k) as tf.Tensor2D);
  const fused = kernelActivation(activation);
  const attrs = { transposeA: false, transposeB: false, ...(fused ?? { activation: 'linear' }) } as unknown as tf.NamedAttrMap;
  const op = unaryCustomGrad<tf.Tensor2D>((x, save) => {
    if (x.rank !== 2) throw new Error(`dense layer ${name} expects rank-2 input, got rank ${x.rank}`);
    const a = tf.reshape(x, [1, x.shape[0], x.shape[1]]);
    const inputs: tf.NamedTensorMap = bias ? { a, b: kernel, bias } : { a, b: kernel };
    const y = tf.reshape(tf.engine().runKernel('_FusedMatMul', inputs, attrs) as tf.Tensor, [x.shape[0], units]);
    if (!fused) {
      const { out, saved } = activationForward(activation, y);
      save(saved);
      return { value: out, gradFunc: (dy, s) => tf.matMul(activationBackward(activation, dy, s) as tf.Tensor2D, kernelT) };
    }
    save([y]);
    return { value: y, gradFunc: (dy, [yy]) => tf.matMul(throughFusedActivation(dy, yy, activation) as tf.Tensor2D, kernelT) };
  });
  return [([x]) => op(x as tf.Tensor2D), `dense ${units} ${activation} (${name})`];
}

/**
 * A standalone batch norm (or any per-channel x·a + b) with an optional following activation, as
 * one FusedDepthwiseConv2D with a 1×1 filter a and bias b: one kernel at memory speed on wasm
 * (XNNPACK) instead of mul, add and the activation. Input gradient: through the activation, · a.
 * Activations the kernel cannot apply follow it as in convStepFromWeights.
 */
export function affineStep(a: tf.Tensor1D, b: tf.Tensor1D, activation: Activation, owned: Owned, label: string): [Step, string] {
  const channels = a.shape[0];
  const filter = owned.add(tf.reshape(a, [1, 1, channels, 1]) as tf.Tensor4D);
  const bias = owned.add(b);
  owned.add(a);
  const fused = kernelActivation(activation);
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], ...(fused ?? { activation: 'linear' }) } as unknown as tf.NamedAttrMap;
  const op = unaryCustomGrad<tf.Tensor4D>((x, save) => {
    if (x.rank !== 4) throw new Error(`${label} expects rank-4 input, got rank ${x.rank}`);
    const y = tf.engine().runKernel('FusedDepthwiseConv2D', { x, filter, bias }, attrs) as tf.Tensor4D;
    if (!fused) {
      const { out, saved } = activationForward(activation, y);
      save(saved);
      return { value: out, gradFunc: (dy, s) => tf.mul(activationBackward(activation, dy, s), a) };
    }
    save([y]);
    return { value: y, gradFunc: (dy, [yy]) => tf.mul(throughFusedActivation(dy, yy, activation), a) };
  });
  return [([x]) => op(x as tf.Tensor4D), `${label} ${activation}`];
}
