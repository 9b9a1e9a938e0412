/** An image's RGBA pixels: decoded off the main thread (object-url's decodeImage), read back from a small canvas; null where there is no 2D canvas. */
import { decodeImage } from '../composables/object-url';

export async function imagePixels(bytes: Uint8Array): Promise<ImageData | null> {
  const img = await decodeImage(bytes);
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, c.width, c.height);
}
