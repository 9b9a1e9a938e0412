/**
 * A tfjs-layers model compiled into a few fused kernel calls with input-only gradients, for
 * attacks: fewer, fatter ops per step.
 *
 * Why: tfjs-core un-fuses conv + bias + activation (and Dense) whenever a gradient is being
 * recorded, and tfjs-layers adds per-layer bookkeeping, so an attack step on a small CNN ran ~150
 * kernels; at that scale per-op overhead and glue cost more than the convolutions (profile in
 * docs/BENCHMARKS.md). Here the layer graph is walked once and every group of layers becomes one
 * custom-gradient op (layer-steps.ts):
 *  - Conv2D / DepthwiseConv2D / SeparableConv2D (as depthwise + 1×1) → [BatchNormalization, any
 *    center/scale] → [ReLU / LeakyReLU / ELU / Activation] → [MaxPool]: one FusedConv2D /
 *    FusedDepthwiseConv2D kernel with the batch norm folded into its weights and the activation
 *    fused (relu, relu6, leaky relu, sigmoid, elu) or applied inside the same op with a written-out
 *    derivative (swish, hard swish, tanh, gelu, …: layer-activation-steps.ts), plus the max-pool
 *    when a conv with a kernel activation feeds only a MaxPooling2D; the input gradient uses
 *    filters prepared once (kernels/conv-input-grad.ts) instead of reversing them every step.
 *  - Dense: one _FusedMatMul kernel. A standalone batch norm (after Concatenate or Add) with the
 *    activation after it: one 1×1 depthwise kernel.
 *  - Merges (Add, Subtract, Multiply incl. squeeze-excite broadcasting, Average, Maximum, Minimum,
 *    Concatenate), Reshape, Permute, Cropping2D, ZeroPadding2D, pooling (keepdims too), Flatten,
 *    Rescaling, Normalization, TFOpLambda: plain differentiable ops (layer-merge-steps.ts);
 *    Dropout-like layers: nothing (inference).
 * A group is only fused when each inner output has no other reader. Anything else (layers called
 * twice, other layer types, channels-first data, dilations) is reported as the reason and the caller keeps
 * tfjs-layers' apply(). PRINTSHOT_LAYER_PLAN=off turns the plan off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { kernelActivation, standaloneActivation } from './layer-activation-steps';
import { simpleStep } from './layer-merge-steps';
import {
  activationOf,
  affineStep,
  batchNormAffine,
  convSpec,
  convStep,
  denseStep,
  foldBatchNorm,
  Owned,
  PlanUnsupported,
  poolSpec,
  separableSpecs,
  unsupported,
  type AnyLayer,
  type ConvSpec,
  type Step,
} from './layer-steps';
import { envVar } from '../shared/env';

export { PlanUnsupported };

export interface LayerPlan {
  /** The model's output before a final softmax (the whole model when it has none). */
  logits(x: tf.Tensor): tf.Tensor;
  /** Where a final softmax was ("last layer dense_1 has softmax activation"), or null. */
  readonly softmax: string | null;
  /** One line per compiled op, for logs and tests. */
  readonly ops: readonly string[];
  dispose(): void;
}

/** One layer call: which symbolic tensors it reads and writes. */
interface Call {
  layer: AnyLayer;
  inputs: number[];
  output: number;
}

/** The model's layer calls in topological order (tfjs-layers keeps model.layers that way). */
function calls(model: tfl.LayersModel): Call[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) unsupported('not one input and one output');
  const out: Call[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) unsupported(`layer ${layer.name} is called ${layer.inboundNodes.length} times`);
    const node = layer.inboundNodes[0];
    if (node.outputTensors.length !== 1) unsupported(`layer ${layer.name} has ${node.outputTensors.length} outputs`);
    out.push({ layer, inputs: node.inputTensors.map((t) => t.id), output: node.outputTensors[0].id });
  }
  return out;
}

const IDENTITY_AT_INFERENCE = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);
const ACTIVATION_LAYERS = ['ReLU', 'LeakyReLU', 'ELU', 'Activation'];

/** Compiles the model or throws PlanUnsupported saying why not. */
export function compileLayerPlan(model: tfl.LayersModel): LayerPlan {
  const all = calls(model);
  const outputId = model.outputs[0].id;
  const readers = new Map<number, Call[]>();
  for (const c of all) for (const id of c.inputs) readers.set(id, [...(readers.get(id) ?? []), c]);
  /** The call that alone reads `c`'s output, if its layer is one of `classes`. */
  const soleReader = (c: Call, classes: string[]): Call | undefined => {
    const r = readers.get(c.output) ?? [];
    return r.length === 1 && c.output !== outputId && classes.includes(r[0].layer.getClassName()) ? r[0] : undefined;
  };

  const owned = new Owned();
  const steps: { inputs: number[]; output: number; run: Step }[] = [];
  const ops: string[] = [];
  const absorbed = new Set<Call>();
  const aliases = new Map<number, number>(); // output id of a layer that computes nothing → its input id
  let softmax: string | null = null;
  let logitsId = outputId;
  const add = (inputs: number[], output: number, [run, label]: [Step, string]): void => {
    steps.push({ inputs, output, run });
    ops.push(label);
  };
  /** Activation layer reading `c` alone, with the activation it applies (null if none or unsupported). */
  const activationAfter = (c: Call): [Call, NonNullable<ReturnType<typeof standaloneActivation>>] | undefined => {
    const act = soleReader(c, ACTIVATION_LAYERS);
    const a = act && standaloneActivation(act.layer);
    return act && a ? [act, a] : undefined;
  };
  /** A conv (spec) reading `inputs`, with the batch norm, activation and max-pool that follow `c`. */
  const addConv = (inputs: number[], spec: ConvSpec, c: Call): void => {
    let last = c;
    const bn = spec.activation === 'linear' ? soleReader(last, ['BatchNormalization']) : undefined;
    if (bn) [spec, last] = [foldBatchNorm(spec, bn.layer), bn];
    const act = spec.activation === 'linear' ? activationAfter(last) : undefined;
    if (act) [spec, last] = [{ ...spec, activation: act[1] }, act[0]];
    const pool = kernelActivation(spec.activation) ? soleReader(last, ['MaxPooling2D']) : undefined;
    if (pool) last = pool;
    for (const inner of [bn, act?.[0], pool]) if (inner) absorbed.add(inner);
    add(inputs, last.output, convStep(spec, pool ? poolSpec(pool.layer) : null, owned));
  };
  let nextId = -1; // ids of tensors inside a layer (a separable conv's depthwise output)
  try {
    for (const c of all) {
      if (absorbed.has(c)) continue;
      const cls = c.layer.getClassName();
      const config = c.layer.getConfig();
      const isOutput = c.output === outputId;
      if (IDENTITY_AT_INFERENCE.has(cls) || (cls === 'Activation' && config.activation === 'linear')) {
        aliases.set(c.output, c.inputs[0]);
      } else if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
        addConv(c.inputs, convSpec(c.layer), c);
      } else if (cls === 'SeparableConv2D') {
        const [depthwise, pointwise] = separableSpecs(c.layer);
        const mid = nextId--;
        add(c.inputs, mid, convStep(depthwise, null, owned));
        addConv([mid], pointwise, c);
      } else if (cls === 'Dense') {
        const isSoftmax = isOutput && config.activation === 'softmax';
        if (isSoftmax) softmax = `last layer ${c.layer.name} has softmax activation`;
        add(c.inputs, c.output, denseStep(c.layer, isSoftmax ? 'linear' : activationOf(c.layer, config.activation), owned));
      } else if ((cls === 'Activation' && config.activation === 'softmax') || cls === 'Softmax') {
        if (!isOutput) unsupported(`softmax layer ${c.layer.name} is not the last layer`);
        if (cls === 'Softmax' && ![undefined, -1, 1].includes(config.axis as number)) unsupported(`softmax layer ${c.layer.name} normalises another axis`);
        softmax = `last layer ${c.layer.name} is a softmax`;
        logitsId = c.inputs[0];
      } else if (cls === 'BatchNormalization' && c.layer.inboundNodes[0].inputTensors[0].shape.length === 4) {
        // Standalone (after a concat or an add): one affine kernel, with the activation after it.
        const act = activationAfter(c);
        if (act) absorbed.add(act[0]);
        const [a, b] = batchNormAffine(c.layer);
        add(c.inputs, act ? act[0].output : c.output, affineStep(a, b, act ? act[1] : 'linear', owned, `batch norm as x·a + b (${c.layer.name})`));
      } else {
        add(c.inputs, c.output, simpleStep(c.layer, owned));
      }
    }
  } catch (e) {
    tf.dispose(owned.tensors);
    throw e;
  }
  const resolve = (id: number): number => (aliases.has(id) ? resolve(aliases.get(id)!) : id);
  const inputId = model.inputs[0].id;
  const wanted = resolve(logitsId);
  return {
    softmax,
    ops,
    logits: (x) =>
      tf.tidy(() => {
        const values = new Map<number, tf.Tensor>([[inputId, x]]);
        for (const s of steps) values.set(s.output, s.run(s.inputs.map((id) => values.get(resolve(id))!)));
        return values.get(wanted)!;
      }),
    dispose: () => tf.dispose(owned.tensors),
  };
}

/** The plan unless turned off (PRINTSHOT_LAYER_PLAN=off) or unsupported; then why not. */
export function tryCompileLayerPlan(model: tfl.LayersModel): LayerPlan | string {
  const env = envVar('PRINTSHOT_LAYER_PLAN');
  if (env === 'off' || env === '0') return 'PRINTSHOT_LAYER_PLAN=off';
  try {
    return compileLayerPlan(model);
  } catch (e) {
    if (e instanceof PlanUnsupported) return e.message;
    throw e;
  }
}
