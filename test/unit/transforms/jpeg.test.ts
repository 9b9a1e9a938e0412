import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransform8, encodeJpeg, jpeg, jpegRoundTrip } from '../../../src/transforms';
import { imageNorms } from '../../../src/metrics';
import { createRng, makeImage8, type Image8 } from '../../../src/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** A smooth gradient with some texture: compresses well at high quality, visibly at low. */
function testImage(channels: 1 | 3, w = 32, h = 24): Image8 {
  const im = makeImage8(w, h, channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 40 + 5 * x + 3 * y + 25 * Math.sin((x + 2 * c) / 2) * Math.cos(y / 3);
        im.data[(y * w + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v + 30 * c)));
      }
    }
  }
  return im;
}

describe('jpeg', () => {
  it('changes the image a lot at low quality and little at 100 (RGB and gray)', async () => {
    for (const c of [1, 3] as const) {
      const im = testImage(c);
      const low = imageNorms(im, await jpegRoundTrip(im, 10));
      const high = imageNorms(im, await jpegRoundTrip(im, 100));
      expect(low.rms).toBeGreaterThan(2);
      expect(high.rms).toBeLessThan(low.rms / 3);
      expect(high.linf).toBeLessThanOrEqual(c === 1 ? 2 : 16); // 4:2:0 chroma still costs at q=100
    }
  });

  it('quality 100 is not the identity', async () => {
    const im = testImage(3);
    expect(imageNorms(im, await jpegRoundTrip(im, 100)).l0).toBeGreaterThan(0);
  });

  it('keeps grayscale 1-channel and encodes RGB with 4:2:0 chroma subsampling', async () => {
    const gray = await jpegRoundTrip(testImage(1), 50);
    expect(gray.channels).toBe(1);
    // Inspect the bitstream headers: subsampling stays on even at quality 100.
    const rgbMeta = await sharp(await encodeJpeg(testImage(3), 100)).metadata();
    expect(rgbMeta).toMatchObject({ chromaSubsampling: '4:2:0', channels: 3, isProgressive: false });
    const grayMeta = await sharp(await encodeJpeg(testImage(1), 100)).metadata();
    expect(grayMeta).toMatchObject({ channels: 1, space: 'b-w' });
  });

  it('tensor apply: async, in [0,1], on the 8-bit grid, no leaks, matches applyTransform8', async () => {
    const im = testImage(3);
    const x = tf.tensor4d(Float32Array.from(im.data, (v) => v / 255), [1, 24, 32, 3]);
    const before = tf.memory().numTensors;
    const y = await jpeg.apply(x, { quality: 30 }, createRng(1));
    expect(tf.memory().numTensors).toBe(before + 1);
    const vals = await y.data();
    for (const v of vals) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-3);
    }
    const [viaBytes] = await applyTransform8(jpeg, [im], { quality: 30 }, createRng(1));
    expect(Array.from(vals, (v) => Math.round(v * 255))).toEqual(Array.from(viaBytes.data));
    tf.dispose([x, y]);
  });

  it('rejects alpha-channel tensors and passes alpha through in applyTransform8', async () => {
    const x = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
    await expect(Promise.resolve().then(() => jpeg.apply(x, { quality: 50 }, createRng(1)))).rejects.toThrow(/1- or 3-channel/);
    x.dispose();
    const rgba = makeImage8(16, 16, 4, Uint8Array.from({ length: 16 * 16 * 4 }, (_, i) => (i % 4 === 3 ? 77 : (i * 5) % 256)));
    const [out] = await applyTransform8(jpeg, [rgba], { quality: 20 }, createRng(1));
    expect(out.channels).toBe(4);
    for (let p = 0; p < 256; p++) expect(out.data[p * 4 + 3]).toBe(77);
  });
});
