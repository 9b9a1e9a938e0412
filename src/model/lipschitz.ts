/**
 * Per-layer upper Lipschitz bounds (L2 operator norms) of a Keras-style model, Szegedy et al. 2013
 * §4.3 / Table 5: every layer maps ‖Δx‖ to at most bound·‖Δx‖, so for a chain the product of the
 * bounds (times the preprocessing's scale) bounds ‖∂z/∂x‖ for the [0,1] pixels. Conv, dense,
 * depthwise and average pooling are linear, and their norms are computed exactly on the layer's
 * actual input shape (./lipschitz-ops.ts); activations use their largest slope; max pooling is 1
 * when windows do not overlap (√m when each input is in at most m windows). A batch norm right
 * after a conv/dense with a linear activation is folded into its kernel (per output channel
 * γ/√(σ²+ε)); otherwise it gets its own bound max|γ/√(σ²+ε)|. Branching graphs (Add, Concatenate,
 * residual blocks) are not chains: the product of layer bounds is then not a bound (a sum's bound is
 * the sum of its branches' bounds, which this walk does not compose), so the result is marked partial.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PrintshotError } from '../shared';
import { memoryHandler, type ModelBundle } from './io-handler';
import { registerKerasCompat } from './keras-compat';
import { repairKerasTopology } from './keras-compat-topology';
import { avgPoolNorm, convNorm, denseNorm, depthwiseNorm, type NormEstimate, type PowerOptions } from './lipschitz-ops';

type Layer = tfl.LayersModel['layers'][number];

export interface LayerBound {
  name: string;
  className: string;
  /** Input → output shape without the batch dimension, e.g. "28×28×1 → 26×26×32". */
  shape: string;
  /** Null: no bound known for this layer (the product is then partial). */
  bound: number | null;
  /** How the bound was found: "power iteration (37 it.)", "activation relu", "1 (reshape)" … */
  method: string;
  iterations?: number;
  /** A batch norm folded into this layer, or why there is no bound. */
  note?: string;
}

export interface LipschitzBounds {
  layers: LayerBound[];
  /** Product of all known bounds (the preprocessing scale included). */
  product: number;
  /** True when some layer has no bound or the model is not a chain: `product` is then no bound. */
  partial: boolean;
  notes: string[];
}

/** How pixels in [0,1] reach the network (model-card range, mean, std): a per-channel affine map. */
export interface Preprocessing {
  range: string;
  std?: number[] | null;
}

/** The affine preprocessing's Lipschitz constant: its largest per-channel scale. */
export function preprocessingScale(p: Preprocessing): number {
  const r = p.range === '0-255' ? 255 : p.range === '-1-1' ? 2 : 1;
  return p.std && p.std.length ? r / Math.min(...p.std.map(Math.abs)) : r;
}

// Largest slopes: σ' ≤ 1/4, hard sigmoid 0.2, selu λα, swish ≈ 1.0998, gelu ≈ 1.1289 (rounded up).
const ACTIVATION_SLOPE: Record<string, number> = {
  linear: 1, relu: 1, relu6: 1, tanh: 1, softmax: 1, softplus: 1, softsign: 1, elu: 1,
  sigmoid: 0.25, hard_sigmoid: 0.2, hardsigmoid: 0.2, selu: 1.0507009873554805 * 1.6732632423543772, swish: 1.1, silu: 1.1, gelu: 1.13,
};
const IDENTITY_LIKE = new Set(['Flatten', 'Reshape', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Permute', 'ZeroPadding2D', 'Cropping2D', 'GlobalMaxPooling2D', 'GlobalMaxPooling1D', 'ReLU', 'Softmax']);

const dims = (s: unknown): number[] => {
  const a = (Array.isArray(s) && Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
  return a.slice(1).map((d) => d ?? 0);
};
const inputDims = (l: Layer): number[] => {
  const i = l.input as { shape: (number | null)[] } | { shape: (number | null)[] }[];
  return dims(Array.isArray(i) ? i.map((t) => t.shape) : i.shape);
};
const fmt = (s: number[]) => s.join('×');
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);
const config = (l: Layer) => l.getConfig() as Record<string, unknown>;

function activationSlope(name: unknown): number | null {
  const key = String(name ?? 'linear').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return ACTIVATION_SLOPE[key] ?? null;
}

function weight(l: Layer, suffix: string): tf.Tensor | undefined {
  const i = l.weights.findIndex((w) => w.originalName.endsWith(suffix) || w.name.endsWith(suffix));
  return i < 0 ? undefined : l.getWeights()[i];
}

/** Batch norm as a per-channel scale γ/√(σ²+ε); undefined when the layer normalizes another axis than the last. */
function batchNormScale(l: Layer): Float32Array | undefined {
  const c = config(l);
  const axis = Array.isArray(c.axis) ? c.axis : [c.axis ?? -1];
  const rank = inputDims(l).length + 1;
  if (axis.length !== 1 || ((Number(axis[0]) + rank) % rank) !== rank - 1) return undefined;
  const variance = weight(l, 'moving_variance')!.dataSync() as Float32Array;
  const gamma = c.scale === false ? undefined : (weight(l, 'gamma')?.dataSync() as Float32Array | undefined);
  const eps = Number(c.epsilon ?? 1e-3);
  return variance.map((v, i) => (gamma ? gamma[i]! : 1) / Math.sqrt(v + eps));
}

/** A chain: every layer has at most one inbound layer (Sequential, or a functional model without branches). */
function isChain(layers: Layer[]): boolean {
  return layers.every((l) => (l.inboundNodes ?? []).every((n) => n.inboundLayers.length <= 1)) && !layers.some((l) => /^(Add|Concatenate|Multiply|Average|Maximum|Minimum|Subtract|Dot)$/.test(l.getClassName()));
}

function leaves(model: { layers: Layer[] }): Layer[] {
  return model.layers.flatMap((l) => {
    const inner = (l as unknown as { layers?: Layer[] }).layers;
    return Array.isArray(inner) ? leaves({ layers: inner }) : l.getClassName() === 'InputLayer' ? [] : [l];
  });
}

const estimated = (e: NormEstimate, what: string): Pick<LayerBound, 'bound' | 'method' | 'iterations' | 'note'> => ({
  bound: e.sigma,
  method: `${what}, power iteration (${e.iterations} it.)`,
  iterations: e.iterations,
  ...(e.converged ? {} : { note: `stopped at the ${e.iterations}-step cap before converging` }),
});

/** Kernel scaled per output channel (the last axis) by a folded batch norm. */
function scaled(kernel: tf.Tensor, scale: Float32Array | undefined): tf.Tensor {
  return tf.tidy(() => (scale ? tf.mul(kernel, tf.tensor1d(scale)) : tf.clone(kernel)));
}

/** Per-layer bounds and their product. `pre` adds the preprocessing's row (pixels → network input). */
export function lipschitzBounds(model: { layers: Layer[] }, pre: Preprocessing = { range: '0-1' }, opts: PowerOptions = {}): LipschitzBounds {
  const layers = leaves(model);
  const rows: LayerBound[] = [];
  const notes: string[] = [];
  const ps = preprocessingScale(pre);
  if (ps !== 1) rows.push({ name: 'preprocessing', className: 'Preprocessing', shape: `range ${pre.range}`, bound: ps, method: 'largest per-channel scale of the card\'s range/std' });
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    const cls = l.getClassName();
    const c = config(l);
    const inShape = inputDims(l);
    const row = { name: l.name, className: cls, shape: `${fmt(inShape)} → ${fmt(dims(l.outputShape))}` };
    const next = layers[i + 1];
    const act = activationSlope(c.activation);
    // Fold a following batch norm into a linear conv/dense (only then is the folded map linear).
    const foldBn = next?.getClassName() === 'BatchNormalization' && act === 1 && String(c.activation ?? 'linear') === 'linear' ? batchNormScale(next) : undefined;
    const withAct = (b: Pick<LayerBound, 'bound' | 'method' | 'iterations' | 'note'>): LayerBound => {
      const a = 'activation' in c ? act : 1;
      const folded = foldBn ? `batch norm ${next!.name} folded in` : undefined;
      const note = [b.note, folded, a === null ? `activation ${String(c.activation)} has no known slope` : undefined].filter(Boolean).join('; ');
      return { ...row, ...b, bound: a === null || b.bound === null ? null : b.bound * a, ...(note ? { note } : {}) };
    };
    if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
      if (c.dataFormat === 'channelsFirst' || c.data_format === 'channels_first') {
        rows.push({ ...row, bound: null, method: 'none', note: 'channels-first convolutions are not supported' });
        continue;
      }
      const spec = { inputShape: inShape as [number, number, number], strides: pair(c.strides), padding: String(c.padding) as 'same' | 'valid', dilation: pair(c.dilationRate ?? 1) };
      const k = scaled(l.getWeights()[0]!, foldBn) as tf.Tensor4D;
      let e: NormEstimate;
      try {
        e = cls === 'Conv2D' ? convNorm({ ...spec, kernel: k }, opts) : depthwiseNorm({ ...spec, kernel: k }, opts);
      } finally {
        k.dispose();
      }
      rows.push(withAct(estimated(e, cls === 'Conv2D' ? 'conv' : 'depthwise conv')));
      if (foldBn) i++;
    } else if (cls === 'Dense') {
      const k = l.getWeights()[0]!;
      const w = tf.tidy(() => scaled(k, foldBn).dataSync() as Float32Array);
      const e = denseNorm(w, k.shape[0]!, k.shape[1]!, opts.seed === undefined ? {} : { seed: opts.seed });
      rows.push(withAct({ bound: e.sigma, method: `σmax(W), float64 power iteration on WᵀW (${e.iterations} it.)`, iterations: e.iterations, ...(e.converged ? {} : { note: 'stopped at the step cap' }) }));
      if (foldBn) i++;
    } else if (cls === 'BatchNormalization') {
      const s = batchNormScale(l);
      rows.push(s ? { ...row, bound: Math.max(...s.map(Math.abs)), method: 'max |γ/√(σ²+ε)| (not foldable here)' } : { ...row, bound: null, method: 'none', note: 'batch norm over a non-channel axis' });
    } else if (cls === 'Activation') {
      const a = activationSlope(c.activation);
      rows.push({ ...row, bound: a, method: `activation ${String(c.activation)}`, ...(a === null ? { note: 'no known slope' } : {}) });
    } else if (cls === 'LeakyReLU' || cls === 'ELU') {
      rows.push({ ...row, bound: Math.max(1, Math.abs(Number(c.alpha ?? 0.3))), method: `${cls}: max(1, |α|)` });
    } else if (cls === 'MaxPooling2D') {
      const [p, s] = [pair(c.poolSize ?? c.pool_size), pair(c.strides ?? c.poolSize)];
      const m = Math.ceil(p[0] / s[0]) * Math.ceil(p[1] / s[1]);
      rows.push({ ...row, bound: Math.sqrt(m), method: m === 1 ? 'max pool, windows do not overlap' : `max pool, each input in ≤ ${m} windows: √${m}` });
    } else if (cls === 'AveragePooling2D') {
      const p = pair(c.poolSize ?? c.pool_size);
      rows.push({ ...row, ...estimated(avgPoolNorm(inShape as [number, number, number], p, pair(c.strides ?? p), String(c.padding) as 'same' | 'valid', opts), 'average pool') });
    } else if (cls === 'GlobalAveragePooling2D') {
      rows.push({ ...row, bound: 1 / Math.sqrt(inShape[0]! * inShape[1]!), method: 'global average pool: 1/√(H·W)' });
    } else if (cls === 'Rescaling') {
      rows.push({ ...row, bound: Math.abs(Number(c.scale ?? 1)), method: 'rescaling: |scale|' });
    } else if (IDENTITY_LIKE.has(cls)) {
      rows.push({ ...row, bound: 1, method: cls === 'ReLU' || cls === 'Softmax' ? 'activation, slope ≤ 1' : 'reshapes, copies or drops values (inference)' });
    } else {
      rows.push({ ...row, bound: null, method: 'none', note: `no bound for ${cls} layers` });
    }
  }
  const missing = rows.filter((r) => r.bound === null);
  if (missing.length) notes.push(`no bound for ${missing.map((r) => `${r.name} (${r.className})`).join(', ')}: the product covers the other layers only`);
  const chain = isChain(layers);
  if (!chain) notes.push('the model branches (Add/Concatenate or several inputs): the product of layer bounds is not a bound for it; a sum is bounded by the sum of its branches\' bounds, which is not composed here');
  const product = rows.reduce((p, r) => p * (r.bound ?? 1), 1);
  return { layers: rows, product, partial: missing.length > 0 || !chain, notes };
}

/**
 * The Keras model of a Layers bundle, loaded as the classifier loads it (Keras compat layers,
 * repaired topology), for reading its layers and weights. Graph models have no layers to bound.
 */
export async function layersForBounds(bundle: ModelBundle, label: string): Promise<tfl.LayersModel> {
  if (bundle.format !== 'layers') {
    throw new PrintshotError('bad-model', `${label} is a graph model: Lipschitz bounds need a Keras (Layers) model's layers and weights`, 'export the model as a Keras Layers model (tensorflowjs_converter --output_format tfjs_layers_model)');
  }
  registerKerasCompat();
  return tfl.loadLayersModel(memoryHandler({ ...bundle, modelJSON: repairKerasTopology(bundle.modelJSON) }), { strict: true });
}
