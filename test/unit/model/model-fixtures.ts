/**
 * Tiny models written to disk in the TF.js formats, for the loader tests. Built in code rather
 * than checked in so each test can corrupt its own copy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const made: string[] = [];

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'printshot-model-'));
  made.push(dir);
  return dir;
}

/** Removes every folder tempDir() made; call from afterAll. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Saves a Layers model as model.json + weights.bin (what tensorflowjs_converter writes). */
export async function saveLayers(model: tfl.LayersModel, dir: string, card?: object): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = {
        format: 'layers-model',
        generatedBy: 'printshot tests',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await writeFile(join(dir, 'weights.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (card) await writeCard(dir, card);
}

export async function writeCard(dir: string, card: object): Promise<void> {
  await writeFile(join(dir, 'model-card.json'), JSON.stringify(card));
}

export function card(labels: string[], input = { height: 4, width: 4, channels: 1 }, extra: object = {}): object {
  return { name: 'tiny', labels, input, ...extra };
}

/** 4x4x1 → flatten → Dense(3, softmax). Seeded so weights (and fingerprints) are reproducible. */
export function denseSoftmax(seed = 1): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.flatten({ inputShape: [4, 4, 1] }));
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed }), biasInitializer: 'ones' }));
  return m;
}

/** Conv → MaxPool → Flatten → Dense → Activation('softmax'), functional API. */
export function convSoftmax(): tfl.LayersModel {
  const x = tfl.input({ shape: [6, 6, 3] });
  let y = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }).apply(x) as tfl.SymbolicTensor;
  y = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.flatten().apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.activation({ activation: 'softmax' }).apply(y) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: y });
}

/** 1x1xC → flatten → Dense(C, linear, identity kernel, no bias): logits equal the preprocessed pixels. */
export function identityLogits(channels: number): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.flatten({ inputShape: [1, 1, channels] }));
  m.add(tfl.layers.dense({ units: channels, useBias: false, kernelInitializer: 'identity' }));
  return m;
}

const dims = (s: number[]) => ({ dim: s.map((n) => ({ size: String(n) })) });
const T = { T: { type: 'DT_FLOAT' } };
const konst = (name: string, dtype: string, shape: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: dims(shape) } } },
});

/**
 * A hand-written graph-model: x[batch,4,4,1] → Reshape → MatMul → BiasAdd ("logits") → Softmax →
 * Identity, the shape tensorflowjs_converter gives a Keras classifier. Returns model.json and the
 * shard; w and b are deterministic so tests can compute the expected logits.
 */
export function graphModel(batch = -1): { json: object; shard: Uint8Array; w: number[]; b: number[] } {
  const node = [
    { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([batch, 4, 4, 1]) } } },
    konst('flat_shape', 'DT_INT32', [2]),
    konst('w', 'DT_FLOAT', [16, 3]),
    konst('b', 'DT_FLOAT', [3]),
    { name: 'flat', op: 'Reshape', input: ['x', 'flat_shape'], attr: { ...T, Tshape: { type: 'DT_INT32' } } },
    { name: 'mm', op: 'MatMul', input: ['flat', 'w'], attr: { ...T, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'logits', op: 'BiasAdd', input: ['mm', 'b'], attr: { ...T, data_format: { s: btoa('NHWC') } } },
    { name: 'probs', op: 'Softmax', input: ['logits'], attr: T },
    { name: 'Identity', op: 'Identity', input: ['probs'], attr: T },
  ];
  const w = Array.from({ length: 48 }, (_, i) => Math.sin(i + 1));
  const b = [0.1, -0.2, 0.3];
  const bytes = new Uint8Array(8 + 4 * 51);
  new Int32Array(bytes.buffer, 0, 2).set([-1, 16]);
  new Float32Array(bytes.buffer, 8, 51).set([...w, ...b]);
  const json = {
    format: 'graph-model',
    generatedBy: 'printshot tests',
    convertedBy: 'hand-written',
    modelTopology: { node, library: {}, versions: { producer: 1 } },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'flat_shape', shape: [2], dtype: 'int32' },
          { name: 'w', shape: [16, 3], dtype: 'float32' },
          { name: 'b', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  return { json, shard: bytes, w, b };
}
