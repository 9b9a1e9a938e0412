/**
 * Architecture summary of a loaded classifier, for `printshot models info DIR`, `doctor --model`
 * and the workbench: layers, parameters, FLOPs per image, how it runs (compiled layer plan or
 * not, and why), input size, preprocessing and output.
 *
 * FLOPs convention: 2 × multiply-accumulates of the convolution (Conv1D/2D/3D, depthwise,
 * separable, transposed) and Dense layers, per image. Bias adds, activations, pooling, batch
 * norm and element-wise ops are not counted (they are a few percent of a CNN's work). A layer's
 * multiply-accumulates are (output positions) × (kernel elements): every output position of a
 * convolution multiplies the whole kernel slice it sees, and a Dense layer is a 1×1 convolution
 * over its input's leading positions. Transposed convolutions count input positions instead.
 * Graph models carry no layer list, so their count comes from the kernels one forward pass of one
 * image runs (tf.profile): convolution and matmul kernels, by the same convention.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfconv from '@tensorflow/tfjs-converter';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelCard } from './card';
import type { InputSpec } from './classifier';
import type { ModelHead } from './head';
import type { ModelFormat } from './io-handler';

/** How the attacks ran the model: the compiled plan's fused ops, or the stock tfjs-layers / tfjs-converter path and why. */
export type ExecutionPath = { backend: string; compiled: true; ops: number } | { backend: string; compiled: false; reason: string };

export const FLOPS_CONVENTION = '2 × multiply-accumulates of conv, depthwise, separable and dense layers; bias, activations, pooling and batch norm not counted';

export interface LayerSummary {
  name: string;
  className: string;
  /** Output shape without the batch dimension (several for multi-output layers). */
  outputShape: (number | null)[] | (number | null)[][];
  params: number;
  /** Per image, by FLOPS_CONVENTION; 0 for uncounted layers. */
  flops: number;
}

export interface OpSummary {
  op: string;
  /** Output shape without the batch dimension. */
  outputShape: number[];
  flops: number;
}

export interface ModelSummary {
  name: string;
  format: ModelFormat;
  fingerprint: string;
  input: InputSpec;
  preprocessing: { range: string; mean: number[] | null; std: number[] | null };
  output: { kind: 'logits' | 'probabilities'; why: string; classes: number };
  /** Layers (Layers models) or graph ops (Graph models), by class, in first-seen order. */
  layerCounts: Record<string, number>;
  /** Leaf layers in order; empty for Graph models (their nodes carry no output shapes). */
  layers: LayerSummary[];
  /** Graph models: the kernels one image ran, in order, with output shapes and FLOPs; empty for Layers models or when unknown. */
  ops: OpSummary[];
  params: { total: number; trainable: number };
  /** Null when it cannot be computed (a graph that needs executeAsync). */
  flopsPerImage: number | null;
  flopsConvention: string;
  execution: ExecutionPath;
  /** The compiled plan's ops, when compiled. */
  compiledOps: string[];
}

export interface SummaryInput {
  name: string;
  format: ModelFormat;
  fingerprint: string;
  input: InputSpec;
  card: ModelCard;
  outputsWhy: string;
  classes: number;
  execution: ExecutionPath;
  compiledOps: readonly string[];
  layersModel?: tfl.LayersModel;
  graph?: { nodes: readonly { op: string }[]; weightSpecs: readonly tf.io.WeightsManifestEntry[]; kernels?: readonly KernelRecord[] };
}

/** What tf.profile records per kernel (the fields used here). */
export interface KernelRecord {
  name: string;
  inputShapes: (number[] | null)[];
  outputShapes: number[][];
}

type AnyLayer = tfl.LayersModel['layers'][number];

export function summarizeModel(s: SummaryInput): ModelSummary {
  const base = {
    name: s.name,
    format: s.format,
    fingerprint: s.fingerprint,
    input: s.input,
    preprocessing: { range: s.card.range, mean: s.card.mean ?? null, std: s.card.std ?? null },
    output: { kind: s.card.outputs ?? 'logits', why: s.outputsWhy, classes: s.classes },
    flopsConvention: FLOPS_CONVENTION,
    execution: s.execution,
    compiledOps: [...s.compiledOps],
  };
  if (s.layersModel) {
    const layers = leafLayers(s.layersModel).map(layerSummary);
    return {
      ...base,
      layerCounts: countBy(layers.map((l) => l.className)),
      layers,
      ops: [],
      params: { total: s.layersModel.countParams(), trainable: s.layersModel.trainableWeights.reduce((n, w) => n + size(w.shape.map((d) => d ?? 0)), 0) },
      flopsPerImage: layers.reduce((n, l) => n + l.flops, 0),
    };
  }
  // Int32 constants (reshape targets, axes) are not parameters; quantized weights are float32 specs.
  const specs = (s.graph?.weightSpecs ?? []).filter((w) => w.dtype === 'float32');
  const total = specs.reduce((n, w) => n + size(w.shape), 0);
  return {
    ...base,
    layerCounts: countBy((s.graph?.nodes ?? []).map((n) => n.op).filter((op) => op !== 'Const' && op !== 'Placeholder')),
    layers: [],
    ops: (s.graph?.kernels ?? []).map((k) => ({ op: k.name, outputShape: (k.outputShapes[0] ?? []).slice(1), flops: kernelFlops(k) })),
    // A graph model's weights are constants: all of them count, none is trainable.
    params: { total, trainable: 0 },
    flopsPerImage: s.graph?.kernels ? flopsFromKernels(s.graph.kernels) : null,
  };
}

/** What the run records say about how the model ran (see LoadedClassifier.execution). */
export function executionPath(head: ModelHead, format: ModelFormat): ExecutionPath {
  const backend = tf.getBackend();
  const e = head.execution;
  if (e && 'compiled' in e) return { backend, compiled: true, ops: e.compiled.length };
  if (e) return { backend, compiled: false, reason: e.notCompiled };
  return { backend, compiled: false, reason: format === 'graph' ? 'graph models run through tfjs-converter' : 'no layer plan was tried' };
}

/** The kernels one pass of one image runs through the graph (for its FLOP count); undefined if it cannot run synchronously. */
export async function graphKernels(model: tfconv.GraphModel, prep: (x: tf.Tensor) => tf.Tensor, input: InputSpec): Promise<KernelRecord[] | undefined> {
  const x = tf.zeros([1, input.height, input.width, input.channels]);
  try {
    const info = await tf.profile(() => tf.tidy(() => model.execute(prep(x)) as tf.Tensor));
    tf.dispose(info.result as tf.Tensor);
    return info.kernels.map((k) => ({ name: k.name, inputShapes: k.inputShapes, outputShapes: k.outputShapes }));
  } catch {
    return undefined; // control flow needs executeAsync: the summary then has no FLOP count
  } finally {
    x.dispose();
  }
}

export function graphNodes(modelJSON: tf.io.ModelJSON): { name: string; op: string }[] {
  return (modelJSON.modelTopology as { node?: { name: string; op: string }[] } | undefined)?.node ?? [];
}

/** FLOPs (2 × MACs) of the convolution and matmul kernels one pass ran; batch 1 gives per image. */
export function flopsFromKernels(kernels: readonly KernelRecord[]): number {
  return kernels.reduce((n, k) => n + kernelFlops(k), 0);
}

/** One kernel's FLOPs by FLOPS_CONVENTION (0 for kernels it does not count). */
export function kernelFlops(k: KernelRecord): number {
  const out = k.outputShapes[0];
  const [a, b] = k.inputShapes;
  if (!out || !a || !b) return 0;
  switch (k.name) {
    case 'Conv2D':
    case 'FusedConv2D':
    case 'Conv3D': // out × (kernel window × in-channels): filter [...k, cin, cout]
      return 2 * size(out) * (size(b) / b[b.length - 1]);
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': // out channels = cin × multiplier; each sees one kernel window
      return 2 * size(out) * (size(b) / (b[b.length - 2] * b[b.length - 1]));
    case 'Conv2DBackpropInput': // a transposed conv's forward: inputs (dy, filter [kh, kw, outC, dyC]); dy positions × window × outC
      return 2 * size(a) * (size(b) / b[b.length - 1]);
    case 'BatchMatMul':
    case '_FusedMatMul': // a·b: every element of a meets every output column (transposes do not change the count)
      return 2 * size(a) * out[out.length - 1];
    default:
      return 0;
  }
}

function leafLayers(model: { layers: AnyLayer[] }): AnyLayer[] {
  const out: AnyLayer[] = [];
  for (const l of model.layers) {
    const inner = (l as unknown as { layers?: AnyLayer[] }).layers;
    if (Array.isArray(inner)) out.push(...leafLayers({ layers: inner }));
    else if (l.getClassName() !== 'InputLayer') out.push(l);
  }
  return out;
}

function layerSummary(layer: AnyLayer): LayerSummary {
  const outShape = layer.outputShape as (number | null)[] | (number | null)[][];
  const dropBatch = (sh: (number | null)[]) => sh.slice(1);
  const multi = Array.isArray(outShape[0]);
  return {
    name: layer.name,
    className: layer.getClassName(),
    outputShape: multi ? (outShape as (number | null)[][]).map(dropBatch) : dropBatch(outShape as (number | null)[]),
    params: layer.countParams(),
    flops: multi ? 0 : 2 * macs(layer, dropBatch(outShape as (number | null)[])),
  };
}

/** Multiply-accumulates per image of one layer (0 for layers not counted by the convention). */
export function macs(layer: AnyLayer, outShape: (number | null)[]): number {
  const cls = layer.getClassName();
  const weightShape = (i: number): number[] | undefined => layer.weights[i]?.shape as number[] | undefined;
  const positions = (shape: (number | null)[]) => size(shape.slice(0, -1).map((d) => d ?? 0));
  const kernelNamed = (needle: string) => layer.weights.find((w) => w.originalName.includes(needle))?.shape as number[] | undefined;
  switch (cls) {
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'DepthwiseConv2D':
    case 'Dense': {
      const kernel = cls === 'DepthwiseConv2D' ? kernelNamed('depthwise_kernel') : kernelNamed('kernel');
      return kernel ? positions(outShape) * size(kernel) : 0;
    }
    case 'SeparableConv2D':
    case 'SeparableConv1D': {
      const dw = kernelNamed('depthwise_kernel');
      const pw = kernelNamed('pointwise_kernel');
      return dw && pw ? positions(outShape) * (size(dw) + size(pw)) : 0;
    }
    case 'Conv2DTranspose':
    case 'Conv3DTranspose': {
      const inShape = inputShapeOf(layer);
      const kernel = weightShape(0);
      return kernel && inShape ? positions(inShape) * size(kernel) : 0;
    }
    default:
      return 0;
  }
}

function inputShapeOf(layer: AnyLayer): (number | null)[] | undefined {
  try {
    return (layer.input as tfl.SymbolicTensor).shape.slice(1);
  } catch {
    return undefined; // shared layer: several inbound nodes
  }
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** "ran as 5 fused ops on wasm" / "ran uncompiled on wasm (PRINTSHOT_LAYER_PLAN=off)". */
export function describeExecution(e: ExecutionPath): string {
  return e.compiled ? `ran as ${e.ops} fused op${e.ops === 1 ? '' : 's'} on ${e.backend}` : `ran uncompiled on ${e.backend} (${e.reason})`;
}

const fmtShape = (sh: (number | null)[] | (number | null)[][]): string =>
  Array.isArray(sh[0]) ? (sh as (number | null)[][]).map(fmtShape).join(' + ') : `[${(sh as (number | null)[]).map((d) => d ?? '?').join(', ')}]`;

/** Human-readable lines; `full` adds the per-layer table. */
export function formatSummary(s: ModelSummary, full = true): string[] {
  const p = s.preprocessing;
  const lines = [
    `model       ${s.name} (${s.format} model, ${s.fingerprint.slice(0, 12)})`,
    `input       ${s.input.height}×${s.input.width}×${s.input.channels}, pixels scaled to ${p.range}${p.mean ? `, mean ${JSON.stringify(p.mean)}` : ''}${p.std ? `, std ${JSON.stringify(p.std)}` : ''}`,
    `output      ${s.output.classes} ${s.output.kind} (${s.output.why})${s.output.kind === 'probabilities' ? '; attacks use the logits before the softmax' : ''}`,
    `layers      ${Object.values(s.layerCounts).reduce((a, b) => a + b, 0)}: ${Object.entries(s.layerCounts).map(([k, n]) => `${n} ${k}`).join(', ')}`,
    `parameters  ${s.params.total.toLocaleString('en-US')} (${s.params.trainable.toLocaleString('en-US')} trainable)`,
    `FLOPs       ${s.flopsPerImage === null ? 'unknown (the graph needs asynchronous execution)' : `${s.flopsPerImage.toLocaleString('en-US')} per image (${s.flopsConvention})`}`,
    s.execution.compiled ? `compiled: ${s.execution.ops} fused ops on ${s.execution.backend}` : `not compiled: ${s.execution.reason} (backend ${s.execution.backend})`,
  ];
  if (full && s.execution.compiled) lines.push(...s.compiledOps.map((op) => `  ${op}`));
  if (full && s.layers.length > 0) {
    const w = Math.max(...s.layers.map((l) => `${l.name} (${l.className})`.length));
    lines.push('layer'.padEnd(w + 2) + 'output'.padEnd(18) + 'params'.padStart(12) + 'FLOPs'.padStart(16));
    for (const l of s.layers) {
      lines.push(`${`${l.name} (${l.className})`.padEnd(w + 2)}${fmtShape(l.outputShape).padEnd(18)}${l.params.toLocaleString('en-US').padStart(12)}${l.flops.toLocaleString('en-US').padStart(16)}`);
    }
  }
  return lines;
}
