/**
 * A tfjs-converter graph model compiled onto the same fused kernels as the layer plan
 * (layer-plan.ts, layer-steps.ts), for attacks.
 *
 * Why: GraphModel.execute under tf.grad runs each node through tfjs-core ops, which un-fuse a
 * conv's non-linear activation whenever a gradient is recorded, and the executor adds bookkeeping
 * per node. Here the nodes that feed the wanted tensor are walked once at load time, constants
 * (already dequantized by tfjs io, for uint8/uint16/float16 weights) are folded into copies the
 * plan owns, and:
 *  - Conv2D / DepthwiseConv2dNative / _FusedConv2D / FusedDepthwiseConv2dNative, with a following
 *    BiasAdd, inference FusedBatchNorm, activation (Relu, Relu6, Elu, Sigmoid, Tanh, LeakyRelu)
 *    and MaxPool absorbed when the conv's output has no other reader: one fused kernel with
 *    input-gradient filters prepared once (convStepFromWeights);
 *  - MatMul / _FusedMatMul by a constant (+ BiasAdd, activation): one _FusedMatMul;
 *  - Add, Mul, Concat, Mean, pooling, Pad, Reshape, Squeeze, standalone batch norm, activations
 *    (graph-steps.ts): plain differentiable tfjs ops; Identity: nothing.
 * Any other node makes the plan refuse with a one-line reason naming the node and its op, and the
 * caller keeps model.execute. PRINTSHOT_LAYER_PLAN=off turns this plan off too.
 * Measured (bench/graph-model.ts, per CPU-second): BIM-10 2.3× faster on a 28² CNN, where per-op
 * overhead dominated; about the same on MobileNetV2 at 224², where the convolutions themselves do.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfconv from '@tensorflow/tfjs-converter';
import {
  activationName,
  BatchAxis,
  attrBool,
  attrStrings,
  batchNormOf,
  channelsLast,
  convPadding,
  parseNodes,
  poolOf,
  simpleGraphStep,
  spatial,
  STEP_ACTIVATIONS,
  tensorRef,
  type GraphNode,
} from './graph-steps';
import { convStepFromWeights, denseStepFromWeights, Owned, PlanUnsupported, unsupported, type Activation, type PoolSpec, type Step } from './layer-steps';
import { envVar } from '../shared/env';

/** Reads the model's constants where it does not fold them: use it only while the model lives. */
export interface GraphPlan {
  /** The wanted tensor (the input of a final softmax, or the model output) as a function of the input. */
  logits(x: tf.Tensor): tf.Tensor;
  /** One line per compiled op, for logs and tests. */
  readonly ops: readonly string[];
  /**
   * For a graph exported with a fixed batch of 1: why the plan must still get one image at a time,
   * or null when it runs any batch in one call (its Reshapes' leading 1 is then the batch). Null
   * for graphs with a free batch.
   */
  readonly oneAtATime: string | null;
  dispose(): void;
}

const PASS_THROUGH = new Set(['Identity', 'Snapshot']);
const CONVS = new Set(['Conv2D', 'DepthwiseConv2dNative', '_FusedConv2D', 'FusedDepthwiseConv2dNative']);
const BATCH_NORMS = ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'];
const what = (n: GraphNode): string => `node ${n.name} (${n.op})`;

/** What has been folded into a conv or matmul so far (tensors may be the model's constants: read-only). */
interface Fold {
  bias: tf.Tensor | null;
  activation: Activation;
  scale?: tf.Tensor;
}

/** Compiles the nodes that compute tensor `target` (e.g. "logits" or "dense/BiasAdd:0"), or throws PlanUnsupported. */
export function compileGraphPlan(model: tfconv.GraphModel, modelJSON: tf.io.ModelJSON, target: string): GraphPlan {
  const nodes = parseNodes(modelJSON);
  const weights = model.weights;
  /** The node producing tensor `input`, looking through Identity. */
  const source = (input: string): GraphNode => {
    const [name, index] = tensorRef(input);
    const n = nodes.get(name) ?? unsupported(`tensor ${input} has no node in the graph`);
    if (index !== 0) unsupported(`output ${index} of ${what(n)} is used`);
    return PASS_THROUGH.has(n.op) && n.inputs.length > 0 ? source(n.inputs[0]) : n;
  };
  const isConst = (input: string): boolean => source(input).op === 'Const';
  const constant = (input: string): tf.Tensor => {
    const n = source(input);
    if (n.op !== 'Const') unsupported(`${what(n)} is used where the plan needs a constant`);
    return weights[n.name]?.[0] ?? unsupported(`constant ${n.name} has no value`);
  };

  // The nodes the target depends on, in topological order (depth-first post-order).
  const out = source(target);
  const order: GraphNode[] = [];
  const seen = new Set<string>();
  const visit = (n: GraphNode): void => {
    if (seen.has(n.name)) return;
    seen.add(n.name);
    if (n.op !== 'Const') for (const i of n.inputs) visit(source(i));
    order.push(n);
  };
  visit(out);
  const inputs = order.filter((n) => n.op === 'Placeholder');
  if (inputs.length !== 1) unsupported(`the output depends on ${inputs.length} placeholders`);
  const declaredBatch = (inputs[0].attr.shape as { shape?: { dim?: { size?: string | number }[] } } | undefined)?.shape?.dim?.[0]?.size;
  const batch = new BatchAxis(Number(declaredBatch) === 1);
  if (out.op === 'Placeholder' || out.op === 'Const') unsupported(`the output is ${what(out)}`);
  const readers = new Map<string, GraphNode[]>();
  for (const n of order) if (n.op !== 'Const') for (const i of n.inputs) readers.set(source(i).name, [...(readers.get(source(i).name) ?? []), n]);
  /** The node that alone reads `n`'s output as its first input, if its op is one of `ops`. */
  const soleReader = (n: GraphNode, ops: string[]): GraphNode | undefined => {
    const r = readers.get(n.name) ?? [];
    return r.length === 1 && n !== out && ops.includes(r[0].op) && source(r[0].inputs[0]) === n ? r[0] : undefined;
  };

  const owned = new Owned();
  const steps: { inputs: string[]; output: string; run: Step }[] = [];
  const ops: string[] = [];
  const absorbed = new Set<GraphNode>();
  // Folding makes temporaries; the tidy frees them, and everything the plan made on failure.
  tf.tidy(() => {
    for (const n of order) {
      if (absorbed.has(n) || n.op === 'Const' || n.op === 'Placeholder') continue;
      if (CONVS.has(n.op) || n.op === 'MatMul' || n.op === '_FusedMatMul') {
        const group = CONVS.has(n.op) ? convGroup(n) : matMulGroup(n);
        steps.push({ inputs: [source(n.inputs[0]).name], output: group.output, run: group.step[0] });
        ops.push(group.step[1]);
        continue;
      }
      const simple = simpleGraphStep(n, constant, isConst, owned, batch);
      if (!simple) unsupported(`${what(n)}: op ${n.op} is not compiled`);
      steps.push({ inputs: simple.inputs.map((i) => source(i).name), output: n.name, run: simple.run });
      ops.push(`${n.op.toLowerCase()} (${n.name})`);
    }
    return owned.tensors;
  });

  /** What can join a conv or matmul: a constant bias, an inference batch norm, Relu / Relu6, a max-pool. */
  function absorbAfter(first: GraphNode, channels: number, canPool: boolean, state: Fold): { last: GraphNode; pool: PoolSpec | null } {
    let last = first;
    let pool: PoolSpec | null = null;
    const take = (r: GraphNode | undefined): r is GraphNode => {
      if (!r) return false;
      absorbed.add(r);
      last = r;
      return true;
    };
    const channelVector = (r: GraphNode | undefined): boolean => {
      const c = r && isConst(r.inputs[1]) ? constant(r.inputs[1]) : undefined;
      return c !== undefined && c.rank === 1 && c.size === channels;
    };
    const bias = soleReader(last, ['BiasAdd', 'AddV2', 'Add']);
    if (state.activation === 'linear' && channelVector(bias) && take(bias)) {
      if (bias.op === 'BiasAdd') channelsLast(bias);
      const b = constant(bias.inputs[1]);
      state.bias = state.bias ? tf.add(state.bias, b) : b;
    }
    const bn = soleReader(last, BATCH_NORMS);
    if (state.activation === 'linear' && bn && bn.inputs.slice(1).every(isConst) && take(bn)) {
      const [a, b] = batchNormOf(bn, constant);
      state.scale = a;
      state.bias = state.bias ? tf.add(tf.mul(state.bias, a), b) : b;
    }
    const act = soleReader(last, STEP_ACTIVATIONS);
    if (state.activation === 'linear' && take(act)) state.activation = activationName(act.op, act);
    // The max-pool joins only activations whose kernel output it can route dy through.
    const mp = canPool && ['linear', 'relu', 'relu6'].includes(state.activation) ? soleReader(last, ['MaxPool']) : undefined;
    if (mp && typeof convPadding(mp) === 'string' && take(mp)) pool = poolOf(mp);
    return { last, pool };
  }

  function fusedOps(n: GraphNode): Fold {
    if (!n.op.startsWith('_') && !n.op.startsWith('Fused')) return { bias: null, activation: 'linear' };
    const fused = attrStrings(n, 'fused_ops');
    if (fused.length === 0) return { bias: null, activation: 'linear' };
    if (fused[0] !== 'BiasAdd' || fused.length > 2) unsupported(`${what(n)} fuses ${fused.join(' + ')}`);
    return { bias: constant(n.inputs[2]), activation: activationName(fused[1], n) };
  }

  function convGroup(n: GraphNode): { step: [Step, string]; output: string } {
    channelsLast(n);
    if (spatial(n, 'dilations').some((d) => d !== 1)) unsupported(`${what(n)} is dilated`);
    if (isConst(n.inputs[0])) unsupported(`${what(n)} convolves a constant`);
    const depthwise = n.op.includes('Depthwise');
    const raw = constant(n.inputs[1]) as tf.Tensor4D;
    const state = fusedOps(n);
    const [, , c, m] = raw.shape;
    const { last, pool } = absorbAfter(n, depthwise ? c * m : m, true, state);
    // Output channel of a depthwise filter [kh, kw, C, M] is c·M + q.
    const filter = state.scale ? (tf.mul(raw, depthwise ? tf.reshape(state.scale, [1, 1, c, m]) : state.scale) as tf.Tensor4D) : (tf.clone(raw) as tf.Tensor4D);
    const bias = state.bias && (tf.clone(state.bias) as tf.Tensor1D);
    const spec = { depthwise, filter, bias, strides: spatial(n, 'strides'), pad: convPadding(n), activation: state.activation, name: n.name };
    return { step: convStepFromWeights(spec, pool, owned), output: last.name };
  }

  function matMulGroup(n: GraphNode): { step: [Step, string]; output: string } {
    const [a, b] = n.inputs;
    if (attrBool(n, 'transpose_a')) unsupported(`${what(n)} transposes its input`);
    if (isConst(a) || !isConst(b)) unsupported(`${what(n)} does not multiply its input by a constant matrix`);
    const k = constant(b);
    if (k.rank !== 2) unsupported(`${what(n)} multiplies by a rank-${k.rank} constant`);
    const kernel = (attrBool(n, 'transpose_b') ? tf.transpose(k) : k) as tf.Tensor2D;
    const state = fusedOps(n);
    const { last } = absorbAfter(n, kernel.shape[1], false, state);
    if (state.scale) unsupported(`${what(n)} is followed by a batch norm`);
    return { step: denseStepFromWeights(kernel, state.bias, state.activation, owned, n.name), output: last.name };
  }

  const inputName = inputs[0].name;
  return {
    ops,
    oneAtATime: batch.fixedOne ? batch.why : null,
    logits: (x) =>
      tf.tidy(() => {
        const values = new Map<string, tf.Tensor>([[inputName, x]]);
        for (const s of steps) values.set(s.output, s.run(s.inputs.map((i) => values.get(i)!)));
        return values.get(out.name)!;
      }),
    dispose: () => tf.dispose(owned.tensors),
  };
}

/** The plan unless turned off (PRINTSHOT_LAYER_PLAN=off) or unsupported; then why not, in one line. */
export function tryCompileGraphPlan(model: tfconv.GraphModel, modelJSON: tf.io.ModelJSON, target: string): GraphPlan | string {
  const env = envVar('PRINTSHOT_LAYER_PLAN');
  if (env === 'off' || env === '0') return 'PRINTSHOT_LAYER_PLAN=off';
  try {
    return compileGraphPlan(model, modelJSON, target);
  } catch (e) {
    if (e instanceof PlanUnsupported) return e.message;
    throw e;
  }
}
