/**
 * Reading a tfjs-converter graph (model.json's modelTopology.node) for the compiled graph plan
 * (graph-plan.ts): node attributes as the converter writes them (base64 strings, int64 as decimal
 * strings, lists), constant inputs, and the ops that plain differentiable tfjs ops express.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unsupported, type Activation, type Owned, type PoolSpec, type Step } from './layer-steps';

/** One attribute value in model.json (a tensorflow AttrValue as JSON). */
interface AttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
}

export interface GraphNode {
  name: string;
  op: string;
  /** Data inputs as tensor names ("conv/Relu6", "split:1"); control inputs ("^x") dropped. */
  inputs: string[];
  attr: Record<string, AttrValue>;
}

export function parseNodes(modelJSON: tf.io.ModelJSON): Map<string, GraphNode> {
  const raw = (modelJSON.modelTopology as { node?: { name: string; op: string; input?: string[]; attr?: Record<string, AttrValue> }[] } | undefined)?.node ?? [];
  const nodes = new Map<string, GraphNode>();
  for (const n of raw) nodes.set(n.name, { name: n.name, op: n.op, inputs: (n.input ?? []).filter((i) => !i.startsWith('^')), attr: n.attr ?? {} });
  return nodes;
}

/** "logits:0" → ["logits", 0]. */
export function tensorRef(name: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(name);
  return m ? [m[1], Number(m[2])] : [name, 0];
}

const decode = (s: string): string => (typeof atob === 'function' ? atob(s) : s);

export const attrString = (n: GraphNode, key: string): string | undefined => (n.attr[key]?.s === undefined ? undefined : decode(n.attr[key].s!));
export const attrInts = (n: GraphNode, key: string): number[] | undefined => n.attr[key]?.list?.i?.map(Number);
export const attrBool = (n: GraphNode, key: string): boolean | undefined => n.attr[key]?.b;
export const attrFloat = (n: GraphNode, key: string): number | undefined => n.attr[key]?.f;
export const attrStrings = (n: GraphNode, key: string): string[] => (n.attr[key]?.list?.s ?? []).map(decode);

const what = (n: GraphNode): string => `node ${n.name} (${n.op})`;

export function channelsLast(n: GraphNode): void {
  const format = attrString(n, 'data_format');
  if (format !== undefined && format !== 'NHWC') unsupported(`${what(n)} uses data format ${format}`);
}

/** The [1, h, w, 1] attribute of a 4-D op as [h, w]. */
export function spatial(n: GraphNode, key: string, fallback = 1): [number, number] {
  const v = attrInts(n, key);
  if (!v || v.length === 0) return [fallback, fallback];
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) unsupported(`${what(n)} has ${key} ${JSON.stringify(v)}`);
  return [v[1], v[2]];
}

/** A conv's padding: 'same' | 'valid', or EXPLICIT as [[0,0],[t,b],[l,r],[0,0]]. */
export function convPadding(n: GraphNode): 'same' | 'valid' | tf.backend_util.ExplicitPadding {
  const p = attrString(n, 'padding');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  if (p === 'EXPLICIT') {
    const e = attrInts(n, 'explicit_paddings') ?? [];
    if (e.length !== 8 || e[0] || e[1] || e[6] || e[7]) unsupported(`${what(n)} pads the batch or channel axis`);
    return [[0, 0], [e[2], e[3]], [e[4], e[5]], [0, 0]];
  }
  return unsupported(`${what(n)} has padding ${String(p)}`);
}

export function poolOf(n: GraphNode): PoolSpec {
  channelsLast(n);
  const pad = convPadding(n);
  if (typeof pad !== 'string') unsupported(`${what(n)} has explicit padding`);
  return { filterSize: spatial(n, 'ksize'), strides: spatial(n, 'strides'), pad };
}

/** Activation ops a conv / matmul step applies itself (layer-activation-steps.ts), by TF op name. */
export const STEP_ACTIVATIONS = ['Relu', 'Relu6', 'Elu', 'Sigmoid', 'Tanh', 'LeakyRelu'];

/**
 * The plan activation of a fused node's fused_ops [BiasAdd, act] or of an activation node: the
 * fused kernels apply relu, relu6, elu, sigmoid and leaky relu themselves; tanh follows the kernel
 * inside the same op with its written-out derivative.
 */
export function activationName(op: string | undefined, n: GraphNode): Activation {
  switch (op) {
    case undefined:
      return 'linear';
    case 'Relu':
    case 'Relu6':
    case 'Elu':
    case 'Sigmoid':
    case 'Tanh':
      return op.toLowerCase() as Activation;
    case 'LeakyRelu':
      return `leakyrelu:${attrFloat(n, n.op === 'LeakyRelu' ? 'alpha' : 'leakyrelu_alpha') ?? 0.2}`;
    default:
      return unsupported(`${what(n)} fuses activation ${op}`);
  }
}

/**
 * Inference FusedBatchNorm as x·a + b from its constant inputs [x, scale, offset, mean, variance]:
 * a = γ / √(σ² + ε), b = β − μ·a (new tensors). Training mode (batch statistics) is refused.
 */
export function batchNormOf(n: GraphNode, constant: (input: string) => tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  channelsLast(n);
  if (attrBool(n, 'is_training') === true) unsupported(`${what(n)} is in training mode`);
  const [scale, offset, mean, variance] = n.inputs.slice(1, 5).map(constant);
  const epsilon = attrFloat(n, 'epsilon') ?? 1e-3;
  return tf.tidy(() => {
    const a = tf.div(scale, tf.sqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
    return [a, tf.sub(offset, tf.mul(mean, a)) as tf.Tensor1D];
  });
}

const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync(), Number);

/**
 * Whether the batch stays on axis 0 through the plan, so that a graph exported with a fixed batch
 * of 1 can run a whole batch in one call: a Reshape's leading 1 then stands for the batch. Any op
 * that may work on axis 0 clears it (negative axes too: ranks are not tracked), and the caller
 * keeps feeding one image at a time.
 */
export class BatchAxis {
  /** Why the plan must run one image at a time, or null. */
  why: string | null = null;

  constructor(readonly fixedOne: boolean) {}

  pin(n: GraphNode, reason: string): void {
    this.why ??= `${what(n)} ${reason}`;
  }

  /** Records that `n` works on `axes`. */
  axes(n: GraphNode, axes: number[]): void {
    if (axes.some((a) => a <= 0)) this.pin(n, `works on axis ${axes.join(', ')}`);
  }
}

/** Element-wise ops that map one to one onto tfjs ops with (registered or stock) gradients. */
const UNARY = new Map<string, (x: tf.Tensor) => tf.Tensor>([
  ['Relu', (x) => tf.relu(x)],
  ['Relu6', (x) => tf.relu6(x)],
  ['Sigmoid', (x) => tf.sigmoid(x)],
  ['Tanh', (x) => tf.tanh(x)],
  ['Elu', (x) => tf.elu(x)],
  ['Neg', (x) => tf.neg(x)],
  ['Softplus', (x) => tf.softplus(x)],
]);
const BINARY = new Map<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>([
  ['AddV2', (a, b) => tf.add(a, b)],
  ['Add', (a, b) => tf.add(a, b)],
  ['BiasAdd', (a, b) => tf.add(a, b)],
  ['Sub', (a, b) => tf.sub(a, b)],
  ['Mul', (a, b) => tf.mul(a, b)],
  ['RealDiv', (a, b) => tf.div(a, b)],
  ['Maximum', (a, b) => tf.maximum(a, b)],
  ['Minimum', (a, b) => tf.minimum(a, b)],
]);

/**
 * Ops that plain tfjs ops (with the registered input gradients) express well. `constant` reads a
 * constant input (throws PlanUnsupported when it is not constant); `isConst` tells which inputs are.
 * Returns the step and the data inputs it reads, or null when the op is not one of them.
 */
export function simpleGraphStep(
  n: GraphNode,
  constant: (input: string) => tf.Tensor,
  isConst: (input: string) => boolean,
  owned: Owned,
  batch: BatchAxis,
): { run: Step; inputs: string[] } | null {
  const [x] = n.inputs;
  const unary = (f: (v: tf.Tensor) => tf.Tensor) => ({ run: ([v]: tf.Tensor[]) => f(v), inputs: [x] });
  const unaryOp = UNARY.get(n.op);
  if (unaryOp) return unary(unaryOp);
  const binaryOp = BINARY.get(n.op);
  if (binaryOp) {
    if (n.op === 'BiasAdd') channelsLast(n);
    const [a, b] = n.inputs;
    // A constant operand is bound now; the step reads only the computed ones.
    if (isConst(a) && isConst(b)) unsupported(`${what(n)} has only constant inputs`);
    const bound = isConst(b) ? constant(b) : isConst(a) ? constant(a) : undefined;
    if (bound && bound.rank > 1 && bound.shape[0] !== 1) batch.pin(n, `broadcasts a constant of shape [${bound.shape.join(', ')}]`);
    if (bound && isConst(b)) return unary((v) => binaryOp(v, bound));
    if (bound) return { run: ([v]) => binaryOp(bound, v), inputs: [b] };
    return { run: ([u, v]) => binaryOp(u, v), inputs: [a, b] };
  }
  switch (n.op) {
    case 'LeakyRelu': {
      const alpha = attrFloat(n, 'alpha') ?? 0.2;
      return unary((v) => tf.leakyRelu(v, alpha));
    }
    case 'AddN': {
      if (n.inputs.some(isConst)) unsupported(`${what(n)} adds a constant`);
      return { run: (vs) => tf.addN(vs), inputs: n.inputs };
    }
    case 'ClipByValue': {
      const [lo, hi] = [constant(n.inputs[1]), constant(n.inputs[2])].map((t) => t.dataSync()[0]);
      return unary((v) => tf.clipByValue(v, lo, hi));
    }
    case 'ConcatV2': {
      const values = n.inputs.slice(0, -1);
      if (values.some(isConst)) unsupported(`${what(n)} concatenates a constant`);
      const axis = ints(constant(n.inputs[n.inputs.length - 1]))[0];
      batch.axes(n, [axis]);
      return { run: (vs) => tf.concat(vs, axis), inputs: values };
    }
    case 'Mean':
    case 'Sum':
    case 'Max': {
      const axes = ints(constant(n.inputs[1]));
      const keep = attrBool(n, 'keep_dims') ?? false;
      const reduce = n.op === 'Mean' ? tf.mean : n.op === 'Sum' ? tf.sum : tf.max;
      batch.axes(n, axes);
      return unary((v) => reduce(v, axes, keep));
    }
    case 'ExpandDims': {
      const axis = ints(constant(n.inputs[1]))[0];
      if (axis !== -1) batch.axes(n, [axis]); // -1 appends, whatever the rank
      return unary((v) => tf.expandDims(v, axis));
    }
    case 'Transpose': {
      const perm = ints(constant(n.inputs[1]));
      if (perm[0] !== 0) batch.pin(n, `moves axis 0 (perm ${perm.join(', ')})`);
      return unary((v) => tf.transpose(v, perm));
    }
    case 'AvgPool':
    case 'MaxPool': {
      const p = poolOf(n);
      return unary((v) => (n.op === 'MaxPool' ? tf.maxPool : tf.avgPool)(v as tf.Tensor4D, p.filterSize, p.strides, p.pad));
    }
    case 'Pad':
    case 'PadV2': {
      const flat = ints(constant(n.inputs[1]));
      const paddings = Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as [number, number]);
      const value = n.op === 'PadV2' ? constant(n.inputs[2]).dataSync()[0] : 0;
      if (flat[0] || flat[1]) batch.pin(n, 'pads the batch axis');
      return unary((v) => tf.pad(v, paddings, value));
    }
    case 'Reshape': {
      const shape = ints(constant(n.inputs[1]));
      // In a batch-1 graph a leading 1 is the batch; a leading -1 already follows it.
      const leadingOne = batch.fixedOne && shape[0] === 1 && shape.length > 1;
      if (batch.fixedOne && !leadingOne && !(shape[0] === -1 && shape.length > 1 && !shape.slice(1).includes(-1))) batch.pin(n, `reshapes to [${shape.join(', ')}]`);
      return unary((v) => tf.reshape(v, leadingOne ? [v.shape[0], ...shape.slice(1)] : shape));
    }
    case 'Squeeze': {
      const axes = attrInts(n, 'squeeze_dims') ?? attrInts(n, 'axis') ?? [];
      if (axes.length === 0) batch.pin(n, 'squeezes every axis of size 1');
      batch.axes(n, axes);
      return unary((v) => tf.squeeze(v, axes.length ? axes : undefined));
    }
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
    case 'FusedBatchNormV3': {
      const [a, b] = batchNormOf(n, constant).map((t) => owned.add(t));
      return unary((v) => tf.add(tf.mul(v, a), b));
    }
    default:
      return null;
  }
}
