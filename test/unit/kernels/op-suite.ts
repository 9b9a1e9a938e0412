/**
 * Per-op input-gradient checks, shared by the wasm and cpu test files.
 * Each case is checked against central finite differences on the backend under test, and against
 * tfjs's stock gradient computed on cpu BEFORE registerInputGradients() replaced it.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs's stock gradients, which registerInputGradients() builds on (installBackend() loads them in the app).
import '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerInputGradients } from '../../../src/kernels';
import { createRng, type Rng } from '../../../src/shared';
import { directionalCheck, maxRelDiff, randomTensor, weightedSumLoss } from './helpers';

type Pad = 'same' | 'valid' | number;
type Strides = number | [number, number];
interface OpCase {
  name: string;
  xShape: [number, number, number, number];
  /** Builds the op with its (seeded) parameters; the returned function is x ↦ y. */
  build: () => (x: tf.Tensor) => tf.Tensor;
  /** Why tfjs's stock gradient is not a valid reference for this case, if it is not. */
  stockIsWrong?: string;
  /** Inputs with well-separated values (pooling): no ties, and kinks far enough for large FD steps. */
  spaced?: boolean;
  /** Only on cpu (wasm has no NCHW convolution). */
  cpuOnly?: boolean;
}

/** A shuffled grid of distinct values 0.05 apart, centred on 0. */
function spacedTensor(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return tf.tensor(values, shape, 'float32');
}

const X: [number, number, number, number] = [2, 7, 8, 3];

function conv(k: number, strides: Strides, pad: Pad, fused: false | 'bias' | 'nobias' = false): OpCase {
  const name = `${fused ? `fused.conv2d(${fused})` : 'conv2d'} k=${k} s=${String(strides)} pad=${pad}`;
  return {
    name,
    xShape: X,
    build: () => {
      const rng = createRng(name);
      const filter = randomTensor(rng, [k, k, 3, 4], 0.5) as tf.Tensor4D;
      const bias = randomTensor(rng, [4], 0.1);
      if (!fused) return (x) => tf.conv2d(x as tf.Tensor4D, filter, strides, pad);
      return (x) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter, strides, pad, bias: fused === 'bias' ? bias : undefined });
    },
  };
}

function depthwise(k: number, strides: Strides, pad: Pad, multiplier = 1, fused = false): OpCase {
  const name = `${fused ? 'fused.depthwiseConv2d' : 'depthwiseConv2d'} k=${k} s=${String(strides)} pad=${pad} m=${multiplier}`;
  return {
    name,
    xShape: X,
    build: () => {
      const rng = createRng(name);
      const filter = randomTensor(rng, [k, k, 3, multiplier], 0.5) as tf.Tensor4D;
      const bias = randomTensor(rng, [3 * multiplier], 0.1);
      if (!fused) return (x) => tf.depthwiseConv2d(x as tf.Tensor4D, filter, strides, pad);
      return (x) => tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter, strides, pad, bias });
    },
  };
}

const elementwise: OpCase[] = [
  { name: 'relu6', xShape: X, build: () => (x) => tf.relu6(tf.mul(x, 4)) },
  {
    name: 'batchNorm (inference, 1-D params)',
    xShape: X,
    build: () => {
      const rng = createRng('bn');
      const [mean, offset] = [randomTensor(rng, [3], 0.3), randomTensor(rng, [3], 0.3)];
      const variance = tf.add(tf.abs(randomTensor(rng, [3])), 0.5);
      const scale = tf.add(tf.abs(randomTensor(rng, [3])), 0.5);
      return (x) => tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
    },
  },
  { name: 'maxPool 3x3 s=2 same', xShape: X, spaced: true, build: () => (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same') },
  { name: 'maxPool 2x2 s=2 valid', xShape: X, spaced: true, build: () => (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'maxPool 3x3 s=1 same', xShape: X, spaced: true, build: () => (x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 'same') },
  { name: 'maxPool 2x3 s=2,3 valid', xShape: X, spaced: true, build: () => (x) => tf.maxPool(x as tf.Tensor4D, [2, 3], [2, 3], 'valid') },
  // All windows negative: wasm's stock MaxPoolGrad sends these gradients to the first pixel.
  { name: 'maxPool 2x2 s=2 same, negative', xShape: X, spaced: true, build: () => (x) => tf.maxPool(tf.sub(x, 4), 2, 2, 'same') },
  {
    name: 'avgPool 3x3 s=2 same',
    xShape: X,
    build: () => (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same'),
    stockIsWrong: 'stock AvgPoolGrad divides border windows by 9, the forward by the real-pixel count',
  },
  { name: 'avgPool 2x2 s=1 valid', xShape: X, build: () => (x) => tf.avgPool(x as tf.Tensor4D, 2, 1, 'valid') },
  {
    name: 'avgPool 2x2 s=2 same',
    xShape: X,
    build: () => (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'same'),
    stockIsWrong: 'stock AvgPoolGrad divides the padded last row by 4, the forward by 2',
  },
];

/** x reshaped to 14×24 as either operand of matMul (stored transposed when its flag is set). */
function matMulCase(operand: 'a' | 'b', ta: boolean, tb: boolean, fused = false): OpCase {
  const name = `${fused ? 'fused.matMul(bias)' : 'matMul'} x as ${operand} transposeA=${ta} transposeB=${tb}`;
  const stored = (t: tf.Tensor, transposed: boolean) => (transposed ? tf.transpose(t) : t);
  return {
    name,
    xShape: X,
    build: () => {
      const rng = createRng(name);
      // Linear fused matMul (Dense layers) is the fused op tfjs keeps in gradient mode.
      const mm = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor): tf.Tensor =>
        fused ? tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: ta, transposeB: tb, bias }) : tf.matMul(a, b, ta, tb);
      if (operand === 'a') {
        const other = stored(randomTensor(rng, [24, 5]), tb); // effective [24, 5]
        const bias = randomTensor(rng, [5], 0.1);
        return (x) => mm(stored(tf.reshape(x, [14, 24]), ta), other, bias);
      }
      const other = stored(randomTensor(rng, [5, 14]), ta); // effective [5, 14]
      const bias = randomTensor(rng, [24], 0.1);
      return (x) => mm(other, stored(tf.reshape(x, [14, 24]), tb), bias);
    },
  };
}

const misc: OpCase[] = [
  {
    name: 'conv2d NCHW k=3 s=2 pad=same',
    xShape: [2, 3, 7, 8],
    cpuOnly: true,
    build: () => {
      const filter = randomTensor(createRng('nchw'), [3, 3, 3, 4], 0.5) as tf.Tensor4D;
      return (x) => tf.conv2d(x as tf.Tensor4D, filter, 2, 'same', 'NCHW');
    },
  },
  { name: 'relu', xShape: X, build: () => (x) => tf.relu(x) },
  { name: 'clipByValue [-0.5, 1]', xShape: X, build: () => (x) => tf.clipByValue(x, -0.5, 1) },
  { name: 'clipByValue [0, 6] after relu (layers ReLU6)', xShape: X, build: () => (x) => tf.clipByValue(tf.relu(tf.mul(x, 4)), 0, 6) },
  { name: 'pad spatial (ZeroPadding2D)', xShape: X, build: () => (x) => tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]]) },
  { name: 'pad batch and channels', xShape: X, build: () => (x) => tf.pad(x, [[1, 0], [1, 1], [0, 0], [0, 2]]) },
  ...(['a', 'b'] as const).flatMap((o) => [false, true].flatMap((ta) => [false, true].map((tb) => matMulCase(o, ta, tb)))),
  ...(['a', 'b'] as const).flatMap((o) => [false, true].flatMap((ta) => [false, true].map((tb) => matMulCase(o, ta, tb, true)))),
];

export const opCases: OpCase[] = [
  ...[1, 3].flatMap((k) => [1, 2].flatMap((s) => (['same', 'valid'] as const).map((p) => conv(k, s, p)))),
  conv(5, 2, 'same'),
  conv(3, [2, 1], 'valid'),
  conv(3, 1, 1),
  ...[1, 2].flatMap((s) => (['same', 'valid'] as const).map((p) => conv(3, s, p, 'bias'))),
  conv(1, 2, 'same', 'nobias'),
  ...[1, 2].flatMap((s) => (['same', 'valid'] as const).map((p) => depthwise(3, s, p))),
  depthwise(3, 2, 'same', 2),
  depthwise(5, 2, 'valid'),
  depthwise(3, 2, 'valid', 1, true),
  depthwise(3, 1, 'same', 2, true),
  ...elementwise,
  ...misc,
];

export function describeOpGradients(backend: 'wasm' | 'cpu'): void {
  const stock = new Map<string, Float32Array>();
  const inputs = new Map<string, tf.Tensor>();
  const losses = new Map<string, ReturnType<typeof weightedSumLoss>>();

  beforeAll(async () => {
    // Reference: tfjs's own gradients on cpu, taken before our overrides are registered.
    await tf.setBackend('cpu');
    for (const c of opCases) {
      const rng = createRng(`input ${c.name}`);
      const x = c.spaced ? spacedTensor(rng, c.xShape) : randomTensor(rng, c.xShape);
      const f = c.build();
      const loss = weightedSumLoss(rng, tf.tidy(() => f(x).shape));
      inputs.set(c.name, x);
      losses.set(c.name, loss);
      stock.set(c.name, tf.tidy(() => tf.grad((v: tf.Tensor) => loss.tf(f(v)))(x).dataSync().slice() as Float32Array));
    }
    registerInputGradients();
    await tf.setBackend(backend);
  });

  describe(`input gradients on ${backend}`, () => {
    const cases = opCases.filter((c) => backend === 'cpu' || !c.cpuOnly);
    it.each(cases.map((c) => [c.name, c] as const))('%s: matches finite differences and stock cpu', (_n, c) => {
      expect(tf.getBackend()).toBe(backend);
      const x = inputs.get(c.name)!;
      const loss = losses.get(c.name)!;
      const f = c.build();
      const fd = directionalCheck(f, x, loss, c.name, 'dense', 3);
      for (const r of fd) expect(r.relErr, JSON.stringify(r)).toBeLessThanOrEqual(1e-3);
      const ours = tf.tidy(() => tf.grad((v: tf.Tensor) => loss.tf(f(v)))(x).dataSync().slice());
      if (c.stockIsWrong === undefined) expect(maxRelDiff(ours, stock.get(c.name)!)).toBeLessThanOrEqual(1e-5);
      else expect(maxRelDiff(ours, stock.get(c.name)!), c.stockIsWrong).toBeGreaterThan(1e-3);
    });

    it('does not leak tensors', () => {
      const c = opCases.find((o) => o.name.startsWith('fused.conv2d(bias)') && o.name.includes('s=2'))!;
      const f = c.build();
      const x = inputs.get(c.name)!;
      const loss = losses.get(c.name)!;
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        tf.grad((v: tf.Tensor) => loss.tf(f(v)))(x);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
