/**
 * Float [0,1] <-> 8-bit conversion, matching how a saved PNG stores a pixel: scale by 255,
 * round half up, clip to 0..255.
 */
import { makeImage8, PrintshotError, type Image8 } from '../shared';

/**
 * Tolerance (in intensity levels) for exact halves: an exact x.5 computed in float32 may land a
 * few ulps below the half (e.g. 3.4999998) and would otherwise round down. 1e-4 levels is ~7x the
 * float32 error of a value near 255 after a couple of ops and far below any real difference.
 */
const HALF_TOLERANCE = 1e-4;

/** One [0,1] float to a byte: round half up, clip. NaN maps to 0. */
export function toByte(v: number): number {
  const q = Math.floor(v * 255 + 0.5 + HALF_TOLERANCE);
  return q > 255 ? 255 : q >= 0 ? q : 0;
}

export function quantizeToBytes(values: ArrayLike<number>, start = 0, length = values.length - start): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = toByte(values[start + i]);
  return out;
}

/** Checks a batch shares one size and channel count; returns [height, width, channels]. */
export function batchShape(images: readonly Image8[]): [number, number, 1 | 3 | 4] {
  if (images.length === 0) throw new PrintshotError('bad-argument', 'no images to transform');
  const { width, height, channels } = images[0];
  for (const im of images) {
    if (im.width !== width || im.height !== height || im.channels !== channels) {
      throw new PrintshotError(
        'bad-argument',
        `images in one batch must share size and channels: ${width}x${height}x${channels} vs ${im.width}x${im.height}x${im.channels}`,
      );
    }
  }
  return [height, width, channels];
}

/** Bytes of several images to one NHWC float array in [0,1], optionally keeping only the first `keep` channels. */
export function imagesToFloat(images: readonly Image8[], keep?: number): Float32Array {
  const [h, w, c] = batchShape(images);
  const k = keep ?? c;
  const out = new Float32Array(images.length * h * w * k);
  let o = 0;
  for (const im of images) {
    for (let p = 0; p < h * w; p++) for (let j = 0; j < k; j++) out[o++] = im.data[p * c + j] / 255;
  }
  return out;
}

export function floatToImage(values: ArrayLike<number>, offset: number, width: number, height: number, channels: 1 | 3 | 4): Image8 {
  return makeImage8(width, height, channels, quantizeToBytes(values, offset, width * height * channels));
}
