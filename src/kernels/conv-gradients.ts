/**
 * Gradient overrides for convolutions: input gradients only, computed with forward kernels.
 *
 * The stock Conv2D / DepthwiseConv2dNative gradients are lazy per input, so replacing the `x`
 * thunk is enough to get off wasm's missing or slow backprop kernels. The fused ops
 * (tf.fused.conv2d / fused.depthwiseConv2d, which tfjs-layers uses for every Conv2D layer whose
 * activation is linear or not fusable, e.g. 'relu6') are different: in gradient mode they record a
 * `customGrad` tape node whose gradient EAGERLY computes the filter gradient too (Conv2DBackpropFilter,
 * missing on wasm; 92% of the backward time on cpu). tfjs-core's engine names such a node after the
 * enclosing op scope ('fusedConv2d__op') and, when adding it to the tape, prefers a gradient
 * registered under that name over the customGrad closure (engine.addTapeNode → getGradient). So we
 * register lazy gradients under those scope names; their attributes come from backend-hooks.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { recordedFusedAttrs, type FusedConvAttrs } from './backend-hooks';
import { conv2dInputGrad, depthwiseInputGrad, type PadArg, type RoundingMode } from './conv-input-grad';
import { throughFusedActivation } from './fused-activation';

export const FILTER_GRADIENT_ERROR = "filter gradients are not supported by printshot's input-only gradient kernels";

/** Scope names tfjs-core 4.22 gives the customGrad tape nodes of the fused conv ops. */
export const FUSED_CONV2D_SCOPE = 'fusedConv2d__op';
export const FUSED_DEPTHWISE_SCOPE = 'fusedDepthwiseConv2d__op';

type Shape4 = [number, number, number, number];
type Pair = [number, number];

interface ConvAttrs {
  strides: number | Pair;
  pad: PadArg;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | Pair;
  dimRoundingMode?: RoundingMode;
}

/** Thunk for gradients we deliberately do not compute: throws only if the tape asks for it. */
export function unsupportedFilterGradient(): tf.Tensor {
  throw new Error(FILTER_GRADIENT_ERROR);
}

function assertNoDilation(op: string, dilations: number | Pair | undefined): void {
  const d = dilations ?? 1;
  if (!(typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1)) {
    throw new Error(`printshot input gradients: ${op} with dilations ${String(d)} is not supported`);
  }
}

type InputGrad = typeof conv2dInputGrad;

/** Runs an NHWC input-gradient routine, transposing around it for NCHW tensors. */
function inputGradInFormat(fn: InputGrad, dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: Shape4, a: ConvAttrs): tf.Tensor4D {
  if (a.dataFormat !== 'NCHW') return fn(dy, filter, xShape, a.strides, a.pad, a.dimRoundingMode);
  const [n, c, h, w] = xShape;
  const dyNhwc = tf.transpose(dy, [0, 2, 3, 1]);
  return tf.transpose(fn(dyNhwc, filter, [n, h, w, c], a.strides, a.pad, a.dimRoundingMode), [0, 3, 1, 2]);
}

const conv2DGrad: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    assertNoDilation('conv2d', a.dilations);
    return {
      x: () => inputGradInFormat(conv2dInputGrad, dy as tf.Tensor4D, filter, x.shape, a),
      filter: unsupportedFilterGradient,
    };
  },
};

const depthwiseGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    assertNoDilation('depthwiseConv2d', a.dilations);
    return {
      x: () => inputGradInFormat(depthwiseInputGrad, dy as tf.Tensor4D, filter, x.shape, a),
      filter: unsupportedFilterGradient,
    };
  },
};

/** Bias gradient: dy summed over the axes the bias was broadcast along. */
function biasGradient(bias: tf.Tensor, dyAct: tf.Tensor): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(bias.shape, dyAct.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dyAct, axes) : dyAct, bias.shape);
}

function fusedGrad(scope: string, fn: InputGrad): tf.GradConfig {
  return {
    kernelName: scope,
    gradFunc: (dy, saved) => {
      // customGrad saved [filter, x4D, y] or [filter, x4D, y, bias] (tfjs-core 4.22 fused ops).
      if (saved.length < 3) {
        throw new Error(`printshot input gradients: unexpected tape node '${scope}' (tfjs-core changed?)`);
      }
      const [filter, x, y, bias] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor | undefined];
      const attrs: FusedConvAttrs | undefined = recordedFusedAttrs(y);
      if (attrs === undefined) {
        throw new Error(
          `printshot input gradients: no recorded attributes for '${scope}'; call registerInputGradients() ` +
            'after importing the tfjs backend packages',
        );
      }
      assertNoDilation(scope, attrs.dilations);
      const dyAct = throughFusedActivation(dy as tf.Tensor, y, attrs.activation, attrs.leakyreluAlpha) as tf.Tensor4D;
      const grads: Record<string, () => tf.Tensor> = {
        0: () => inputGradInFormat(fn, dyAct, filter, x.shape, attrs),
        1: unsupportedFilterGradient,
      };
      if (bias !== undefined) grads[2] = () => biasGradient(bias, dyAct);
      return grads;
    },
  };
}

export const convGradients: readonly tf.GradConfig[] = [
  conv2DGrad,
  depthwiseGrad,
  fusedGrad(FUSED_CONV2D_SCOPE, conv2dInputGrad),
  fusedGrad(FUSED_DEPTHWISE_SCOPE, depthwiseInputGrad),
];
