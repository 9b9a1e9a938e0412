/**
 * A tfjs-layers model compiled into a few fused kernel calls with input-only gradients, for
 * attacks: fewer, fatter ops per step.
 *
 * Why: tfjs-core un-fuses conv + bias + activation (and Dense) whenever a gradient is being
 * recorded, and tfjs-layers adds per-layer bookkeeping, so an attack step on a small CNN ran ~150
 * kernels; at that scale per-op overhead and glue cost more than the convolutions (profile in
 * docs/BENCHMARKS.md). Here the layer graph is walked once and every group of layers becomes one
 * custom-gradient op (layer-steps.ts):
 *  - Conv2D / DepthwiseConv2D → [BatchNormalization] → [ReLU / Activation relu|relu6] → [MaxPool]:
 *    one FusedConv2D / FusedDepthwiseConv2D kernel with the batch norm folded into its weights and
 *    the activation fused, plus the max-pool when a relu conv feeds only a MaxPooling2D (whose
 *    one-pass gradient kernel then applies the relu mask); the input gradient uses filters
 *    prepared once (kernels/conv-input-grad.ts) instead of reversing them every step.
 *  - Dense: one _FusedMatMul kernel; Add, ZeroPadding2D, pooling, Flatten, standalone batch norm
 *    and activations: plain differentiable ops; Dropout-like layers: nothing (inference).
 * A group is only fused when each inner output has no other reader. Anything else (layers called
 * twice, other layer types, channels-first data) is reported as the reason and the caller keeps
 * tfjs-layers' apply(). PRINTSHOT_LAYER_PLAN=off turns the plan off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  activationOf,
  batchNormAffine,
  convSpec,
  convStep,
  denseStep,
  foldBatchNorm,
  Owned,
  PlanUnsupported,
  poolSpec,
  standaloneActivation,
  unsupported,
  type AnyLayer,
  type Step,
} from './layer-steps';

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
  try {
    for (const c of all) {
      if (absorbed.has(c)) continue;
      const cls = c.layer.getClassName();
      const config = c.layer.getConfig();
      const isOutput = c.output === outputId;
      if (IDENTITY_AT_INFERENCE.has(cls)) {
        aliases.set(c.output, c.inputs[0]);
      } else if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
        let spec = convSpec(c.layer);
        let last = c;
        const bn = spec.activation === 'linear' ? soleReader(last, ['BatchNormalization']) : undefined;
        if (bn) [spec, last] = [foldBatchNorm(spec, bn.layer), bn];
        const act = spec.activation === 'linear' ? soleReader(last, ['ReLU', 'Activation']) : undefined;
        const fusedActivation = act && standaloneActivation(act.layer);
        if (act && fusedActivation) [spec, last] = [{ ...spec, activation: fusedActivation }, act];
        const pool = soleReader(last, ['MaxPooling2D']);
        if (pool) last = pool;
        for (const inner of [bn, fusedActivation ? act : undefined, pool]) if (inner) absorbed.add(inner);
        add(c.inputs, last.output, convStep(spec, pool ? poolSpec(pool.layer) : null, owned));
      } else if (cls === 'Dense') {
        const isSoftmax = isOutput && config.activation === 'softmax';
        if (isSoftmax) softmax = `last layer ${c.layer.name} has softmax activation`;
        add(c.inputs, c.output, denseStep(c.layer, isSoftmax ? 'linear' : activationOf(c.layer, config.activation), owned));
      } else if ((cls === 'Activation' && config.activation === 'softmax') || cls === 'Softmax') {
        if (!isOutput) unsupported(`softmax layer ${c.layer.name} is not the last layer`);
        if (cls === 'Softmax' && ![undefined, -1, 1].includes(config.axis as number)) unsupported(`softmax layer ${c.layer.name} normalises another axis`);
        softmax = `last layer ${c.layer.name} is a softmax`;
        logitsId = c.inputs[0];
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

/** Layers that plain, differentiable ops express well. */
function simpleStep(layer: AnyLayer, owned: Owned): [Step, string] {
  const cls = layer.getClassName();
  const c = layer.getConfig();
  if (c.dataFormat === 'channelsFirst') unsupported(`layer ${layer.name} is channels-first`);
  const name = `${cls.toLowerCase()} (${layer.name})`;
  const unary = (f: (x: tf.Tensor) => tf.Tensor): [Step, string] => [([x]) => f(x), name];
  switch (cls) {
    case 'Flatten':
      return unary((x) => tf.reshape(x, [x.shape[0], -1]));
    case 'Add':
      return [(xs) => tf.addN(xs), name];
    case 'MaxPooling2D': {
      const p = poolSpec(layer);
      return unary((x) => tf.maxPool(x as tf.Tensor4D, p.filterSize, p.strides, p.pad));
    }
    case 'AveragePooling2D': {
      const p = poolSpec(layer);
      return unary((x) => tf.avgPool(x as tf.Tensor4D, p.filterSize, p.strides, p.pad));
    }
    case 'GlobalAveragePooling2D':
      return unary((x) => tf.mean(x, [1, 2]));
    case 'GlobalMaxPooling2D':
      return unary((x) => tf.max(x, [1, 2]));
    case 'ZeroPadding2D': {
      const p = c.padding as number | [number, number] | [[number, number], [number, number]];
      const [rows, cols] = typeof p === 'number' ? [[p, p], [p, p]] : typeof p[0] === 'number' ? [[p[0], p[0]], [p[1], p[1]]] : p;
      return unary((x) => tf.pad(x, [[0, 0], rows as [number, number], cols as [number, number], [0, 0]]));
    }
    case 'ReLU':
    case 'Activation': {
      const activation = standaloneActivation(layer);
      if (activation === null && !(cls === 'Activation' && c.activation === 'linear')) unsupported(`layer ${layer.name} is a ${cls} (${JSON.stringify(c.activation ?? c.maxValue)})`);
      return unary(activation === 'relu' ? (x) => tf.relu(x) : activation === 'relu6' ? (x) => tf.relu6(x) : (x) => x);
    }
    case 'BatchNormalization': {
      const [a, b] = batchNormAffine(layer).map((t) => owned.add(t));
      return [([x]) => tf.add(tf.mul(x, a), b), `batch norm as x·a + b (${layer.name})`];
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
