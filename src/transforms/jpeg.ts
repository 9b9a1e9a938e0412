/**
 * JPEG compression with a real codec (sharp / libvips). Each image is quantised to 8 bits the
 * way it would be saved, encoded at the given quality and decoded again.
 *
 * Encoder settings, all set explicitly so results do not drift with sharp defaults:
 * - chroma subsampling 4:2:0 for RGB (the libjpeg / PIL / TensorFlow default the paper's
 *   pipeline most plausibly used); grayscale images are encoded as 1-channel JPEG, so there is
 *   no chroma at all;
 * - quantisation table 0 (the standard Annex K tables that the IJG quality 1..100 scale refers
 *   to), baseline (not progressive), no mozjpeg presets, no trellis quantisation, no
 *   overshoot deringing. sharp's '4:2:0' forces subsampling on at every quality (libvips'
 *   own default would turn it off above quality 90).
 * Not differentiable: the codec runs outside tf.
 */
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { z } from 'zod';
import { makeImage8, PrintshotError, type Image8 } from '../shared';
import { rangedNumber } from './params';
import { quantizeToBytes } from './quantize';
import type { TransformDescriptor } from './types';

export const JPEG_CHROMA_SUBSAMPLING = '4:2:0';

/** Encode an 8-bit 1- or 3-channel image as JPEG with the fixed settings above. */
export async function encodeJpeg(image: Image8, quality: number): Promise<Buffer> {
  const { width, height, channels } = image;
  if (channels !== 1 && channels !== 3) {
    throw new PrintshotError('bad-argument', `jpeg needs 1- or 3-channel images (got ${channels})`, 'drop the alpha channel first');
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new PrintshotError('bad-argument', `quality must be an integer between 1 and 100 (IJG scale) (got ${quality})`);
  }
  let enc = sharp(image.data, { raw: { width, height, channels } });
  // Without this sharp promotes a 1-channel raw input to a 3-channel sRGB JPEG.
  if (channels === 1) enc = enc.toColourspace('b-w');
  return enc
    .jpeg({
      quality,
      chromaSubsampling: JPEG_CHROMA_SUBSAMPLING,
      quantisationTable: 0,
      progressive: false,
      mozjpeg: false,
      trellisQuantisation: false,
      overshootDeringing: false,
      optimiseScans: false,
    })
    .toBuffer();
}

/** Encode an 8-bit image as JPEG at `quality` and decode it back (same size and channels). */
export async function jpegRoundTrip(image: Image8, quality: number): Promise<Image8> {
  const { width, height, channels } = image;
  const buf = await encodeJpeg(image, quality);
  let dec = sharp(buf);
  // libvips decodes a grayscale JPEG to 3 identical channels; channel 0 is the exact gray value.
  if (channels === 1) dec = dec.extractChannel(0);
  const { data, info } = await dec.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== channels) {
    throw new Error(`jpeg round trip changed shape: ${info.width}x${info.height}x${info.channels}`);
  }
  return makeImage8(width, height, channels, new Uint8Array(data.buffer, data.byteOffset, data.length).slice());
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
