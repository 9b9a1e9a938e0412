/**
 * Print model: what an office printer does to a digital sheet, per pixel, in [0,1] units.
 *
 * 1. Gamut compression: chroma is pulled toward the pixel's luma (Rec. 601) by `saturation`
 *    (CMYK toner cannot reach sRGB primaries).
 * 2. Dot gain: toner spreads, so ink coverage k = 1 - v grows most in the midtones:
 *    k' = k + 4 g k (1 - k), g = the gain at 50 % coverage (the printing trade's definition).
 * 3. Paper and ink: coverage 0 shows the paper white (not 255), full coverage the darkest
 *    black the toner reaches: v' = ink + (paper - ink)(1 - k'), per channel.
 *
 * The spatial part of dot gain (a blur of a fraction of a mm) is applied later in camera space,
 * folded into the lens blur: two Gaussians compose into one with sigma^2 = s1^2 + s2^2, and at
 * photo resolution it is a small fraction of a pixel, so a separate pass over the high-resolution
 * raster would cost seconds for no visible effect.
 *
 * Pointwise, so it runs in plain JS over the raster (not in tfjs: no gradient is needed and the
 * raster is several megapixels).
 */
import { makeImage8, type Image8 } from '../shared';

export interface PrintModel {
  /** Paper white, 0..255 per channel. */
  paperWhite: [number, number, number];
  /** Darkest printable colour (full black coverage), 0..255 per channel. */
  ink: [number, number, number];
  /** 1 keeps colours, 0 prints grey. */
  saturation: number;
  /** Midtone dot gain g (0.08: a 50 % grey prints as 58 % coverage). */
  dotGain: number;
  /** Sigma of the toner spread on the page, mm (folded into the camera blur). */
  dotBlurMm: number;
}

export const DEFAULT_PRINT: PrintModel = {
  paperWhite: [246, 244, 238],
  ink: [28, 27, 32],
  saturation: 0.85,
  dotGain: 0.08,
  dotBlurMm: 0.04,
};

/** A perfect printer: the digital sheet unchanged. */
export const IDEAL_PRINT: PrintModel = { paperWhite: [255, 255, 255], ink: [0, 0, 0], saturation: 1, dotGain: 0, dotBlurMm: 0 };

export function applyPrintModel(raster: Image8, model: PrintModel): Image8 {
  if (raster.channels !== 3) throw new RangeError('print model expects an RGB raster');
  // 256-entry tables for the tone part; only the saturation mix couples the channels.
  const tone = [0, 1, 2].map((c) => {
    const lut = new Float32Array(256);
    for (let i = 0; i < 256; i++) {
      const k = 1 - i / 255;
      const k2 = Math.min(1, k + 4 * model.dotGain * k * (1 - k));
      lut[i] = model.ink[c] + (model.paperWhite[c] - model.ink[c]) * (1 - k2);
    }
    return lut;
  });
  const src = raster.data;
  const out = new Uint8Array(src.length);
  const s = model.saturation;
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i];
    const g = src[i + 1];
    const b = src[i + 2];
    let rr = r;
    let gg = g;
    let bb = b;
    if (s !== 1 && !(r === g && g === b)) {
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      rr = clamp255(y + s * (r - y));
      gg = clamp255(y + s * (g - y));
      bb = clamp255(y + s * (b - y));
    }
    out[i] = Math.round(interp(tone[0], rr));
    out[i + 1] = Math.round(interp(tone[1], gg));
    out[i + 2] = Math.round(interp(tone[2], bb));
  }
  return makeImage8(raster.width, raster.height, 3, out);
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Linear interpolation in a 256-entry table (inputs may be fractional after the chroma mix). */
function interp(lut: Float32Array, v: number): number {
  const i = Math.floor(v);
  if (i >= 255) return lut[255];
  const f = v - i;
  return lut[i] * (1 - f) + lut[i + 1] * f;
}
