/**
 * JPEG compression with a real codec. Each image is quantised to 8 bits the way it would be saved,
 * encoded at the given quality and decoded again. The codec comes from the installed host
 * (src/shared/platform.ts); the Node one is sharp / libvips with the fixed settings in
 * node/jpeg.ts, so this module stays free of Node. Not differentiable: the codec runs outside tf.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { makeImage8, PrintshotError, type Image8 } from '../shared';
import { host } from '../shared/platform';
import { rangedNumber } from './params';
import { quantizeToBytes } from './quantize';
import type { TransformDescriptor } from './types';

/** Encode an 8-bit 1- or 3-channel image as JPEG with the installed codec. */
export async function encodeJpeg(image: Image8, quality: number): Promise<Uint8Array> {
  const { channels } = image;
  if (channels !== 1 && channels !== 3) {
    throw new PrintshotError('bad-argument', `jpeg needs 1- or 3-channel images (got ${channels})`, 'drop the alpha channel first');
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new PrintshotError('bad-argument', `quality must be an integer between 1 and 100 (IJG scale) (got ${quality})`);
  }
  return host().jpeg.encode(image, quality);
}

/** Decode JPEG bytes to an 8-bit image with `channels` channels. */
export function decodeJpeg(bytes: Uint8Array, channels: 1 | 3): Promise<Image8> {
  return host().jpeg.decode(bytes, channels);
}

/** Encode an 8-bit image as JPEG at `quality` and decode it back (same size and channels). */
export async function jpegRoundTrip(image: Image8, quality: number): Promise<Image8> {
  const { width, height, channels } = image;
  const back = await decodeJpeg(await encodeJpeg(image, quality), channels as 1 | 3);
  if (back.width !== width || back.height !== height || back.channels !== channels) {
    throw new Error(`jpeg round trip changed shape: ${back.width}x${back.height}x${back.channels}`);
  }
  return back;
}

const jpegParams = z.strictObject({
  quality: rangedNumber('quality', 1, 100, 75, { int: true, unit: '(IJG scale)' }),
});

export const jpeg: TransformDescriptor<{ quality: number }> = {
  id: 'jpeg',
  title: 'JPEG compression (quality)',
  sweepParam: 'quality',
  params: jpegParams,
  paperRange: { min: 10, max: 100 },
  sweep: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  // imagecorruptions jpeg_compression: PIL quality on the same IJG scale.
  presets: [25, 18, 15, 10, 7].map((c, i) => ({ severity: i + 1, value: c })),
  differentiable: false,
  async apply(x, { quality }) {
    const [n, h, w, c] = x.shape;
    if (c !== 1 && c !== 3) {
      throw new PrintshotError('bad-argument', `jpeg needs 1- or 3-channel images (got ${c})`);
    }
    const values = await x.data();
    const per = h * w * c;
    const out = new Float32Array(values.length);
    for (let i = 0; i < n; i++) {
      const img = makeImage8(w, h, c, quantizeToBytes(values, i * per, per));
      const back = await jpegRoundTrip(img, quality);
      for (let j = 0; j < per; j++) out[i * per + j] = back.data[j] / 255;
    }
    return tf.tensor4d(out, [n, h, w, c]);
  },
};
