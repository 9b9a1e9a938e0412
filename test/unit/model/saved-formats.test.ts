/**
 * The same small InceptionV3 and MobileNetV3Small, saved in each JSON shape real TF.js Layers files
 * have (test/fixtures/architectures/save.ts: tfjs-layers' own save, the converter's Keras 2.2.4 and
 * Keras 2.15 output, quantized uint8 / uint16 / float16 shards), load through loadClassifier and
 * give the in-memory model's log-probabilities.
 *
 * Unquantized files must match to float32 rounding: 1e-4 × (1 + max |log p|), since the loader may
 * run a compiled plan whose folded batch norms round differently from tfjs-layers.
 *
 * Quantized files are checked twice. Exactly: against the in-memory model given the dequantized
 * weights (q·scale + min, or the float16 value), to float32 rounding. And against the float32
 * model, within what the quantization step allows: each weight moves by at most half a step
 * (uint8/uint16: scale/2 = range/510 or range/131070 of its tensor; float16: 2⁻¹¹ of its value).
 * How far that moves the log-probabilities depends on the network's own sensitivity, so the bound
 * is measured: the same model with every weight given uniform noise of ±half a step must move
 * comparably; the quantized file may move at most 4× as far (rounding error is no worse than
 * uniform noise of the same width, and 4× absorbs the noise draw).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier } from '../../../src/model/node';
import { createRng } from '../../../src/shared';
import { architecture, imageLike, modelInputRange, type ArchitectureId } from '../../fixtures/architectures';
import { saveArchitecture, type Quantization, type SavedFormat } from '../../fixtures/architectures/save';
import { removeTempDirs, tempDir } from './model-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

const CLASSES = 5;
const MODELS: ReadonlyArray<{ id: ArchitectureId; size: number; width: number }> = [
  { id: 'inception-v3', size: 75, width: 0.125 },
  { id: 'mobilenet-v3-small', size: 48, width: 0.5 },
];

interface Variant {
  format: SavedFormat;
  quantization?: Quantization;
}
const VARIANTS: Variant[] = [
  { format: 'tfjs' },
  { format: 'keras-2.2' },
  { format: 'keras-2.15' },
  { format: 'keras-2.15', quantization: 'uint8' },
  { format: 'keras-2.15', quantization: 'uint16' },
  { format: 'keras-2.15', quantization: 'float16' },
];

const build = (id: ArchitectureId, size: number, width: number) => architecture(id).build({ size, width, classes: CLASSES, seed: 3 });

/** log p of the in-memory model on [0,1] pixels, after the card's preprocessing. */
function logProbs(model: tfl.LayersModel, x: tf.Tensor4D, id: ArchitectureId): Float32Array {
  return tf.tidy(() => {
    const [lo, hi] = modelInputRange(architecture(id).card);
    return tf.log(model.predict(tf.add(tf.mul(x, hi - lo), lo)) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** The in-memory model with the weights the loader will decode from `dir`'s shards. */
function withSavedWeights(model: tfl.LayersModel, dir: string): tfl.LayersModel {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const group = json.weightsManifest[0];
  const bytes = Buffer.concat(group.paths.map((p: string) => readFileSync(join(dir, p))));
  const decoded = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), group.weights);
  for (const layer of model.layers) for (const v of layer.weights) v.write(decoded[v.originalName]);
  tf.dispose(Object.values(decoded));
  return model;
}

/** The in-memory model with every quantized weight moved by uniform noise of ±half its quantization step. */
function withStepNoise(model: tfl.LayersModel, dir: string, seed: number): tfl.LayersModel {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs = new Map<string, { quantization?: { dtype: string; scale?: number } }>(json.weightsManifest[0].weights.map((w: { name: string }) => [w.name, w]));
  for (const layer of model.layers) {
    for (const v of layer.weights) {
      const q = specs.get(v.originalName)?.quantization;
      if (!q) continue;
      const noisy = tf.tidy(() => {
        const w = v.read();
        const u = tf.randomUniform(w.shape, -0.5, 0.5, 'float32', seed++);
        return tf.add(w, q.dtype === 'float16' ? tf.mul(u, tf.mul(tf.abs(w), 2 ** -10)) : tf.mul(u, q.scale!));
      });
      v.write(noisy);
      noisy.dispose();
    }
  }
  return model;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.each(MODELS.map((m) => [m.id, m] as const))('%s saved as', (id, { size, width }) => {
  let reference: tfl.LayersModel;
  let x: tf.Tensor4D;
  beforeAll(() => {
    reference = build(id, size, width);
    x = tf.tensor4d(imageLike(createRng('saved-formats'), 3, size, size, 3, [0, 1], false), [3, size, size, 3]);
  });
  afterAll(() => {
    reference.dispose();
    x.dispose();
  });

  const variants = VARIANTS.filter((v) => !(id === 'mobilenet-v3-small' && v.format === 'keras-2.2')); // TFOpLambda is TF ≥ 2.4
  it.each(variants.map((v) => [`${v.format}${v.quantization ? ` ${v.quantization}` : ''}`, v] as const))('%s loads with the in-memory log-probabilities', async (_name, v) => {
    const dir = await tempDir();
    const labels = Array.from({ length: CLASSES }, (_, i) => `class ${i}`);
    const { card } = architecture(id);
    await saveArchitecture(reference, dir, {
      format: v.format,
      quantization: v.quantization,
      shardBytes: 64 * 1024,
      card: { name: `${id}-${v.format}`, labels, input: { height: size, width: size, channels: 3 }, ...card },
    });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    if (v.format === 'keras-2.15') {
      expect(json.modelTopology.model_config.class_name).toBe('Functional');
      expect(json.weightsManifest[0].paths.length).toBeGreaterThan(1);
    }
    const clf = await loadClassifier(dir);
    try {
      expect(clf.format).toBe('layers');
      expect(clf.card.outputs).toBe('probabilities');
      const ours = tf.tidy(() => tf.logSoftmax(clf.logits(x)).dataSync() as Float32Array);
      const float = logProbs(reference, x, id);
      const rounding = 1e-4 * (1 + Math.max(...Array.from(float, Math.abs)));
      if (!v.quantization) {
        expect(maxDiff(ours, float)).toBeLessThanOrEqual(rounding);
        return;
      }
      const dequantized = withSavedWeights(build(id, size, width), dir);
      const noisy = withStepNoise(build(id, size, width), dir, 100);
      try {
        expect(maxDiff(ours, logProbs(dequantized, x, id))).toBeLessThanOrEqual(rounding);
        const noise = maxDiff(logProbs(noisy, x, id), float);
        const moved = maxDiff(ours, float);
        expect(moved).toBeGreaterThan(rounding); // the weights really were quantized
        expect(moved).toBeLessThanOrEqual(4 * noise);
      } finally {
        dequantized.dispose();
        noisy.dispose();
      }
    } finally {
      clf.dispose();
    }
  });
});
