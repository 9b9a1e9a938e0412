/**
 * EOT's mechanics: distribution parsing, EOT with identity transforms = PGD, the
 * straight-through JPEG gradient, gradient averaging, gradients through every differentiable
 * stage (finite differences, cpu and wasm), and evaluation on fresh samples without leaks.
 * The invariants suite (invariants.test.ts) covers eps bounds, bad parameters, seeds and
 * cancellation for 'eot-pgd' as for every registered attack.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackImages, eotAccuracy, eotGradient, getAttack, lossGradient, pgd, transformBatch } from '../../../src/attacks';
import { EOT_PRESETS, parseDistribution, resolveDistribution, sampleTransform, type EotSample } from '../../../src/attacks/eot-distribution';
import { applyEotSample, blurImages, gatherRows, jpegResidual, warpImages } from '../../../src/attacks/eot-ops';
import { registerInputGradients } from '../../../src/kernels';
import type { Classifier } from '../../../src/model/classifier';
import { createRng, PrintshotError } from '../../../src/shared';
import { gaussianBlurTensor } from '../../../src/transforms';
import { linearClassifier, randomImages, smallConvClassifier } from '../../fixtures/classifiers';

const spec = { height: 8, width: 8, channels: 3 as const };
const items = randomImages(spec, 4);
let clf: Classifier;

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerInputGradients();
  clf = smallConvClassifier(spec, 4);
});
afterAll(() => clf.dispose());

const randomX = (shape: [number, number, number, number], seed = 3) => {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.uniform(0.1, 0.9)), shape);
};
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('distribution', () => {
  it('resolves presets to validated copies', async () => {
    for (const name of ['print-camera', 'photometric', 'none'] as const) {
      const d = await resolveDistribution(name);
      expect(d).toEqual(EOT_PRESETS[name]);
      expect(parseDistribution(d)).toEqual(d);
    }
    expect(Object.keys(await resolveDistribution('print-camera'))).toEqual(['print', 'warp', 'lighting', 'blur', 'noise', 'jpeg']);
  });

  it('reads a JSON file and validates it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eot-'));
    const good = join(dir, 'd.json');
    await writeFile(good, JSON.stringify({ blur: { sigma: [0.5, 1] }, noise: { sigma: [0, 2] } }));
    expect(await resolveDistribution(good)).toEqual({ blur: { sigma: [0.5, 1] }, noise: { sigma: [0, 2] } });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ blur: { sigma: [2, 1] } }));
    await expect(resolveDistribution(bad)).rejects.toThrow(/distribution file .*bad\.json: blur\.sigma: sigma: \[lo, hi\] needs lo ≤ hi/);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{');
    await expect(resolveDistribution(broken)).rejects.toThrow(/not valid JSON/);
    await expect(resolveDistribution('print-camra')).rejects.toThrow(/'print-camra' is neither a preset nor a readable JSON file/);
  });

  it('rejects unknown stages and out-of-range values with a clear message', () => {
    expect(() => parseDistribution({ rotate: {} })).toThrow(PrintshotError);
    expect(() => parseDistribution({ rotate: {} })).toThrow(/unknown field\(s\) 'rotate'/);
    expect(() => parseDistribution({ jpeg: { quality: [0, 90], probability: 1 } })).toThrow(/jpeg\.quality\.0/);
    expect(() => parseDistribution({ print: { paperWhite: [240, 250], ink: [10, 20], dotGain: [0, 0.5], saturation: [1, 1] } })).toThrow(/dotGain/);
  });

  it('the attack validates an inline distribution and accepts presets', async () => {
    const eot = getAttack('eot-pgd');
    await expect(attackImages(eot, { eps: 4, distribution: { blur: { sigma: [1] } } }, items.slice(0, 1), { classifier: clf, rng: createRng(1) })).rejects.toThrow(
      /^eot-pgd: distribution/,
    );
    expect(eot.params.parse({})).toMatchObject({ eps: 16, iterations: 40, samples: 8, distribution: 'print-camera', randomStart: true });
    expect(eot.summary).toMatch(/straight-through gradient \(forward: the real codec; backward: identity\)/);
  });

  it('draws nothing for absent stages, and fresh values per sample otherwise', () => {
    const a = createRng(9);
    const b = createRng(9);
    expect(sampleTransform({}, a, 8, 8, 3)).toEqual({});
    expect(a.next()).toBe(b.next());
    const rng = createRng(2);
    const s1 = sampleTransform(EOT_PRESETS['print-camera'], rng, 28, 28, 1);
    const s2 = sampleTransform(EOT_PRESETS['print-camera'], rng, 28, 28, 1);
    expect(s1.print!.paper).toHaveLength(1);
    expect(s1.lighting!.gains).toHaveLength(1);
    expect(s1.warp).not.toEqual(s2.warp);
  });
});

describe('EOT mechanics', () => {
  it("with k identity transforms ('none') equals PGD byte for byte", async () => {
    const opts = () => ({ classifier: clf, rng: createRng(5), batchSize: 2 });
    const e = await attackImages(getAttack('eot-pgd'), { eps: 8, iterations: 10, samples: 3, distribution: 'none' }, items, opts());
    const p = await attackImages(pgd, { eps: 8, iterations: 10 }, items, opts());
    e.forEach((r, i) => expect(Buffer.from(r.adversarial.data).equals(Buffer.from(p[i].adversarial.data))).toBe(true));
    expect(e.some((r) => r.linf > 0)).toBe(true);
  });

  it('the straight-through JPEG gradient is the identity gradient taken at jpeg(x)', async () => {
    const x = randomX([2, 8, 8, 3]);
    const classes = Int32Array.from([0, 2]);
    const before = tf.memory().numTensors;
    const g = await eotGradient(clf, x, classes, [{ jpegQuality: 40 }]);
    const r = await jpegResidual(x, 40);
    const atJpeg = tf.add(x, r) as tf.Tensor4D;
    const ref = tf.tidy(() => lossGradient(clf, atJpeg, classes));
    expect(maxAbs(g, ref)).toBeLessThan(1e-6);
    expect(maxAbs(atJpeg, x)).toBeGreaterThan(0.01); // the codec really ran
    tf.dispose([g, r, atJpeg, ref]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('averages the gradients of its samples', async () => {
    const x = randomX([2, 8, 8, 3]);
    const classes = Int32Array.from([1, 3]);
    const rng = createRng(4);
    const draws = [0, 1, 2].map(() => sampleTransform(EOT_PRESETS.photometric, rng, 8, 8, 3));
    const g = await eotGradient(clf, x, classes, draws);
    const singles = await Promise.all(draws.map((d) => eotGradient(clf, x, classes, [d])));
    const mean = tf.tidy(() => tf.div(tf.addN(singles), 3));
    expect(maxAbs(g, mean)).toBeLessThan(1e-6);
    tf.dispose([x, g, mean, ...singles]);
  });

  it('evaluates on fresh samples without leaking', async () => {
    const x = randomX([3, 8, 8, 3]);
    const before = tf.memory().numTensors;
    const acc = await eotAccuracy(clf, x, Int32Array.from([0, 1, 2]), EOT_PRESETS['print-camera'], 4, createRng(1));
    expect(tf.memory().numTensors).toBe(before);
    expect(acc.perImage).toHaveLength(3);
    for (const v of acc.perImage) expect(v === 0 || v === 0.25 || v === 0.5 || v === 0.75 || v === 1).toBe(true);
    const t = await transformBatch(x, { jpegQuality: 90 });
    expect(t.shape).toEqual(x.shape);
    tf.dispose([t, x]);
  });
});

describe('differentiable stages', () => {
  it('an identity warp returns the input; the blur matches the registry blur', () => {
    const x = randomX([2, 7, 9, 3]);
    tf.tidy(() => {
      expect(maxAbs(warpImages(x, [1, 0, 0, 0, 1, 0, 0, 0, 1]), x)).toBe(0);
      expect(maxAbs(blurImages(x, 1.3), gaussianBlurTensor(x, 1.3))).toBeLessThan(1e-6);
      // A half-pixel shift to the right is the mean of each pixel and its left neighbour.
      const shifted = warpImages(x, [1, 0, -0.5, 0, 1, 0, 0, 0, 1]);
      const expected = tf.div(tf.add(tf.slice(x, [0, 0, 0, 0], [2, 7, 8, 3]), tf.slice(x, [0, 0, 1, 0], [2, 7, 8, 3])), 2);
      expect(maxAbs(tf.slice(shifted, [0, 0, 1, 0], [2, 7, 8, 3]), expected)).toBeLessThan(1e-6);
    });
    x.dispose();
  });

  it('gatherRows has the scatter-add gradient', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
      const idx = Int32Array.from([0, 0, 2, 1]); // 2 taps × 2 rows
      const w = Float32Array.from([1, 2, 3, 4]);
      const y = gatherRows(x, idx, w, 2);
      expect(Array.from(y.dataSync())).toEqual([1 + 3 * 5, 2 + 3 * 6, 2 * 1 + 4 * 3, 2 * 2 + 4 * 4]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(gatherRows(t as tf.Tensor2D, idx, w, 2)))(x);
      expect(Array.from(g.dataSync())).toEqual([3, 3, 4, 4, 3, 3]);
    });
  });

  describe.each(['cpu', 'wasm'])('on %s', (backend) => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      registerInputGradients();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it.each([1, 3])('matches finite differences through print, warp, lighting, blur and noise (%i channels)', (channels) => {
      const shape: [number, number, number, number] = [2, 6, 7, channels];
      const sample: EotSample = {
        print: { paper: [0.92, 0.9, 0.88].slice(0, channels), ink: [0.1, 0.12, 0.11].slice(0, channels), dotGain: 0.1, saturation: channels === 3 ? 0.8 : 1 },
        warp: [0.99, -0.05, 0.3, 0.05, 0.99, -0.2, 0.004, -0.003, 1],
        lighting: { gains: [1.03, 0.98, 0.99].slice(0, channels), gradient: 0.05, angle: 0.7, gain: 0.95, offset: 0.02 * 255 },
        blurSigma: 0.8,
        noise: { sigma: 1, seed: 11 },
      };
      const x = randomX(shape, 5);
      const rng = createRng(8);
      const wts = tf.tensor4d(Float32Array.from({ length: x.size }, () => rng.normal()), shape);
      const v = tf.tensor4d(Float32Array.from({ length: x.size }, () => rng.normal()), shape);
      const loss = (t: tf.Tensor) => tf.sum(tf.mul(applyEotSample(t as tf.Tensor4D, sample), wts));
      const [analytic, numeric] = tf.tidy(() => {
        const g = tf.grad(loss)(x);
        const h = 1e-2;
        const up = loss(tf.add(x, tf.mul(v, h))).dataSync()[0];
        const down = loss(tf.sub(x, tf.mul(v, h))).dataSync()[0];
        return [tf.sum(tf.mul(g, v)).dataSync()[0], (up - down) / (2 * h)];
      });
      // Every stage is affine or quadratic in x with no clip active, so the central difference is exact up to float32.
      expect(Math.abs(analytic - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      expect(Math.abs(analytic)).toBeGreaterThan(0.01);
      tf.dispose([x, wts, v]);
    });

    it('takes EOT gradients through the print-camera distribution without leaking', async () => {
      const lin = linearClassifier(
        [0, 1, 2].map((k) => Array.from({ length: 8 * 8 }, (_, i) => Math.sin(i * (k + 1)))),
        [0, 0.1, -0.1],
        { height: 8, width: 8, channels: 1 },
      );
      const x = randomX([2, 8, 8, 1]);
      const before = tf.memory().numTensors;
      const rng = createRng(6);
      const draws = Array.from({ length: 4 }, () => ({ ...sampleTransform(EOT_PRESETS['print-camera'], rng, 8, 8, 1), jpegQuality: 80 }));
      const g = await eotGradient(lin, x, Int32Array.from([0, 1]), draws);
      expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
      g.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      lin.dispose();
    });
  });
});
