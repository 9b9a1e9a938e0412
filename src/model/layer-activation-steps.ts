/**
 * Activations in the compiled layer plan: which ones the fused conv / matMul kernels apply
 * themselves (kernels/fused-activation.ts: relu, relu6, leaky relu, sigmoid, elu), and for every
 * other one a forward in tfjs ops plus a written-out derivative from the tensors it saves, so that
 * an activation costs one custom-gradient op (or nothing extra inside a conv's op) instead of the
 * 3–8 recorded ops autodiff would walk back through:
 *   tanh: 1 − y²;  swish/silu x·σ(x): σ + x·σ·(1 − σ);  hard sigmoid (tfjs: clip(0.2x + 0.5, 0, 1)):
 *   0.2 inside (0, 1);  hard swish x·relu6(x + 3)/6: r/6 + x/6 where 0 < r < 6;  selu: scale or
 *   y + scale·α;  softplus: σ(x);  gelu x·Φ(x): Φ + x·φ;  ReLU(max_value m): 1 on (0, m).
 * Kinks follow the relu convention (strict inequalities), a measure-zero difference from autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KERNEL_FUSED_ACTIVATIONS, splitActivation, throughFusedActivation, unaryCustomGrad } from '../kernels';
import { unsupported, type AnyLayer, type Step } from './layer-common';

export type Activation =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'sigmoid'
  | 'elu'
  | 'tanh'
  | 'swish'
  | 'hard_sigmoid'
  | 'hard_swish'
  | 'selu'
  | 'softplus'
  | 'gelu'
  | `leakyrelu:${number}`
  | `relu_max:${number}`;

const NAMES: Record<string, Activation> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  elu: 'elu',
  tanh: 'tanh',
  swish: 'swish',
  silu: 'swish',
  hardsigmoid: 'hard_sigmoid',
  hard_sigmoid: 'hard_sigmoid',
  hardswish: 'hard_swish',
  hard_swish: 'hard_swish',
  hard_silu: 'hard_swish',
  hardsilu: 'hard_swish',
  selu: 'selu',
  softplus: 'softplus',
  gelu: 'gelu',
};

/** A layer's `activation` config as a plan activation, or why not. */
export function activationOf(layer: AnyLayer, name: unknown): Activation {
  const a = name == null ? 'linear' : NAMES[String(name)] ?? NAMES[String(name).toLowerCase()];
  return a ?? unsupported(`layer ${layer.name} has activation ${String(name)}`);
}

/** The activation an activation layer (ReLU, LeakyReLU, ELU, Activation) applies, or null. */
export function standaloneActivation(layer: AnyLayer): Activation | null {
  const c = layer.getConfig();
  const num = (v: unknown, d: number): number => (v == null ? d : Number(v));
  switch (layer.getClassName()) {
    case 'ReLU': {
      const [max, slope, threshold] = [c.maxValue ?? c.max_value, num(c.negativeSlope ?? c.negative_slope, 0), num(c.threshold, 0)];
      if (threshold !== 0 || (slope !== 0 && max != null)) return null;
      if (slope !== 0) return slope > 0 && slope < 1 ? `leakyrelu:${slope}` : null;
      return max == null ? 'relu' : Number(max) === 6 ? 'relu6' : Number(max) > 0 ? `relu_max:${Number(max)}` : null;
    }
    case 'LeakyReLU': {
      const alpha = num(c.alpha, 0.3);
      return alpha > 0 && alpha < 1 ? `leakyrelu:${alpha}` : alpha === 0 ? 'relu' : null;
    }
    case 'ELU':
      return num(c.alpha, 1) === 1 ? 'elu' : null;
    case 'Activation':
      return c.activation === 'softmax' ? null : NAMES[String(c.activation)] ?? NAMES[String(c.activation).toLowerCase()] ?? null;
    default:
      return null;
  }
}

/** The activation attributes for a fused kernel, or null when the kernel cannot apply it. */
export function kernelActivation(a: Activation): { activation: string; leakyreluAlpha: number } | null {
  const [name, alpha] = splitActivation(a);
  return KERNEL_FUSED_ACTIVATIONS.includes(name) ? { activation: name, leakyreluAlpha: alpha } : null;
}

const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = 1.7580993408473768;

/** Mask 1[0 < r < m] from r's sign pattern, in float ops (see layer-gradients.ts). */
const inside = (r: tf.Tensor, m: number): tf.Tensor => tf.step(tf.mul(r, tf.sub(m, r)));

/** y = a(x), and the tensors activationBackward needs. */
export function activationForward(a: Activation, x: tf.Tensor): { out: tf.Tensor; saved: tf.Tensor[] } {
  const [name, alpha] = splitActivation(a);
  const only = (out: tf.Tensor) => ({ out, saved: [out] });
  switch (name) {
    case 'linear':
      return { out: x, saved: [] };
    case 'relu':
      return only(tf.relu(x));
    case 'relu6':
      return only(tf.relu6(x));
    case 'relu_max':
      return only(tf.clipByValue(x, 0, alpha));
    case 'leakyrelu':
      return only(tf.leakyRelu(x, alpha));
    case 'sigmoid':
      return only(tf.sigmoid(x));
    case 'elu':
      return only(tf.elu(x));
    case 'tanh':
      return only(tf.tanh(x));
    case 'selu':
      return only(tf.selu(x));
    case 'hard_sigmoid':
      return only(tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1));
    case 'swish': {
      const s = tf.sigmoid(x);
      return { out: tf.mul(x, s), saved: [x, s] };
    }
    case 'hard_swish': {
      const r = tf.relu6(tf.add(x, 3));
      return { out: tf.mul(x, tf.div(r, 6)), saved: [x, r] };
    }
    case 'softplus':
      return { out: tf.softplus(x), saved: [x] };
    case 'gelu': {
      const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
      return { out: tf.mul(x, cdf), saved: [x, cdf] };
    }
    default:
      return unsupported(`activation ${a}`);
  }
}

/** dy → dx through a, from activationForward's saved tensors. */
export function activationBackward(a: Activation, dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor {
  const [name, alpha] = splitActivation(a);
  const [p, q] = saved;
  switch (name) {
    case 'relu_max':
      return tf.mul(dy, inside(p, alpha));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(p)));
    case 'selu': {
      // y > 0: scale; else y + scale·α. step(y)·(scale − y − scale·α) + y + scale·α.
      const neg = tf.add(p, SELU_SCALE_ALPHA);
      return tf.mul(dy, tf.add(tf.mul(tf.step(p), tf.sub(SELU_SCALE, neg)), neg));
    }
    case 'hard_sigmoid':
      return tf.mul(dy, tf.mul(inside(p, 1), 0.2));
    case 'swish':
      // σ·(1 + x·(1 − σ))
      return tf.mul(dy, tf.mul(q, tf.add(1, tf.mul(p, tf.sub(1, q)))));
    case 'hard_swish':
      // r/6 + x/6·1[0 < r < 6]
      return tf.mul(dy, tf.div(tf.add(q, tf.mul(p, inside(q, 6))), 6));
    case 'softplus':
      return tf.mul(dy, tf.sigmoid(p));
    case 'gelu':
      // Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π)
      return tf.mul(dy, tf.add(q, tf.mul(p, tf.mul(tf.exp(tf.mul(tf.square(p), -0.5)), 1 / Math.sqrt(2 * Math.PI)))));
    default:
      return name === 'linear' ? dy : throughFusedActivation(dy, p, a);
  }
}

/** A standalone activation as one custom-gradient op. */
export function activationStep(a: Activation, name: string): [Step, string] {
  if (a === 'linear') return [([x]) => x, `linear (${name})`];
  const op = unaryCustomGrad<tf.Tensor>((x, save) => {
    const { out, saved } = activationForward(a, x);
    save(saved);
    return { value: out, gradFunc: (dy, s) => activationBackward(a, dy, s) };
  });
  return [([x]) => op(x), `${a} (${name})`];
}
