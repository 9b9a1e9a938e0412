/**
 * The compute worker's Host (src/shared/platform.ts): a JPEG codec from the browser's own
 * encoder and decoder (OffscreenCanvas.convertToBlob / createImageBitmap), for EOT's JPEG step.
 * Not byte-identical to the engine's sharp/libjpeg codec (Chromium's chroma upsampling and
 * rounding differ), so EOT runs whose distribution includes JPEG are not part of the parity
 * check (docs/gpu.md). Files named by the user cannot be read from here: a distribution file is
 * resolved by the page into an object before the job starts.
 */
import { PrintshotError, type Image8 } from '../../../src/shared';
import { installHost, type Host } from '../../../src/shared/platform';

async function encode(image: Image8, quality: number): Promise<Uint8Array> {
  const { width, height, channels, data } = image;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new PrintshotError('not-available', 'no 2D canvas in the compute worker for JPEG encoding');
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = data[p * channels + (channels === 1 ? 0 : c)];
    rgba[p * 4 + 3] = 255;
  }
  ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: quality / 100 });
  return new Uint8Array(await blob.arrayBuffer());
}

async function decode(bytes: Uint8Array, channels: 1 | 3): Promise<Image8> {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new PrintshotError('not-available', 'no 2D canvas in the compute worker for JPEG decoding');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    // A grey JPEG decodes to equal R, G, B; luma for colour ones, as a 1-channel decoder gives.
    if (channels === 1) out[p] = Math.round(0.299 * rgba[p * 4] + 0.587 * rgba[p * 4 + 1] + 0.114 * rgba[p * 4 + 2]);
    else for (let c = 0; c < 3; c++) out[p * 3 + c] = rgba[p * 4 + c];
  }
  return { width, height, channels, data: out };
}

export function installBrowserHost(): void {
  const host: Host = {
    jpeg: { encode, decode },
    readText: () => Promise.reject(new PrintshotError('bad-argument', 'the compute context cannot read files: pass the EOT distribution as an object')),
  };
  installHost(host);
}
