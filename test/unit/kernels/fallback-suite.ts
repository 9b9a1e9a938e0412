/**
 * The tfjs-layers fallback (apply(), what runs when the plan is off or cannot compile a model)
 * with the registered input-only gradients, on the blocks of blocks.ts. Batch norms without scale
 * or offset (InceptionV3's) crashed the tape; stock tfjs cannot differentiate them at all, so the
 * reference is the stock cpu gradient of `twin()`, the same model with explicit gamma = 1, beta = 0.
 * Stock AvgPoolGrad is wrong on the borders of 'same' average pools (docs/kernels.md; op-suite.ts
 * checks ours against finite differences), so the reference uses ours for that one kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summedCrossEntropy } from '../../../src/attacks/gradient';
import { registerInputGradients } from '../../../src/kernels';
import { poolGradients } from '../../../src/kernels/pool-gradients';
import { createRng } from '../../../src/shared';
import { block, BLOCKS, CLASSES, INPUT, twin } from './blocks';
import { crossEntropyLoss, directionalCheck, maxRelDiff, randomTensor } from './helpers';

const LABELS = [1, 4];
/**
 * Coordinates per finite-difference direction: one for the blocks with max-pools (kinks within
 * ~0.01 of most inputs), four for the smooth squeeze-excite block (swish/sigmoid), whose second
 * difference forbids large steps, so a larger ⟨∇L, v⟩ keeps float32 rounding under 1e-3.
 */
/** Steps large enough that float32 rounding stays well under 1e-3 (see directionalCheck). */
export const FD_STEPS = [0.1, 0.03, 0.01];
export const FD_PIXELS: Record<string, number> = { inception: 1, 'squeeze-excite': 4, separable: 4, mixed: 1 };

/**
 * Logits through tfjs-layers: the output, or for a softmax head what feeds the softmax (a Dense
 * layer's x·W + b by hand, as head.ts does). log(softmax) would lose the small probabilities of
 * confident random-weight models to float32 rounding.
 */
export function layersLogits(model: tfl.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const last = model.layers[model.layers.length - 1];
  const c = last.getConfig();
  if (c.activation !== 'softmax' && last.getClassName() !== 'Softmax') return (x) => model.apply(x, { training: false }) as tf.Tensor;
  const pre = tfl.model({ inputs: model.inputs, outputs: last.input as tfl.SymbolicTensor });
  const features = (x: tf.Tensor) => pre.apply(x, { training: false }) as tf.Tensor;
  if (last.getClassName() !== 'Dense') return features;
  return (x) => {
    const [kernel, bias] = last.getWeights();
    const z = tf.matMul(features(x) as tf.Tensor2D, kernel as tf.Tensor2D);
    return bias && c.useBias !== false ? tf.add(z, bias) : z;
  };
}

const gradientOf = (f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Float32Array =>
  tf.tidy(() => tf.grad((v: tf.Tensor) => summedCrossEntropy(f(v) as tf.Tensor2D, tf.tensor1d(LABELS, 'int32')))(x).dataSync().slice() as Float32Array);

export function describeFallback(backend: 'wasm' | 'cpu'): void {
  const names = Object.keys(BLOCKS);
  const models = new Map<string, tfl.LayersModel>();
  const stock = new Map<string, Float32Array>();
  let x: tf.Tensor;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    tf.registerGradient(poolGradients.find((g) => g.kernelName === tf.AvgPool)!);
    x = randomTensor(createRng('fallback x'), [2, ...INPUT]);
    for (const name of names) {
      const m = block(name);
      const t = twin(name, m);
      models.set(name, m);
      stock.set(name, gradientOf(layersLogits(t), x));
      t.dispose();
    }
    registerInputGradients();
    await tf.setBackend(backend);
  });
  afterAll(() => models.forEach((m) => m.dispose()));

  describe(`tfjs-layers fallback with input-only gradients on ${backend}`, () => {
    it.each(names)('%s: gradient through apply() matches the explicit-gamma stock gradient on cpu and finite differences', (name) => {
      const m = models.get(name)!;
      const f = layersLogits(m);
      const ours = gradientOf(f, x);
      expect(ours.every(Number.isFinite)).toBe(true);
      expect(maxRelDiff(ours, stock.get(name)!)).toBeLessThanOrEqual(1e-4);
      const fd = directionalCheck(f, x, crossEntropyLoss(LABELS, CLASSES), name, FD_PIXELS[name], 3, FD_STEPS);
      for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
    });

    it('a batch norm without scale or offset leaks no tensors in gradient steps', () => {
      const f = layersLogits(models.get('inception')!);
      gradientOf(f, x);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) gradientOf(f, x);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
