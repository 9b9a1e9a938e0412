/**
 * loadClassifier keeps a backend the caller set itself (tests pin cpu) instead of selecting one,
 * and must still register the input gradients that selectBackend() would have: without them the
 * tfjs-layers fallback cannot differentiate a batch norm without scale (Keras' scale=False, all of
 * InceptionV3's), and the load-time gradient probe failed with "reading 'dataId'". This file runs
 * in its own module state, so nothing else has registered them first.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadClassifier } from '../../../src/model/node';
import { card, removeTempDirs, saveLayers, tempDir } from './model-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

it('a model with scale-less batch norms loads through the tfjs-layers fallback on a caller-set backend and differentiates', async () => {
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ scale: false }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, kernelInitializer: 'glorotNormal' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const dir = await tempDir();
  await saveLayers(model, dir, card(['a', 'b', 'c'], { height: 8, width: 8, channels: 3 }, { outputs: 'logits' }));
  model.dispose();

  process.env.PRINTSHOT_LAYER_PLAN = 'off';
  try {
    const clf = await loadClassifier(dir);
    const img = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(clf.logits(v as tf.Tensor4D)))(img).dataSync());
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    expect(Array.from(g).some((v) => v !== 0)).toBe(true);
    img.dispose();
    clf.dispose();
  } finally {
    delete process.env.PRINTSHOT_LAYER_PLAN;
  }
});
