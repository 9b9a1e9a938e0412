/**
 * What a loaded model looks like from the outside (input shape, output width) and how to get its
 * logits. Attacks need logits, not probabilities: gradients of a saturated softmax vanish, and
 * log(clip(p)) invents gradients where p underflowed. So when a model ends in softmax we evaluate
 * the tensor feeding that softmax instead of taking the log of its output.
 *
 * Nothing here mutates the loaded model: for Layers models we build a second model over the same
 * symbolic tensors (it owns no weights) and, for a Dense layer with a softmax activation, apply its
 * kernel and bias by hand; for Graph models we execute up to the Softmax node's input.
 * Both kinds run through a compiled plan of fused kernels when they compile (layer-plan.ts,
 * graph-plan.ts); `execution` says which, or why not.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type * as tfconv from '@tensorflow/tfjs-converter';
import { PrintshotError } from '../shared';
import type { ModelInputShape } from './infer-card';
import { tryCompileGraphPlan } from './graph-plan';
import { tryCompileLayerPlan } from './layer-plan';

export interface ModelHead {
  inputShape: ModelInputShape;
  inputDtype: string;
  /** Output width when the model declares it (Graph models often do not). */
  outputWidth: number | null;
  /** Where a final softmax was found ("last layer dense_1 has softmax activation"), or null. */
  softmax: string | null;
  /** Why logits cannot be taken from before that softmax, when they cannot. */
  preSoftmaxProblem?: string;
  /** The model's own output, in inference mode. */
  output(x: tf.Tensor): tf.Tensor;
  /** The tensor feeding the final softmax; present when `softmax` is set and supported. */
  preSoftmax?: (x: tf.Tensor) => tf.Tensor;
  /** How the model runs: the compiled plan's ops, or why tfjs-layers' apply() / model.execute is used. */
  execution?: { compiled: readonly string[] } | { notCompiled: string };
  /** Frees what the head owns (the compiled plan's prepared weights); the model is the caller's. */
  dispose?: () => void;
}

function fail(message: string): never {
  throw new PrintshotError('bad-model', message);
}

function singleIO(inputs: number, outputs: number): void {
  if (inputs !== 1 || outputs !== 1) {
    fail(`model has ${inputs} input(s) and ${outputs} output(s); Printshot needs one image input and one class output`);
  }
}

function knownDim(d: number | null | undefined): number | null {
  return typeof d === 'number' && d >= 0 ? d : null;
}

type AnyLayer = tfl.LayersModel['layers'][number];

export function layersHead(model: tfl.LayersModel): ModelHead {
  singleIO(model.inputs.length, model.outputs.length);
  const input = model.inputs[0];
  const out = model.outputs[0];
  const outShape = out.shape;
  const head: ModelHead = {
    inputShape: input.shape.map(knownDim),
    inputDtype: input.dtype,
    outputWidth: outShape.length === 2 ? knownDim(outShape[1]) : null,
    softmax: null,
    // apply() on concrete tensors runs eagerly, so gradients reach x; training:false keeps
    // dropout and batch-norm in inference mode.
    output: (x) => model.apply(x, { training: false }) as tf.Tensor,
  };
  if (outShape.length !== 2) return head; // rejected by the caller with the actual shape
  const plan = tryCompileLayerPlan(model);
  if (typeof plan === 'string') {
    head.execution = { notCompiled: plan };
  } else {
    head.execution = { compiled: plan.ops };
    head.dispose = () => plan.dispose();
    head.softmax = plan.softmax;
    head.output = plan.softmax ? (x) => tf.softmax(plan.logits(x)) : (x) => plan.logits(x);
    if (plan.softmax) head.preSoftmax = (x) => plan.logits(x);
    return head;
  }
  const last = out.sourceLayer as AnyLayer;
  const cls = last.getClassName();
  const config = last.getConfig();
  const isSoftmaxLayer = cls === 'Softmax' || (cls === 'Activation' && config.activation === 'softmax');
  if (!isSoftmaxLayer && config.activation !== 'softmax') return head;
  head.softmax = isSoftmaxLayer ? `last layer ${last.name} is a softmax` : `last layer ${last.name} has softmax activation`;

  let features: (x: tf.Tensor) => tf.Tensor;
  try {
    // `.input` throws when the layer is shared (several inbound nodes): then we cannot tell
    // which call produced the model output.
    const pre = last.input as tfl.SymbolicTensor;
    if (pre === input) {
      features = (x) => x;
    } else {
      const sub = tfl.model({ inputs: input, outputs: pre, name: `${model.name}_presoftmax` });
      features = (x) => sub.apply(x, { training: false }) as tf.Tensor;
    }
  } catch (e) {
    head.preSoftmaxProblem = `cannot isolate the input of ${last.name}: ${(e as Error).message.split('\n')[0]}`;
    return head;
  }
  if (isSoftmaxLayer) {
    const axis = config.axis;
    if (axis !== undefined && axis !== -1 && axis !== 1 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1))) {
      head.preSoftmaxProblem = `softmax layer ${last.name} normalises over axis ${JSON.stringify(axis)}, not the class axis`;
      return head;
    }
    head.preSoftmax = features;
  } else if (cls === 'Dense') {
    // Dense(softmax) computes softmax(x·W + b): recompute x·W + b from the layer's live weights
    // (getWeights returns the variables themselves, not copies) rather than editing the layer.
    head.preSoftmax = (x) => {
      const [kernel, bias] = last.getWeights();
      const z = tf.matMul(features(x) as tf.Tensor2D, kernel as tf.Tensor2D);
      return config.useBias === false || !bias ? z : tf.add(z, bias);
    };
  } else {
    head.preSoftmaxProblem = `last layer ${last.name} is a ${cls} with softmax activation; only Dense, Activation('softmax') and Softmax are supported as the final softmax`;
  }
  return head;
}

interface GraphNodeJSON {
  name: string;
  op: string;
  input?: string[];
}

export function graphHead(model: tfconv.GraphModel, modelJSON: tf.io.ModelJSON): ModelHead {
  singleIO(model.inputs.length, model.outputs.length);
  const input = model.inputs[0];
  const outShape = model.outputs[0].shape;
  const head: ModelHead = {
    // A graph input may declare no shape at all; treat that as rank 4 with unknown dims so the
    // card (or a clear "cannot infer" error) decides.
    inputShape: input.shape ? input.shape.map(knownDim) : [null, null, null, null],
    inputDtype: input.dtype,
    outputWidth: outShape && outShape.length === 2 ? knownDim(outShape[1]) : null,
    softmax: null,
    output: (x) => model.execute(x) as tf.Tensor,
  };
  const nodes = new Map<string, GraphNodeJSON>();
  for (const n of ((modelJSON.modelTopology as { node?: GraphNodeJSON[] }).node ?? [])) nodes.set(n.name, n);
  // outputNodes may hold signature keys; the signature maps them to tensor names.
  const signatureOutputs = (modelJSON.signature as { outputs?: Record<string, { name?: string }> } | undefined)?.outputs;
  let name = model.outputNodes[0];
  name = signatureOutputs?.[name]?.name ?? name;
  let node = nodes.get(nodeName(name));
  // Converters commonly append Identity nodes after the softmax.
  while (node && node.op === 'Identity' && node.input?.length) node = nodes.get(nodeName(node.input[0]));
  if (!node || node.op !== 'Softmax') return withGraphPlan(head, model, modelJSON, name, false);
  const pre = (node.input ?? []).find((i) => !i.startsWith('^'));
  head.softmax = `graph node ${node.name} is a Softmax`;
  if (!pre) {
    head.preSoftmaxProblem = `Softmax node ${node.name} has no data input`;
    return head;
  }
  head.preSoftmax = (x) => model.execute(x, pre) as tf.Tensor;
  return withGraphPlan(head, model, modelJSON, pre, true);
}

/**
 * Runs `target` (the softmax input, or the output) through the compiled graph plan when it
 * compiles. With a softmax, output() stays model.execute, so the load-time probe checks the plan's
 * logits against the model's own probabilities.
 */
function withGraphPlan(head: ModelHead, model: tfconv.GraphModel, modelJSON: tf.io.ModelJSON, target: string, softmax: boolean): ModelHead {
  const plan = tryCompileGraphPlan(model, modelJSON, target);
  if (typeof plan === 'string') {
    head.execution = { notCompiled: plan };
    return head;
  }
  head.execution = { compiled: plan.ops };
  head.dispose = () => plan.dispose();
  // A graph exported with batch 1 whose plan runs any batch takes whole batches (the loader
  // feeds fixed-batch models one image at a time); model.execute still gets batches of 1.
  const anyBatch = head.inputShape[0] === 1 && plan.oneAtATime === null;
  if (anyBatch) head.inputShape = [null, ...head.inputShape.slice(1)];
  if (softmax) {
    head.preSoftmax = (x) => plan.logits(x);
    if (anyBatch) head.output = (x) => (x.shape[0] === 1 ? (model.execute(x) as tf.Tensor) : tf.softmax(plan.logits(x)));
  } else head.output = (x) => plan.logits(x);
  return head;
}

/** "logits:0" → "logits"; "^ctrl" → "ctrl". */
function nodeName(tensorName: string): string {
  return tensorName.replace(/^\^/, '').replace(/:\d+$/, '');
}
