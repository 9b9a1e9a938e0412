/**
 * A memory budget for building a layers model. tfjs-layers builds every layer from the topology,
 * allocating (and initialising) its weights, before it compares them with the manifest: a
 * model.json with one Dense layer of a billion units costs gigabytes before failing. Two checks
 * keep that from happening:
 *
 * 1. checkTopology, before loadLayersModel: each layer config that declares its own size
 *    (Dense units, conv filters and kernel, Embedding input/output dims) must match its weights
 *    in the manifest, and the parameters those configs imply (e.g. Dense units × input dims)
 *    must fit the manifest and the budget.
 * 2. withWeightBudget, around loadLayersModel: every weight tfjs-layers is about to create is
 *    counted from its shape before the initialiser allocates it. With strict loading, a model
 *    cannot use more weight elements than the manifest holds, so the first weight past that
 *    total (a size only shape inference reveals, e.g. a Flatten of a huge input) is refused
 *    unallocated.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PrintshotError } from '../shared';

/** The largest model Printshot loads: 512 M parameters (2 GiB of float32). */
export const MAX_MODEL_PARAMS = 512 * 1024 * 1024;

interface LayerConfig {
  class_name?: unknown;
  config?: Record<string, unknown> & { name?: unknown; layers?: unknown };
}

const product = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);

/** Manifest weight elements in all. */
export function manifestElements(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, w) => sum + product(w.shape), 0);
}

/** Every layer config, nested models (Sequential inside Functional, …) included. */
function layerConfigs(topology: unknown, out: LayerConfig[] = [], depth = 0): LayerConfig[] {
  if (depth > 32 || !topology || typeof topology !== 'object') return out;
  const t = topology as LayerConfig & { model_config?: unknown };
  if (t.model_config) return layerConfigs(t.model_config, out, depth + 1);
  const layers = Array.isArray(t.config) ? t.config : t.config?.layers;
  if (!Array.isArray(layers)) return out;
  for (const l of layers as LayerConfig[]) {
    out.push(l);
    layerConfigs(l, out, depth + 1);
  }
  return out;
}

const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
const dims = (v: unknown): number[] | undefined => {
  const a = typeof v === 'number' ? [v] : v;
  return Array.isArray(a) && a.every((d) => positiveInt(d) !== undefined) ? (a as number[]) : undefined;
};

/**
 * What a layer's config says about its main weight (`kernel` or `embeddings`): the dims the
 * config fixes, with null where the input decides (Dense input dims, conv input channels).
 */
function declaredKernel(l: LayerConfig): { weight: string; dims: (number | null)[] } | undefined {
  const c = l.config ?? {};
  switch (l.class_name) {
    case 'Dense': {
      const units = positiveInt(c.units);
      return units === undefined ? undefined : { weight: 'kernel', dims: [null, units] };
    }
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D': {
      const filters = positiveInt(c.filters);
      // A scalar kernel_size means the same size in every spatial dim (Conv2D's 3 is 3×3).
      const rank = Number(String(l.class_name).charAt(4));
      const k = dims(c.kernel_size);
      const kernel = k?.length === 1 && rank > 1 ? Array.from({ length: rank }, () => k[0]) : k;
      return filters === undefined || !kernel ? undefined : { weight: 'kernel', dims: [...kernel, null, filters] };
    }
    case 'Embedding': {
      const input = positiveInt(c.input_dim);
      const output = positiveInt(c.output_dim);
      return input === undefined || output === undefined ? undefined : { weight: 'embeddings', dims: [input, output] };
    }
    default:
      return undefined;
  }
}

/** Refuses a topology whose layer configs disagree with the manifest or exceed the budget, before any layer exists. */
export function checkTopology(topology: unknown, specs: readonly tf.io.WeightsManifestEntry[], label: string, maxParams = MAX_MODEL_PARAMS): void {
  const total = manifestElements(specs);
  if (total > maxParams) throw new PrintshotError('bad-model', `${label}: ${total} weights, over the ${maxParams}-parameter budget`);
  const byName = new Map(specs.map((w) => [w.name, w]));
  let implied = 0;
  for (const l of layerConfigs(topology)) {
    const declared = declaredKernel(l);
    const name = typeof l.config?.name === 'string' ? l.config.name : undefined;
    if (!declared || !name) continue;
    const spec = byName.get(`${name}/${declared.weight}`) ?? specs.find((w) => w.name.endsWith(`/${name}/${declared.weight}`));
    const want = declared.dims.map((d) => (d === null ? '?' : d)).join('×');
    if (!spec) {
      // Without its weight, a fixed-size layer would be built (allocated) and then fail strict loading.
      if (declared.dims.every((d) => d !== null)) throw new PrintshotError('bad-model', `${label}: layer ${name} (${String(l.class_name)}, ${want}) has no ${declared.weight} in the weights manifest`);
      continue;
    }
    const ok = spec.shape.length === declared.dims.length && declared.dims.every((d, i) => d === null || d === spec.shape[i]);
    if (!ok) {
      throw new PrintshotError('bad-model', `${label}: layer ${name} (${String(l.class_name)}) declares a ${want} ${declared.weight} but the manifest has ${JSON.stringify(spec.shape)}`);
    }
    implied += product(spec.shape);
  }
  if (implied > total) throw new PrintshotError('bad-model', `${label}: the topology implies ${implied} weights but the manifest holds ${total}`);
}

type AddWeight = (this: tfl.layers.Layer, name: string, shape: number[], ...rest: unknown[]) => unknown;
const layerProto = tfl.layers.Layer.prototype as unknown as { addWeight: AddWeight };
const originalAddWeight = layerProto.addWeight;
let active: { left: number; label: string } | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `build` (a loadLayersModel call) with a weight budget of `maxElements`: a weight that
 * would take the total past it is refused before its initialiser allocates anything. Builds
 * take turns (the budget is per load), which costs nothing: tfjs builds synchronously anyway.
 */
export function withWeightBudget<T>(maxElements: number, label: string, build: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    active = { left: maxElements, label };
    layerProto.addWeight = budgetedAddWeight;
    try {
      return await build();
    } finally {
      layerProto.addWeight = originalAddWeight;
      active = undefined;
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

function budgetedAddWeight(this: tfl.layers.Layer, name: string, shape: number[], ...rest: unknown[]): unknown {
  const budget = active;
  if (budget) {
    const n = Array.isArray(shape) ? product(shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1))) : 0;
    if (n > budget.left) {
      throw new PrintshotError('bad-model', `${budget.label}: layer ${this.name} would create a ${JSON.stringify(shape)} ${name}, more weights than the manifest holds`);
    }
    budget.left -= n;
  }
  return originalAddWeight.call(this, name, shape, ...rest);
}
