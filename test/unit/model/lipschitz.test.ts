/**
 * Per-layer Lipschitz bounds against explicit matrices: a conv (stride 2 'same', stride 1 'valid',
 * dilated), a depthwise conv, average pooling and a conv with a folded batch norm are applied to
 * every basis vector of a small input to build their dense matrices, whose largest singular value
 * comes from a float64 Jacobi eigen-decomposition of AᵀA (independent of the power iteration under
 * test). Dense: a hand-computed 2×2 case.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { avgPoolNorm, convNorm, denseNorm, depthwiseNorm } from '../../../src/model/lipschitz-ops';
import { lipschitzBounds, preprocessingScale } from '../../../src/model/lipschitz';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Largest eigenvalue of a symmetric matrix by cyclic Jacobi rotations (float64). */
function jacobiMaxEigen(a: number[][]): number {
  const n = a.length;
  const m = a.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p]![q]!) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * m[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!, mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!, mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return Math.max(...m.map((r, i) => r[i]!));
}

/** σmax of the linear map f on inputs of `shape`, from its explicit matrix (columns f(eᵢ) − f(0)). */
function explicitSigma(f: (x: tf.Tensor4D) => tf.Tensor, shape: [number, number, number]): number {
  const n = shape[0] * shape[1] * shape[2];
  const cols = tf.tidy(() => {
    const eye = tf.reshape(tf.eye(n), [n, ...shape]) as tf.Tensor4D;
    const out = tf.reshape(tf.sub(f(eye), f(tf.zeros([1, ...shape]))), [n, -1]);
    return out.arraySync() as number[][];
  });
  const gram = cols.map((ci) => cols.map((cj) => ci.reduce((s, v, k) => s + v * cj[k]!, 0)));
  return Math.sqrt(jacobiMaxEigen(gram));
}

const kernel = (shape: [number, number, number, number], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
const close = (got: number, want: number) => expect(Math.abs(got - want) / want).toBeLessThan(1e-4);

describe('conv operator norm', () => {
  const cases: { name: string; input: [number, number, number]; k: [number, number, number, number]; strides: [number, number]; padding: 'same' | 'valid'; dilation?: [number, number] }[] = [
    { name: 'stride 2, same, 6×6×2 → 3×3×3', input: [6, 6, 2], k: [3, 3, 2, 3], strides: [2, 2], padding: 'same' },
    { name: 'stride 2, same, odd 7×5×2 (asymmetric padding)', input: [7, 5, 2], k: [3, 3, 2, 2], strides: [2, 2], padding: 'same' },
    { name: 'stride 1, valid, 6×6×2 → 4×4×3', input: [6, 6, 2], k: [3, 3, 2, 3], strides: [1, 1], padding: 'valid' },
    { name: 'dilation 2, same', input: [6, 6, 2], k: [2, 2, 2, 2], strides: [1, 1], padding: 'same', dilation: [2, 2] },
  ];
  for (const c of cases) {
    it(`matches the explicit matrix's SVD within 1e-4: ${c.name}`, () => {
      const w = kernel(c.k, 7);
      const e = convNorm({ kernel: w, inputShape: c.input, strides: c.strides, padding: c.padding, dilation: c.dilation }, { tol: 1e-9, maxIter: 5000 });
      const want = explicitSigma((x) => tf.conv2d(x, w, c.strides, c.padding, 'NHWC', c.dilation ?? [1, 1]), c.input);
      expect(e.converged).toBe(true);
      close(e.sigma, want);
      w.dispose();
    });
  }

  it('depthwise conv and average pooling match their explicit matrices', () => {
    const w = kernel([3, 3, 2, 2], 3);
    const d = depthwiseNorm({ kernel: w, inputShape: [6, 6, 2], strides: [2, 2], padding: 'same' }, { tol: 1e-9, maxIter: 5000 });
    close(d.sigma, explicitSigma((x) => tf.depthwiseConv2d(x, w, [2, 2], 'same'), [6, 6, 2]));
    const a = avgPoolNorm([5, 5, 1], [3, 3], [2, 2], 'same', { tol: 1e-9, maxIter: 5000 });
    close(a.sigma, explicitSigma((x) => tf.avgPool(x, [3, 3], [2, 2], 'same'), [5, 5, 1]));
    // Non-overlapping 2×2 windows: each output is a mean of 4 inputs, norm 1/2 exactly.
    close(avgPoolNorm([4, 4, 1], [2, 2], [2, 2], 'valid').sigma, 0.5);
    w.dispose();
  });
});

describe('dense and model walk', () => {
  it('dense: σmax of [[3,0],[4,5]] is √45 (WᵀW = [[25,20],[20,25]], eigenvalues 45 and 5)', () => {
    const e = denseNorm([3, 0, 4, 5], 2, 2);
    expect(e.sigma).toBeCloseTo(Math.sqrt(45), 10);
    expect(e.converged).toBe(true);
  });

  it('folds a batch norm into the conv before it, and bounds the whole chain', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
        tfl.layers.batchNormalization({}),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'valid' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4 }),
      ],
    });
    const bn = model.layers[1]!;
    bn.setWeights([tf.tensor1d([2, -0.5, 1]), tf.tensor1d([0.1, 0.2, 0.3]), tf.tensor1d([0.5, -1, 0]), tf.tensor1d([0.25, 4, 1])]);
    const b = lipschitzBounds(model, { range: '0-255' }, { tol: 1e-9, maxIter: 5000 });
    expect(b.layers.map((l) => l.className)).toEqual(['Preprocessing', 'Conv2D', 'Activation', 'MaxPooling2D', 'Flatten', 'Dense']);
    expect(b.layers[1]!.note).toContain('batch norm');
    const convBn = tfl.sequential({ layers: [model.layers[0]!, model.layers[1]!] });
    close(b.layers[1]!.bound!, explicitSigma((x) => convBn.predict(x) as tf.Tensor, [6, 6, 2]));
    expect(b.layers[3]!.bound).toBeCloseTo(3, 12); // 3×3 windows at stride 1: each input in ≤ 9 windows
    expect(b.partial).toBe(false);
    expect(b.product).toBeCloseTo(b.layers.reduce((p, l) => p * l.bound!, 1), 6);
    expect(b.layers[0]!.bound).toBe(255);
  });

  it('marks unsupported layers and branching models partial', () => {
    const x = tfl.input({ shape: [4, 4, 1] });
    const a = tfl.layers.conv2d({ filters: 1, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
    const y = tfl.layers.add().apply([a, x]) as tfl.SymbolicTensor;
    const b = lipschitzBounds(tfl.model({ inputs: x, outputs: y }));
    expect(b.partial).toBe(true);
    expect(b.layers.find((l) => l.className === 'Add')!.bound).toBeNull();
    expect(b.notes.join(' ')).toMatch(/branches/);
    expect(preprocessingScale({ range: '0-1', std: [0.5, 0.25, 0.5] })).toBe(4);
  });
});
