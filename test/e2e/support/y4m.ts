/**
 * Writes a YUV4MPEG2 (.y4m) file for Chromium's fake webcam (--use-file-for-fake-video-capture):
 * header `YUV4MPEG2 W H F30:1 Ip A1:1 C420jpeg`, then per frame `FRAME\n` and the I420 planes
 * (full-size Y, quarter-size U and V), BT.601 limited range (Y 16..235, Cb/Cr 16..240), which is
 * what Chromium converts back to RGB. Chroma is averaged over each 2×2 block.
 */
import { writeFile } from 'node:fs/promises';

export function rgbToI420(rgb: Uint8Array, width: number, height: number, channels = 3): Uint8Array {
  if (width % 2 || height % 2) throw new Error(`I420 needs even dimensions, got ${width}×${height}`);
  const ySize = width * height;
  const cSize = ySize / 4;
  const out = new Uint8Array(ySize + 2 * cSize);
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0; i < ySize; i++) {
    const [r, g, b] = [rgb[i * channels], rgb[i * channels + 1], rgb[i * channels + 2]];
    out[i] = clamp(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let [r, g, b] = [0, 0, 0];
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = ((y + dy) * width + x + dx) * channels;
        r += rgb[p];
        g += rgb[p + 1];
        b += rgb[p + 2];
      }
      [r, g, b] = [r / 4, g / 4, b / 4];
      const c = (y / 2) * (width / 2) + x / 2;
      out[ySize + c] = clamp(128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255);
      out[ySize + cSize + c] = clamp(128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  return out;
}

/** A .y4m of `frames` copies of one RGB(A) image. */
export async function writeY4m(file: string, rgb: Uint8Array, width: number, height: number, opts: { channels?: number; frames?: number } = {}): Promise<void> {
  const i420 = rgbToI420(rgb, width, height, opts.channels ?? 3);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frame = Buffer.from('FRAME\n', 'ascii');
  const parts: Uint8Array[] = [header];
  for (let i = 0; i < (opts.frames ?? 2); i++) parts.push(frame, i420);
  await writeFile(file, Buffer.concat(parts));
}

/** A flat grey frame: the placeholder the browser is launched with before the real sheet photo exists. */
export async function writeGreyY4m(file: string, width: number, height: number, level = 96): Promise<void> {
  await writeY4m(file, new Uint8Array(width * height * 3).fill(level), width, height, { frames: 1 });
}
