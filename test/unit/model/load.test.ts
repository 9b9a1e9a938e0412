/**
 * loadClassifier on tiny Layers and Graph models built in the test: logits, preprocessing,
 * card inference, fingerprints and disposal. Error cases live in load-errors.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_DIR, loadClassifier, loadClassifierFromMemory } from '../../../src/model/node';
import { card, convSoftmax, denseSoftmax, graphModel, identityLogits, removeTempDirs, saveLayers, tempDir, writeCard } from './model-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('Layers models', () => {
  it('Dense(softmax): softmax(logits) equals predict within 1e-5, and gradients reach the pixels', async () => {
    const model = denseSoftmax();
    const dir = await tempDir();
    await saveLayers(model, dir, card(['a', 'b', 'c']));
    const clf = await loadClassifier(dir);
    expect(clf.format).toBe('layers');
    expect(clf.dir).toBe(dir);
    expect(clf.assumptions).toEqual([]);
    expect(clf.labels).toEqual(['a', 'b', 'c']);
    expect(clf.card.outputs).toBe('probabilities');
    expect(clf.inputSpec).toEqual({ height: 4, width: 4, channels: 1 });
    expect(clf.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const x = tf.randomUniform([5, 4, 4, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const logits = clf.logits(x);
    expect(logits.shape).toEqual([5, 3]);
    expect(maxDiff(tf.softmax(logits), model.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    // Logits are not probabilities: rows need not sum to 1.
    expect(Math.abs(tf.sum(logits, 1).dataSync()[0] - 1)).toBeGreaterThan(1e-3);

    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.slice(clf.logits(xi as tf.Tensor4D), [0, 0], [-1, 1])))(x);
    expect(g.shape).toEqual(x.shape);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    clf.dispose();
    model.dispose();
  });

  it('Conv/MaxPool/Dense/Activation(softmax) functional model', async () => {
    const model = convSoftmax();
    const dir = await tempDir();
    await saveLayers(model, dir, card(['w', 'x', 'y', 'z'], { height: 6, width: 6, channels: 3 }));
    const clf = await loadClassifier(join(dir, 'model.json')); // a path to model.json works too
    const x = tf.randomUniform([3, 6, 6, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    expect(maxDiff(tf.softmax(clf.logits(x)), model.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    clf.dispose();
  });

  it('applies range then (x - mean) / std inside logits (known answer)', async () => {
    const dir = await tempDir();
    await saveLayers(identityLogits(3), dir);
    const x = tf.tensor4d([0.5, 0.25, 1], [1, 1, 1, 3]);
    const cases: [object, number[]][] = [
      [{}, [0.5, 0.25, 1]],
      [{ range: '-1-1' }, [0, -0.5, 1]],
      [{ range: '0-255' }, [127.5, 63.75, 255]],
      [{ range: '0-255', mean: [10, 20, 30], std: [2, 4, 5] }, [58.75, 10.9375, 45]],
      [{ range: '-1-1', mean: [0.5], std: [0.5] }, [-1, -2, 1]],
    ];
    for (const [extra, want] of cases) {
      await writeCard(dir, card(['r', 'g', 'b'], { height: 1, width: 1, channels: 3 }, { outputs: 'logits', ...extra }));
      const clf = await loadClassifier(dir);
      const got = Array.from(clf.logits(x).dataSync());
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
      clf.dispose();
    }
  });

  it('infers a card when model-card.json is missing, and lists the assumptions', async () => {
    const dir = await tempDir();
    await saveLayers(denseSoftmax(), dir);
    const clf = await loadClassifier(dir);
    expect(clf.labels).toEqual(['class_0', 'class_1', 'class_2']);
    expect(clf.card.input).toEqual({ height: 4, width: 4, channels: 1 });
    expect(clf.card.range).toBe('0-1');
    expect(clf.card.outputs).toBe('probabilities');
    const text = clf.assumptions.join('\n');
    expect(text).toMatch(/input 4x4x1 taken from the model's input shape/);
    expect(text).toMatch(/labels class_0\.\.class_2/);
    expect(text).toMatch(/pixel range 0-1/);
    expect(text).toMatch(/outputs are probabilities \(last layer .* has softmax activation\)/);
    clf.dispose();

    const dir2 = await tempDir();
    await saveLayers(identityLogits(3), dir2);
    const lin = await loadClassifier(dir2);
    expect(lin.card.outputs).toBe('logits');
    expect(lin.assumptions.join('\n')).toMatch(/outputs are logits \(no final softmax found\)/);
    lin.dispose();
  });

  it('fingerprint is stable across loads and changes with the weights', async () => {
    const dir = await tempDir();
    await saveLayers(denseSoftmax(1), dir, card(['a', 'b', 'c']));
    const a = await loadClassifier(dir);
    const b = await loadClassifier(dir);
    expect(b.fingerprint).toBe(a.fingerprint);
    const shard = await readFile(join(dir, 'weights.bin'));
    shard[0] ^= 1; // same size, one bit different
    await writeFile(join(dir, 'weights.bin'), shard);
    const c = await loadClassifier(dir);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    for (const clf of [a, b, c]) clf.dispose();
  });

  it('dispose frees the weights, and logits leaves no tensors behind', async () => {
    const dir = await tempDir();
    await saveLayers(denseSoftmax(), dir, card(['a', 'b', 'c']));
    const before = tf.memory().numTensors;
    const clf = await loadClassifier(dir);
    const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const during = tf.memory().numTensors;
    clf.logits(x).dispose();
    expect(tf.memory().numTensors).toBe(during);
    x.dispose();
    clf.dispose();
    clf.dispose(); // idempotent
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects images of the wrong size', async () => {
    const dir = await tempDir();
    await saveLayers(denseSoftmax(), dir, card(['a', 'b', 'c']));
    const clf = await loadClassifier(dir);
    expect(() => clf.logits(tf.zeros([1, 5, 4, 1]) as tf.Tensor4D)).toThrow(/expects images \[N, 4, 4, 1\], got \[1, 5, 4, 1\]/);
    clf.dispose();
  });

  it("resolves 'default' to assets/models/fashion-cnn in the repo", () => {
    expect(DEFAULT_MODEL_DIR.replace(/\\/g, '/')).toMatch(/\/assets\/models\/fashion-cnn$/);
  });
});

describe('Graph models', () => {
  it('takes logits from the Softmax node input; softmax(logits) equals the model output', async () => {
    const { json, shard, w, b } = graphModel();
    const clf = await loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': shard }, card: card(['a', 'b', 'c']) });
    expect(clf.format).toBe('graph');
    expect(clf.card.outputs).toBe('probabilities');
    const x = tf.randomUniform([4, 4, 4, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const expected = tf.add(tf.matMul(tf.reshape(x, [4, 16]), tf.tensor2d(w, [16, 3])), tf.tensor1d(b));
    expect(maxDiff(clf.logits(x), expected)).toBeLessThan(1e-5);
    const g = tf.grad((xi: tf.Tensor) => tf.sum(clf.logits(xi as tf.Tensor4D)))(x);
    // d(sum of logits)/dx = row sums of w, for every image.
    expect(maxDiff(tf.reshape(g, [4, 16]), tf.reshape(tf.sum(tf.tensor2d(w, [16, 3]), 1), [1, 16]))).toBeLessThan(1e-5);
    clf.dispose();
  });

  it('infers the card of a graph model and handles a fixed batch of 1', async () => {
    const { json, shard } = graphModel(1);
    const clf = await loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': shard } });
    expect(clf.labels).toHaveLength(3);
    expect(clf.assumptions.join('\n')).toMatch(/graph node probs is a Softmax/);
    const x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const batched = clf.logits(x);
    expect(batched.shape).toEqual([3, 3]);
    const single = clf.logits(tf.slice(x, [1, 0, 0, 0], [1, 4, 4, 1]));
    expect(maxDiff(tf.slice(batched, [1, 0], [1, 3]), single)).toBeLessThan(1e-6);
    clf.dispose();
  });
});
