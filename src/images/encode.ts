/**
 * Writing Image8 as PNG. PNG because adversarial perturbations are a few levels out of 255:
 * any lossy format (JPEG) would partly erase them before the image is ever printed.
 */
import sharp from 'sharp';
import { PrintshotError, type Image8 } from '../shared';
import { atomicWrite, sha256 } from '../shared/node/atomic';
import { decodeImage } from './decode';

/**
 * Lossless 8-bit PNG: 1 channel → grayscale PNG, 3 → RGB, 4 → RGBA. No metadata is embedded, so
 * the same pixels always give the same bytes (and the same sha256) with a given sharp version.
 */
export async function encodePng(img: Image8): Promise<Buffer> {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PrintshotError('bad-image', `cannot encode a ${width}×${height} image`);
  }
  if (data.length !== width * height * channels) {
    throw new PrintshotError('bad-image', `image data has ${data.length} bytes, expected ${width}×${height}×${channels}`);
  }
  const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let pipe = sharp(input, { raw: { width, height, channels } });
  // Without this sharp writes single-channel input as RGB.
  if (channels === 1) pipe = pipe.toColourspace('b-w');
  return pipe.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
}

/**
 * Decodes PNG bytes with readImage8's rules (alpha flattened on white, 16-bit → 8-bit). For a
 * 1- or 3-channel image written by encodePng, decodePng(encodePng(img)) has identical pixels.
 */
export async function decodePng(bytes: Uint8Array, opts: { channels?: 1 | 3 } = {}, name = 'PNG'): Promise<Image8> {
  return decodeImage(bytes, opts, name);
}

/** Encodes and atomically writes a PNG (creating folders); returns the file's sha256. */
export async function writePng(path: string, img: Image8): Promise<string> {
  const png = await encodePng(img);
  await atomicWrite(path, png);
  return sha256(png);
}
