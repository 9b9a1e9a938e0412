/**
 * The perturbation adv − clean as pictures and numbers: a diverging heat map (blue below zero,
 * white at zero, red above, scaled by a gain so that eps-sized changes are visible) and a
 * histogram of the per-channel differences. RGBA in, RGBA out, as canvases give them.
 */

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** The largest gain the view offers: ×32 turns a one-level change into an eighth of the scale. */
export const MAX_GAIN = 32;

/**
 * Per pixel, the colour channels' differences are averaged (signed) and mapped through
 * white → red (positive) or white → blue (negative); |gain · d| ≥ 255 saturates.
 */
export function heatmap(clean: Rgba, adversarial: Rgba, gain: number): Uint8ClampedArray {
  if (clean.width !== adversarial.width || clean.height !== adversarial.height) throw new Error('the clean and adversarial images differ in size');
  const out = new Uint8ClampedArray(clean.width * clean.height * 4);
  for (let i = 0; i < out.length; i += 4) {
    const d = (adversarial.data[i] - clean.data[i] + adversarial.data[i + 1] - clean.data[i + 1] + adversarial.data[i + 2] - clean.data[i + 2]) / 3;
    const t = Math.min(1, (Math.abs(d) * gain) / 255);
    const fade = Math.round(255 * (1 - t));
    out[i] = d > 0 ? 255 : fade;
    out[i + 1] = fade;
    out[i + 2] = d < 0 ? 255 : fade;
    out[i + 3] = 255;
  }
  return out;
}

export interface Histogram {
  /** One bin per integer difference from min to max. */
  values: number[];
  counts: number[];
  /** L∞ of the perturbation, in 8-bit levels. */
  linf: number;
}

/**
 * Histogram of adv − clean over every pixel's colour channels (alpha left out). A grey image
 * drawn to a canvas has R = G = B, so it counts one value per pixel (not three).
 */
export function perturbationHistogram(clean: Rgba, adversarial: Rgba): Histogram {
  if (clean.width !== adversarial.width || clean.height !== adversarial.height) throw new Error('the clean and adversarial images differ in size');
  const grey = isGrey(clean) && isGrey(adversarial);
  const byValue = new Map<number, number>();
  let linf = 0;
  for (let i = 0; i < clean.data.length; i += 4) {
    for (let k = 0; k < (grey ? 1 : 3); k++) {
      const d = adversarial.data[i + k] - clean.data[i + k];
      byValue.set(d, (byValue.get(d) ?? 0) + 1);
      linf = Math.max(linf, Math.abs(d));
    }
  }
  const values: number[] = [];
  for (let v = -linf; v <= linf; v++) values.push(v);
  return { values, counts: values.map((v) => byValue.get(v) ?? 0), linf };
}

function isGrey(img: Rgba): boolean {
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2]) return false;
  return true;
}
