/**
 * A fitted channel profile as EOT's distribution (`--distribution profile.json`): the profile a
 * fit writes loads as a distribution with ranges around the fitted values, the colour stage
 * computes the profile's forward model, and the gradient through the profile's stages (colour,
 * warp, blur, noise) matches finite differences on a tiny input.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackImages, getAttack } from '../../../src/attacks';
import { describeDistribution, resolveDistribution, sampleTransform } from '../../../src/attacks/eot-distribution';
import { applyEotSample, colourImages } from '../../../src/attacks/eot-ops';
import { PROFILE_RANGES } from '../../../src/attacks/eot-profile';
import { applyColour, ChannelProfileSchema, type ChannelProfile } from '../../../src/calibration';
import { registerInputGradients } from '../../../src/kernels';
import { createRng, PrintshotError } from '../../../src/shared';
import { KNOWN } from '../../fixtures/channel';
import { randomImages, smallConvClassifier } from '../../fixtures/classifiers';

const PROFILE: ChannelProfile = ChannelProfileSchema.parse({
  schemaVersion: 1,
  ...KNOWN,
  residuals: { cells: [2, 2, 2], patches: null, cellsUnblurred: [3, 3, 3] },
  provenance: { experimentId: 'e', photos: ['p'], cells: 12, patches: 0, fittedAt: '2026-01-01T00:00:00.000Z', printshotVersion: 'test' },
});

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  registerInputGradients();
  dir = await mkdtemp(join(tmpdir(), 'eot-profile-'));
});

const randomX = (shape: [number, number, number, number], seed = 3) => {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.uniform(0.1, 0.9)), shape);
};

describe('a channel profile file as an EOT distribution', () => {
  it('loads with documented ranges around every fitted value', async () => {
    const file = join(dir, 'profile.json');
    await writeFile(file, JSON.stringify(PROFILE));
    const d = await resolveDistribution(file);
    expect(Object.keys(d)).toEqual(['colour', 'warp', 'blur', 'noise', 'jpeg']);
    d.colour!.gamma.forEach(([lo, hi], c) => {
      expect(lo).toBeCloseTo(KNOWN.tone.gamma[c] * PROFILE_RANGES.gamma[0], 3);
      expect(hi).toBeCloseTo(KNOWN.tone.gamma[c] * PROFILE_RANGES.gamma[1], 3);
    });
    expect(d.colour!.matrix).toEqual(KNOWN.matrix);
    expect(d.colour!.offset).toEqual(KNOWN.offset);
    expect(d.blur!.sigma[0]).toBeCloseTo(KNOWN.blurSigma * 0.8, 3);
    expect(d.blur!.sigma[1]).toBeCloseTo(KNOWN.blurSigma * 1.2, 3);
    expect(d.noise!.sigma).toEqual([1, 3]);
    expect(d.jpeg).toEqual({ quality: [87, 97], probability: 1 });
    expect(describeDistribution(d)).toMatch(/^colour \(gamma 1\.235–1\.365 .*±0\.03.*; warp .*; blur σ 0\.88–1\.32 px; noise σ 1–3; JPEG q 87–97 with p 1/);
    // Every draw stays inside the ranges.
    const rng = createRng(1);
    for (let k = 0; k < 50; k++) {
      const s = sampleTransform(d, rng, 8, 8, 3);
      s.colour!.matrix.forEach((v, i) => expect(Math.abs(v - KNOWN.matrix[Math.floor(i / 3)][i % 3])).toBeLessThanOrEqual(PROFILE_RANGES.matrixJitter + 1e-12));
      expect(s.blurSigma!).toBeGreaterThanOrEqual(d.blur!.sigma[0]);
      expect(s.jpegQuality).toBeGreaterThanOrEqual(87);
    }
  });

  it('leaves JPEG out for a profile fitted from lossless photos, and rejects a broken profile in one line', async () => {
    const png = join(dir, 'png.json');
    await writeFile(png, JSON.stringify({ ...PROFILE, jpegQuality: null }));
    expect((await resolveDistribution(png)).jpeg).toBeUndefined();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...PROFILE, matrix: [[1, 0, 0]] }));
    const err = await resolveDistribution(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrintshotError);
    expect((err as Error).message).toMatch(/bad\.json: not a channel profile v1 \(matrix/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('the colour stage is the profile forward model (RGB), and luma of it for grey images', () => {
    const s = { gamma: [...KNOWN.tone.gamma], matrix: KNOWN.matrix.flat(), offset: [...KNOWN.offset] };
    const px = [0.2, 0.5, 0.9];
    const y = tf.tidy(() => Array.from(colourImages(tf.tensor4d(px, [1, 1, 1, 3]), s).dataSync()));
    applyColour(KNOWN, px).forEach((v, c) => expect(y[c]).toBeCloseTo(v, 5));
    const grey = tf.tidy(() => colourImages(tf.tensor4d([0.4], [1, 1, 1, 1]), s).dataSync()[0]);
    const rgb = applyColour(KNOWN, [0.4, 0.4, 0.4]);
    expect(grey).toBeCloseTo(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2], 5);
  });

  describe.each(['cpu', 'wasm'])('on %s', (backend) => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      registerInputGradients();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it.each([1, 3])('the gradient through colour, warp, blur and noise matches finite differences (%i channels)', async (channels) => {
      const d = await resolveDistribution(join(dir, 'png.json'));
      const shape: [number, number, number, number] = [1, 5, 6, channels];
      const sample = sampleTransform(d, createRng(4), 5, 6, channels);
      expect(sample.colour && sample.warp && sample.blurSigma && sample.noise).toBeTruthy();
      const x = randomX(shape, 5);
      const rng = createRng(8);
      const wts = tf.tensor4d(Float32Array.from({ length: x.size }, () => rng.normal()), shape);
      const loss = (t: tf.Tensor) => tf.sum(tf.mul(applyEotSample(t as tf.Tensor4D, sample), wts));
      // Per-coordinate central differences on a few pixels: the tone curve is not affine, so h is small.
      const g = tf.tidy(() => Array.from(tf.grad(loss)(x).dataSync()));
      const base = Array.from(x.dataSync());
      const h = 2e-3;
      for (const i of [0, 7, 13, base.length - 1]) {
        const at = (delta: number) => tf.tidy(() => loss(tf.tensor4d(base.map((v, j) => (j === i ? v + delta : v)), shape)).dataSync()[0]);
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(g[i] - numeric)).toBeLessThan(2e-2 * Math.max(0.1, Math.abs(numeric)));
      }
      expect(g.some((v) => Math.abs(v) > 0.01)).toBe(true);
      tf.dispose([x, wts]);
    });
  });

  it('eot-pgd attacks through a profile file and stays in the eps ball', async () => {
    const spec = { height: 8, width: 8, channels: 3 as const };
    const clf = smallConvClassifier(spec, 4);
    const items = randomImages(spec, 2);
    const params = { eps: 8, iterations: 3, samples: 2, distribution: join(dir, 'profile.json') };
    const out = await attackImages(getAttack('eot-pgd'), params, items, { classifier: clf, rng: createRng(1) });
    expect(out).toHaveLength(2);
    for (const [i, r] of out.entries()) {
      const a = r.adversarial.data;
      const c = items[i].image.data;
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - c[j])).toBeLessThanOrEqual(8);
    }
    clf.dispose();
  });
});
