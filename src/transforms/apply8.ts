/**
 * Apply a transform to 8-bit images the way the experiment does on disk: bytes -> [0,1] floats
 * -> transform -> round half up and clip to 0..255, as when the result is saved as PNG.
 * An alpha channel is not a colour: it is passed through untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeImage8, type Image8, type Rng } from '../shared';
import { batchShape, imagesToFloat, quantizeToBytes } from './quantize';
import { parseTransformParams } from './registry';
import type { TransformDescriptor } from './types';

export async function applyTransform8<P extends Record<string, number>>(
  desc: TransformDescriptor<P>,
  images: readonly Image8[],
  params: Partial<P> | Record<string, unknown>,
  rng: Rng,
): Promise<Image8[]> {
  const [h, w, c] = batchShape(images);
  const p = parseTransformParams(desc, params);
  const colour = c === 4 ? 3 : c;
  const x = tf.tensor4d(imagesToFloat(images, colour), [images.length, h, w, colour]);
  let values: Float32Array;
  try {
    const y = await desc.apply(x, p, rng);
    try {
      values = (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
  const per = h * w * colour;
  return images.map((im, i) => {
    const bytes = quantizeToBytes(values, i * per, per);
    if (c !== 4) return makeImage8(w, h, c, bytes);
    const out = new Uint8Array(h * w * 4);
    for (let q = 0; q < h * w; q++) {
      out[q * 4] = bytes[q * 3];
      out[q * 4 + 1] = bytes[q * 3 + 1];
      out[q * 4 + 2] = bytes[q * 3 + 2];
      out[q * 4 + 3] = im.data[q * 4 + 3];
    }
    return makeImage8(w, h, 4, out);
  });
}
