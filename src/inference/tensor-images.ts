/**
 * Conversions between 8-bit images (what files and IPC carry) and NHWC float tensors in [0,1]
 * (what attacks and the classifier see). Clean images are exact multiples of 1/255, which the
 * quantizers rely on to keep rounded results inside the eps ball.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeImage8, type Image8 } from '../shared';

export function imagesToTensor(images: readonly Image8[]): tf.Tensor4D {
  if (images.length === 0) throw new RangeError('imagesToTensor: empty batch');
  const { width, height, channels } = images[0];
  const size = width * height * channels;
  const buf = new Float32Array(images.length * size);
  images.forEach((img, i) => {
    if (img.width !== width || img.height !== height || img.channels !== channels) {
      throw new RangeError(
        `imagesToTensor: image ${i} is ${img.width}x${img.height}x${img.channels}, batch is ${width}x${height}x${channels}`,
      );
    }
    for (let j = 0; j < size; j++) buf[i * size + j] = img.data[j] / 255;
  });
  return tf.tensor4d(buf, [images.length, height, width, channels]);
}

/** Round-half-up to 8 bits and clip to [0,255]; the same rule is used everywhere an image is saved. */
export function to8bit(v: number): number {
  const r = Math.floor(v * 255 + 0.5);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

export async function tensorToImages(x: tf.Tensor4D): Promise<Image8[]> {
  const [n, height, width, channels] = x.shape;
  const data = await x.data();
  const size = height * width * channels;
  const out: Image8[] = [];
  for (let i = 0; i < n; i++) {
    const px = new Uint8Array(size);
    for (let j = 0; j < size; j++) px[j] = to8bit(data[i * size + j]);
    out.push(makeImage8(width, height, channels as 1 | 3, px));
  }
  return out;
}

/**
 * Rounds an adversarial float image to 8 bits without leaving the L∞ ball of radius eps
 * (0..255 scale) around the 8-bit clean image: plain rounding of x0+2.5 would give x0+3.
 */
export function quantizeIntoBall(adv: Image8, clean: Image8, eps: number): Image8 {
  const out = new Uint8Array(adv.data.length);
  const lo = Math.ceil(-eps - 1e-9);
  const hi = Math.floor(eps + 1e-9);
  for (let j = 0; j < out.length; j++) {
    const c = clean.data[j];
    const d = Math.min(hi, Math.max(lo, adv.data[j] - c));
    out[j] = Math.min(255, Math.max(0, c + d));
  }
  return makeImage8(adv.width, adv.height, adv.channels, out);
}
