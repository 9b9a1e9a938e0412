/**
 * Reads a TF.js model (model.json + weight shards) into memory and serves it to tfjs through an
 * IOHandler. tfjs-core can only read file:// URLs through tfjs-node's handler, and tfjs-node is
 * optional, so Printshot reads the bytes itself. Checking the manifest against the shard sizes here
 * turns tfjs's generic "Based on the provided shape..." failures into messages that name the file.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PrintshotError } from '../shared';

export type ModelFormat = 'layers' | 'graph';

/** A model's bytes after validation, ready for tfl.loadLayersModel / tfconv.loadGraphModel. */
export interface ModelBundle {
  format: ModelFormat;
  modelJSON: tf.io.ModelJSON;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All shards concatenated in manifest order, as tfjs expects. */
  weightData: ArrayBuffer;
  /** sha256 (hex) of the model.json bytes followed by every shard's bytes in manifest order. */
  fingerprint: string;
}

/** Returns a shard's bytes, or undefined when it does not exist. */
export type ShardReader = (relPath: string) => Promise<Uint8Array | undefined>;
/** Returns a shard's size in bytes without reading it, or undefined when it does not exist. */
export type ShardSizer = (relPath: string) => Promise<number | undefined>;

/**
 * model.json holds the topology and the manifest only (weights live in shards): the largest
 * real ones (ResNet-152, EfficientNet) are a few MB. Anything bigger is refused unread.
 */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** All weights together: what assembleModel concatenates in memory, and tfjs copies again. */
export const MAX_WEIGHT_BYTES = 2 * 1024 ** 3;

// Bytes per stored element. Quantized weights are stored in their quantization dtype.
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Validates model.json and collects its shards. `label` names model.json in messages (a path for
 * disk models). Exported for loading from memory, e.g. in tests or after a download.
 */
export async function assembleModel(jsonBytes: Uint8Array, readShard: ShardReader, label: string, sizeShard?: ShardSizer): Promise<ModelBundle> {
  const modelJSON = parseModelJSON(jsonBytes, label);
  const format = detectFormat(modelJSON, label);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of modelJSON.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new PrintshotError('bad-model', `${label}: weightsManifest entries need "paths" and "weights" arrays`);
    }
  }
  const expectedByGroup = modelJSON.weightsManifest.map((g) => g.weights.reduce((sum, w) => sum + entryBytes(w, label), 0));
  const totalExpected = expectedByGroup.reduce((a, b) => a + b, 0);
  if (totalExpected > MAX_WEIGHT_BYTES) throw new PrintshotError('bad-model', `${label}: the manifest lists ${totalExpected} bytes of weights, over the ${MAX_WEIGHT_BYTES}-byte limit`);
  for (const [g, group] of modelJSON.weightsManifest.entries()) {
    const expected = expectedByGroup[g];
    if (sizeShard) await checkShardSizes(group.paths, expected, label, sizeShard);
    const groupParts: Uint8Array[] = [];
    for (const rel of group.paths) {
      const bytes = await readShard(safeShardPath(rel, label));
      if (!bytes) throw new PrintshotError('bad-model', `missing weight shard ${rel} (listed in ${label})`);
      groupParts.push(bytes);
    }
    const found = groupParts.reduce((sum, b) => sum + b.byteLength, 0);
    if (found !== expected) {
      const names = group.paths.join(', ');
      const what = found < expected ? 'truncated weight shard' : 'oversized weight shard';
      throw new PrintshotError('bad-model', `${what} ${names}: expected ${expected} bytes from the manifest, found ${found}`);
    }
    parts.push(...groupParts);
    weightSpecs.push(...group.weights);
  }
  // WebCrypto hashes at native speed in Node and in browsers, so the pure core needs no node:crypto.
  const digest = await crypto.subtle.digest('SHA-256', concat([jsonBytes, ...parts]));
  return { format, modelJSON, weightSpecs, weightData: concat(parts), fingerprint: hex(new Uint8Array(digest)) };
}

/** The shards' sizes on disk against the manifest, before any of them is read. */
async function checkShardSizes(paths: string[], expected: number, label: string, sizeShard: ShardSizer): Promise<void> {
  let found = 0;
  for (const rel of paths) {
    const size = await sizeShard(safeShardPath(rel, label));
    if (size === undefined) throw new PrintshotError('bad-model', `missing weight shard ${rel} (listed in ${label})`);
    found += size;
  }
  if (found !== expected) {
    const what = found < expected ? 'truncated weight shard' : 'oversized weight shard';
    throw new PrintshotError('bad-model', `${what} ${paths.join(', ')}: expected ${expected} bytes from the manifest, found ${found}`);
  }
}

/** An IOHandler serving an assembled bundle from memory (the fromMemory pattern, minus its deprecation). */
export function memoryHandler(bundle: ModelBundle): tf.io.IOHandler {
  return {
    load: () => tf.io.getModelArtifactsForJSON(bundle.modelJSON, async () => [bundle.weightSpecs, bundle.weightData]),
  };
}

function parseModelJSON(bytes: Uint8Array, label: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    // V8 quotes the offending text in the message, newlines included: keep the error one line.
    throw new PrintshotError('bad-model', `${label} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const obj = json as Partial<tf.io.ModelJSON> | null;
  if (!obj || typeof obj !== 'object' || !obj.modelTopology || typeof obj.modelTopology !== 'object' || !Array.isArray(obj.weightsManifest)) {
    throw new PrintshotError(
      'bad-model',
      `${label} is not a TF.js model (needs "modelTopology" and "weightsManifest")`,
      'Keras .h5 / SavedModel files must be converted with tensorflowjs_converter first',
    );
  }
  return obj as tf.io.ModelJSON;
}

function detectFormat(json: tf.io.ModelJSON, label: string): ModelFormat {
  const topo = json.modelTopology as Record<string, unknown>;
  if (json.format === 'layers-model' || 'class_name' in topo || 'model_config' in topo) return 'layers';
  if (json.format === 'graph-model' || Array.isArray(topo.node)) return 'graph';
  throw new PrintshotError('bad-model', `${label}: unrecognised format ${JSON.stringify(json.format ?? null)} (expected layers-model or graph-model)`);
}

function entryBytes(w: tf.io.WeightsManifestEntry, label: string): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  const bytes = STORED_BYTES[dtype];
  if (bytes === undefined) {
    throw new PrintshotError('bad-model', `${label}: weight ${w.name} has unsupported dtype ${dtype} (supported: float32, int32, bool, or uint8/uint16/float16 quantized)`);
  }
  if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new PrintshotError('bad-model', `${label}: weight ${w.name} has invalid shape ${JSON.stringify(w.shape)}`);
  }
  return w.shape.reduce((a, d) => a * d, 1) * bytes;
}

/** Shard paths are relative to model.json; refuse ones that would read outside the folder. */
function safeShardPath(rel: unknown, label: string): string {
  if (typeof rel !== 'string' || rel === '' || /^([\\/]|[A-Za-z]:)/.test(rel) || rel.split(/[\\/]/).includes('..')) {
    throw new PrintshotError('bad-model', `${label}: weight shard path ${JSON.stringify(rel)} must be relative to the model folder`);
  }
  return rel;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}
