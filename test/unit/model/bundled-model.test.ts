/**
 * The bundled default model (assets/models/fashion-cnn) and samples (assets/samples), as
 * produced by scripts/train_default_model.py: the TF.js Layers export must reproduce the PyTorch
 * reference logits on every sample PNG, on the cpu and wasm backends.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  loadLayersModel,
  model as functionalModel,
  type LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCardSchema } from '../../../src/model/card';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MODEL_DIR = join(ROOT, 'assets/models/fashion-cnn');
const SAMPLES_DIR = join(ROOT, 'assets/samples');

const EXPECTED_LABELS = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
const PROB_TOLERANCE = 1e-4;
const LOGIT_TOLERANCE = 1e-3;

/** The samples' folder naming rule: '/', '\' and ':' become '-'. */
function labelToFolder(label: string): string {
  return label.replace(/[/\\:]/g, '-');
}

interface ReferenceSample {
  testIndex: number;
  label: number;
  logits: number[];
}
interface ReferenceFile {
  schemaVersion: number;
  model: string;
  samples: Record<string, ReferenceSample>;
}

interface Sample {
  rel: string;
  label: number;
  pixels: Float32Array; // 28*28, in [0,1]
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function loadArtifacts(): tf.io.ModelArtifacts {
  const modelJson = readJson<{ modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig }>(
    join(MODEL_DIR, 'model.json'),
  );
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
  const buffers = paths.map((p) => readFileSync(join(MODEL_DIR, p)));
  const total = Buffer.concat(buffers);
  const weightData = total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength);
  return { modelTopology: modelJson.modelTopology, weightSpecs, weightData };
}

async function loadBundledModel(): Promise<LayersModel> {
  return loadLayersModel(tf.io.fromMemory(loadArtifacts()));
}

async function loadSamples(labels: readonly string[]): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const [label, name] of labels.entries()) {
    const folder = join(SAMPLES_DIR, labelToFolder(name));
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.png')).sort()) {
      const path = join(folder, file);
      // The file itself must be lossless 8-bit grayscale...
      const meta = await sharp(path).metadata();
      expect([meta.format, meta.channels, meta.bitsPerSample, meta.space]).toEqual(['png', 1, 8, 'b-w']);
      // ...but sharp's raw output expands grayscale to RGB (3 equal channels), so read channel 0.
      const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.size]).toEqual([28, 28, 28 * 28 * info.channels]);
      const c = info.channels;
      expect([1, 3]).toContain(c);
      const pixels = new Float32Array(28 * 28);
      for (let i = 0; i < pixels.length; i++) {
        if (c === 3 && (data[3 * i] !== data[3 * i + 1] || data[3 * i] !== data[3 * i + 2])) {
          throw new Error(`${path}: pixel ${i} is not gray`);
        }
        pixels[i] = data[c * i] / 255;
      }
      samples.push({ rel: `${labelToFolder(name)}/${file}`, label, pixels });
    }
  }
  return samples;
}

function batchOf(samples: readonly Sample[]): tf.Tensor4D {
  const flat = new Float32Array(samples.length * 28 * 28);
  samples.forEach((s, i) => flat.set(s.pixels, i * 28 * 28));
  return tf.tensor4d(flat, [samples.length, 28, 28, 1]);
}

const card = ModelCardSchema.parse(readJson<unknown>(join(MODEL_DIR, 'model-card.json')));
const reference = readJson<ReferenceFile>(join(MODEL_DIR, 'reference-logits.json'));

describe('bundled model files', () => {
  it('has a valid model card with the Fashion-MNIST labels', () => {
    expect(card.name).toBe('fashion-cnn');
    expect(card.labels).toEqual(EXPECTED_LABELS);
    expect(card.input).toEqual({ height: 28, width: 28, channels: 1 });
    expect(card.range).toBe('0-1');
    expect(card.outputs).toBe('probabilities');
    expect(card.provenance?.testAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('names sample folders by label with / \\ : replaced by -', () => {
    expect(labelToFolder('T-shirt/top')).toBe('T-shirt-top');
    expect(labelToFolder('Ankle boot')).toBe('Ankle boot');
    expect(labelToFolder('a\\b:c')).toBe('a-b-c');
    const folders = readdirSync(SAMPLES_DIR)
      .filter((f) => statSync(join(SAMPLES_DIR, f)).isDirectory())
      .sort();
    expect(folders).toEqual(card.labels.map(labelToFolder).sort());
  });

  it('has 20 samples per class and reference logits for exactly those files', () => {
    const files: string[] = [];
    for (const name of card.labels) {
      const folder = labelToFolder(name);
      const pngs = readdirSync(join(SAMPLES_DIR, folder)).filter((f) => f.endsWith('.png'));
      expect(pngs).toHaveLength(20);
      files.push(...pngs.map((f) => `${folder}/${f}`));
    }
    expect(Object.keys(reference.samples).sort()).toEqual(files.sort());
    for (const [rel, ref] of Object.entries(reference.samples)) {
      expect(rel.split('/')[0]).toBe(labelToFolder(card.labels[ref.label]));
      expect(rel.split('/')[1]).toBe(`${String(ref.testIndex).padStart(5, '0')}.png`);
      expect(ref.logits).toHaveLength(card.labels.length);
    }
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`bundled model on the ${backend} backend`, () => {
    let model: LayersModel;
    let samples: Sample[];
    let probs: number[][];

    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      await tf.ready();
      expect(tf.getBackend()).toBe(backend);
      model = await loadBundledModel();
      samples = await loadSamples(card.labels);
      const x = batchOf(samples);
      const y = model.predict(x) as tf.Tensor2D;
      probs = (await y.array()) as number[][];
      tf.dispose([x, y]);
    });

    afterAll(() => {
      model?.dispose();
    });

    it('has an output width equal to the number of card labels', () => {
      expect(card.labels).toHaveLength(10);
      expect(model.outputs[0].shape).toEqual([null, card.labels.length]);
      expect(model.inputs[0].shape).toEqual([null, 28, 28, 1]);
      expect(probs[0]).toHaveLength(card.labels.length);
    });

    it('outputs probabilities equal to softmax(reference logits) within 1e-4 on all 200 samples', () => {
      expect(samples).toHaveLength(200);
      let worst = 0;
      samples.forEach((s, i) => {
        const expected = softmax(reference.samples[s.rel].logits);
        const sum = probs[i].reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-4);
        for (let k = 0; k < expected.length; k++) {
          worst = Math.max(worst, Math.abs(probs[i][k] - expected[k]));
        }
      });
      expect(worst).toBeLessThanOrEqual(PROB_TOLERANCE);
    });

    it('reproduces the pre-softmax logits (penultimate activations x final Dense weights)', async () => {
      const last = model.layers[model.layers.length - 1];
      const [kernel, bias] = last.getWeights();
      const trunk = functionalModel({
        inputs: model.inputs,
        outputs: model.layers[model.layers.length - 2].output as SymbolicTensor,
      });
      const x = batchOf(samples);
      const logitsT = tf.tidy(() => tf.add(tf.matMul(trunk.predict(x) as tf.Tensor2D, kernel), bias));
      const logits = (await logitsT.array()) as number[][];
      tf.dispose([x, logitsT]);
      let worst = 0;
      samples.forEach((s, i) => {
        const ref = reference.samples[s.rel].logits;
        for (let k = 0; k < ref.length; k++) worst = Math.max(worst, Math.abs(logits[i][k] - ref[k]));
      });
      expect(worst).toBeLessThanOrEqual(LOGIT_TOLERANCE);
    });

    it('makes the same argmax predictions as PyTorch', () => {
      const mismatches = samples.filter((s, i) => argmax(probs[i]) !== argmax(reference.samples[s.rel].logits));
      expect(mismatches.map((s) => s.rel)).toEqual([]);
    });

    it('is at least 85% accurate on the 200 samples', () => {
      const correct = samples.filter((s, i) => argmax(probs[i]) === s.label).length;
      expect(correct / samples.length).toBeGreaterThanOrEqual(0.85);
    });
  });
}
