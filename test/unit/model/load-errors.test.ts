/**
 * Every way a user-supplied model can be wrong must end in one clear PrintshotError('bad-model')
 * line naming the file or field, never a tfjs stack trace.
 */
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, loadClassifierFromMemory } from '../../../src/model/node';
import { PrintshotError } from '../../../src/shared';
import { card, denseSoftmax, graphModel, identityLogits, removeTempDirs, saveLayers, tempDir, writeCard } from './model-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

/** Resolves to the error's message after checking it is a one-line bad-model PrintshotError. */
async function badModel(p: Promise<unknown>, code = 'bad-model'): Promise<string> {
  const e = await p.then(
    () => expect.fail('expected the load to fail'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PrintshotError);
  expect((e as PrintshotError).code).toBe(code);
  const msg = (e as PrintshotError).message;
  expect(msg).not.toContain('\n');
  return msg;
}

async function savedDense(withCard = true): Promise<string> {
  const dir = await tempDir();
  await saveLayers(denseSoftmax(), dir, withCard ? card(['a', 'b', 'c']) : undefined);
  return dir;
}

async function editModelJSON(dir: string, edit: (json: any) => void): Promise<void> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  edit(json);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
}

describe('model files', () => {
  it('missing directory', async () => {
    const dir = join(await tempDir(), 'nope');
    expect(await badModel(loadClassifier(dir))).toBe(`model directory not found: ${dir}`);
  });

  it('missing model.json', async () => {
    const dir = await tempDir();
    expect(await badModel(loadClassifier(dir))).toBe(`no model.json in ${dir}`);
  });

  it('corrupt model.json names the file', async () => {
    const dir = await savedDense();
    await writeFile(join(dir, 'model.json'), '{"format": "layers-model", ');
    expect(await badModel(loadClassifier(dir))).toMatch(new RegExp(`^${join(dir, 'model.json').replace(/[\\.]/g, '\\$&')} is not valid JSON: `));
  });

  it('JSON that is not a TF.js model', async () => {
    const dir = await savedDense();
    await writeFile(join(dir, 'model.json'), '{"class_name": "Sequential", "config": {}}');
    expect(await badModel(loadClassifier(dir))).toMatch(/model\.json is not a TF\.js model \(needs "modelTopology" and "weightsManifest"\)$/);
  });

  it('missing shard is named', async () => {
    const dir = await savedDense();
    await rm(join(dir, 'weights.bin'));
    expect(await badModel(loadClassifier(dir))).toMatch(/^missing weight shard weights\.bin \(listed in .*model\.json\)$/);
  });

  it('truncated shard reports expected and found sizes', async () => {
    const dir = await savedDense();
    await truncate(join(dir, 'weights.bin'), 100);
    // 16x3 kernel + 3 biases, float32
    expect(await badModel(loadClassifier(dir))).toBe('truncated weight shard weights.bin: expected 204 bytes from the manifest, found 100');
  });

  it('unsupported weight dtype', async () => {
    const dir = await savedDense();
    await editModelJSON(dir, (j) => (j.weightsManifest[0].weights[1].dtype = 'string'));
    expect(await badModel(loadClassifier(dir))).toMatch(/weight .*bias.* has unsupported dtype string/);
  });

  it('unsupported input dtype', async () => {
    const x = tfl.input({ shape: [2, 2, 1], dtype: 'int32' });
    const model = tfl.model({ inputs: x, outputs: tfl.layers.flatten().apply(x) as tfl.SymbolicTensor });
    const dir = await tempDir();
    await saveLayers(model, dir);
    expect(await badModel(loadClassifier(dir))).toMatch(/^unsupported input dtype int32/);
  });

  it('shard paths may not leave the model folder', async () => {
    const dir = await savedDense();
    await editModelJSON(dir, (j) => (j.weightsManifest[0].paths = ['../weights.bin']));
    expect(await badModel(loadClassifier(dir))).toMatch(/weight shard path "\.\.\/weights\.bin" must be relative to the model folder/);
  });

  it('topology tfjs cannot build', async () => {
    const dir = await savedDense();
    await editModelJSON(dir, (j) => (j.modelTopology.config.layers[1].class_name = 'NoSuchLayer'));
    expect(await badModel(loadClassifier(dir))).toMatch(/could not build the layers model: .*NoSuchLayer/);
  });
});

describe('model vs. card', () => {
  it('input shape mismatch', async () => {
    const dir = await savedDense();
    await writeCard(dir, card(['a', 'b', 'c'], { height: 8, width: 8, channels: 1 }));
    expect(await badModel(loadClassifier(dir))).toBe('input shape mismatch: model-card.json says 8x8x1 but the model takes 4x4x1 (height x width x channels)');
  });

  it('label count differs from the output width', async () => {
    const dir = await savedDense();
    await writeCard(dir, card(['a', 'b']));
    expect(await badModel(loadClassifier(dir))).toBe('label count mismatch: model-card.json lists 2 labels but the model outputs 3 classes');
  });

  it('invalid card fields are named', async () => {
    const dir = await savedDense();
    await writeCard(dir, card(['only']));
    expect(await badModel(loadClassifier(dir))).toMatch(/model-card\.json: labels: .*2/);
    await writeCard(dir, card(['a', 'b', 'c'], { height: 4, width: 4, channels: 2 }));
    expect(await badModel(loadClassifier(dir))).toMatch(/model-card\.json: input\.channels: .*\(got 2\)/);
    await writeCard(dir, card(['a', 'b', 'c'], undefined, { range: '0-65535' }));
    expect(await badModel(loadClassifier(dir))).toMatch(/model-card\.json: range: /);
    await writeFile(join(dir, 'model-card.json'), '{ nope');
    expect(await badModel(loadClassifier(dir))).toMatch(/model-card\.json is not valid JSON/);
  });

  it('mean/std must match the channel count', async () => {
    const dir = await savedDense();
    await writeCard(dir, card(['a', 'b', 'c'], undefined, { mean: [0.5, 0.5, 0.5] }));
    expect(await badModel(loadClassifier(dir))).toBe('model-card.json: mean has 3 values but the model takes 1 channel(s)');
  });

  it("outputs: 'probabilities' without a final softmax", async () => {
    const dir = await tempDir();
    await saveLayers(identityLogits(3), dir, card(['r', 'g', 'b'], { height: 1, width: 1, channels: 3 }, { outputs: 'probabilities' }));
    expect(await badModel(loadClassifier(dir))).toMatch(/says outputs are probabilities, but no final softmax was found/);
  });
});

describe('probe run', () => {
  it('NaN outputs', async () => {
    const model = denseSoftmax();
    const [k, b] = model.getWeights();
    model.setWeights([k, tf.fill(b.shape, NaN)]);
    const dir = await tempDir();
    await saveLayers(model, dir, card(['a', 'b', 'c']));
    expect(await badModel(loadClassifier(dir))).toBe('model output is not numeric (NaN or Infinity) on an all-zeros probe image');
  });

  it('output that is not [batch, classes]', async () => {
    const x = tfl.input({ shape: [4, 4, 1] });
    const y = tfl.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
    const dir = await tempDir();
    await saveLayers(tfl.model({ inputs: x, outputs: y }), dir);
    expect(await badModel(loadClassifier(dir))).toBe('model output must be [batch, classes]; got [1, 4, 4, 2]');
  });

  it('a model that cannot infer its input size asks for a card', async () => {
    const x = tfl.input({ shape: [null, null, 1] });
    const y = tfl.layers.globalAveragePooling2d({}).apply(tfl.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(x)) as tfl.SymbolicTensor;
    const dir = await tempDir();
    await saveLayers(tfl.model({ inputs: x, outputs: tfl.layers.softmax().apply(y) as tfl.SymbolicTensor }), dir);
    expect(await badModel(loadClassifier(dir))).toBe("cannot infer the input size: the model's input shape is [?, ?, ?, 1]");
    // ...and loads once the card says it.
    await writeCard(dir, card(['a', 'b', 'c'], { height: 5, width: 7, channels: 1 }));
    const clf = await loadClassifier(dir);
    expect(clf.logits(tf.zeros([2, 5, 7, 1]) as tf.Tensor4D).shape).toEqual([2, 3]);
    clf.dispose();
  });

  it('graph model missing a weight in its shard', async () => {
    const { json, shard } = graphModel();
    const msg = await badModel(loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': shard.slice(0, 200) } }));
    expect(msg).toBe('truncated weight shard group1-shard1of1.bin: expected 212 bytes from the manifest, found 200');
  });

  it('errors leave no tensors behind', async () => {
    const dir = await savedDense();
    await writeCard(dir, card(['a', 'b']));
    const before = tf.memory().numTensors;
    await badModel(loadClassifier(dir));
    expect(tf.memory().numTensors).toBe(before);
  });
});

it('a path that is neither a folder nor model.json', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'x'));
  await writeFile(join(dir, 'x', 'weights.bin'), '');
  expect(await badModel(loadClassifier(join(dir, 'x', 'weights.bin')))).toMatch(/^not a model directory: /);
});
