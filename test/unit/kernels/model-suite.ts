/**
 * Whole-model input gradients (the bundled CNN's architecture and a MobileNet-style network),
 * shared by the wasm and cpu test files: finite differences of a softmax cross-entropy from logits
 * on the backend under test, tfjs's stock gradient on cpu (taken before registerInputGradients())
 * as a reference, and tensor-leak checks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerInputGradients } from '../../../src/kernels';
import { createRng } from '../../../src/shared';
import { crossEntropyLoss, directionalCheck, maxRelDiff, randomTensor, type Loss64 } from './helpers';
import { fashionCnn, MOBILE_CLASSES, MOBILE_INPUT, mobileNetStyle } from './models';

interface ModelCase {
  name: string;
  model: tfl.LayersModel;
  x: tf.Tensor;
  loss: Loss64;
  /** Loss as a function of the model output (for the softmax head: −log p[y], unclipped). */
  outputLoss: (out: tf.Tensor) => tf.Scalar;
}

function cases(): ModelCase[] {
  const rng = createRng('model inputs');
  const cnnX = tf.clipByValue(randomTensor(rng, [3, 28, 28, 1], 0.5), -1, 1);
  const mobileX = randomTensor(rng, [2, ...MOBILE_INPUT]);
  const cnnLoss = crossEntropyLoss([3, 7, 1], 10);
  const onehot = tf.oneHot(tf.tensor1d([3, 7, 1], 'int32'), 10);
  const mobileLoss = crossEntropyLoss([4, 0], MOBILE_CLASSES);
  return [
    { name: 'fashion CNN (logits)', model: fashionCnn('linear'), x: cnnX, loss: cnnLoss, outputLoss: cnnLoss.tf },
    {
      name: 'fashion CNN (softmax head)',
      model: fashionCnn('softmax'),
      x: cnnX,
      loss: cnnLoss,
      outputLoss: (p) => tf.neg(tf.sum(tf.mul(tf.log(p), onehot))),
    },
    { name: 'MobileNet-style', model: mobileNetStyle(), x: mobileX, loss: mobileLoss, outputLoss: mobileLoss.tf },
  ];
}

const inputGradient = (c: ModelCase): Float32Array =>
  tf.tidy(() => tf.grad((v: tf.Tensor) => c.outputLoss(c.model.apply(v) as tf.Tensor))(c.x).dataSync().slice() as Float32Array);

export function describeModelGradients(backend: 'wasm' | 'cpu'): void {
  let all: ModelCase[] = [];
  const stock = new Map<string, Float32Array>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    all = cases();
    for (const c of all) stock.set(c.name, inputGradient(c));
    registerInputGradients();
    await tf.setBackend(backend);
  });
  afterAll(() => all.forEach((c) => c.model.dispose()));

  describe(`model input gradients on ${backend}`, () => {
    // Single pixels for the CNN (its max-pools switch within ~0.01 of most inputs), 4 for MobileNet.
    it.each([
      ['fashion CNN (logits)', 1],
      ['MobileNet-style', 4],
    ] as const)('%s: cross-entropy gradient matches finite differences (%i-pixel directions)', (name, pixels) => {
      const c = all.find((m) => m.name === name)!;
      const fd = directionalCheck((v) => c.model.apply(v) as tf.Tensor, c.x, c.loss, name, pixels, 3);
      for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
    });

    it.each(['fashion CNN (logits)', 'fashion CNN (softmax head)', 'MobileNet-style'])(
      '%s: matches the stock gradient computed on cpu',
      (name) => {
        const c = all.find((m) => m.name === name)!;
        expect(tf.getBackend()).toBe(backend);
        const ours = inputGradient(c);
        expect(maxRelDiff(ours, stock.get(name)!)).toBeLessThanOrEqual(1e-4);
        // Dead ReLUs give exact zeros; the attack's sign() relies on them staying exactly zero.
        const stockZeros = stock.get(name)!.filter((g) => g === 0).length;
        expect(ours.filter((g) => g === 0).length).toBe(stockZeros);
      },
    );

    it.each(['fashion CNN (logits)', 'MobileNet-style'])('%s: computing the gradient leaks no tensors', (name) => {
      const c = all.find((m) => m.name === name)!;
      inputGradient(c); // first call may move weights onto this backend
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        tf.grad((v: tf.Tensor) => c.outputLoss(c.model.apply(v) as tf.Tensor))(c.x);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
