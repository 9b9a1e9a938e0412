/**
 * Bilinear sampling of an Image8 at continuous coordinates on the edge grid (pixel (i, j)
 * covers [i, i+1) x [j, j+1), centre at +0.5). Shared by the rectifier and the simulator's
 * camera, so both sides of the round trip interpolate the same way.
 */
import type { Image8 } from '../shared';

/**
 * Writes the RGB value (0..255, unrounded) at (x, y) into out[o..o+2]. Returns false, leaving
 * `out` untouched, when the point lies outside the image (beyond the outer pixel centres by
 * more than half a pixel); inside that half-pixel border the edge pixels are extended.
 */
export function sampleBilinear(img: Image8, x: number, y: number, out: Float32Array | Float64Array, o: number): boolean {
  const { width, height, channels, data } = img;
  if (!(x >= 0 && y >= 0 && x <= width && y <= height)) return false;
  const fx = Math.min(Math.max(x - 0.5, 0), width - 1);
  const fy = Math.min(Math.max(y - 0.5, 0), height - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const w00 = (1 - ax) * (1 - ay);
  const w10 = ax * (1 - ay);
  const w01 = (1 - ax) * ay;
  const w11 = ax * ay;
  const i00 = (y0 * width + x0) * channels;
  const i10 = (y0 * width + x1) * channels;
  const i01 = (y1 * width + x0) * channels;
  const i11 = (y1 * width + x1) * channels;
  if (channels === 1) {
    const v = data[i00] * w00 + data[i10] * w10 + data[i01] * w01 + data[i11] * w11;
    out[o] = out[o + 1] = out[o + 2] = v;
    return true;
  }
  for (let k = 0; k < 3; k++) out[o + k] = data[i00 + k] * w00 + data[i10 + k] * w10 + data[i01 + k] * w01 + data[i11 + k] * w11;
  return true;
}
