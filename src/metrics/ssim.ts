/**
 * SSIM as defined by Wang, Bovik, Sheikh & Simoncelli 2004 (and their ssim_index.m): an 11x11
 * Gaussian window with sigma 1.5 (normalised), K1 = 0.01, K2 = 0.03, L = 255, statistics from
 * the window only where it fits entirely inside the image ('valid'), SSIM = mean of the map.
 * No automatic downsampling (the later ssim.m revision adds it; we compare images at their
 * native size). Colour: computed per channel and averaged over R, G, B; alpha is ignored.
 */
import { PrintshotError, type Image8 } from '../shared';
import { assertSameShape } from './distance';

export interface SsimOptions {
  windowSize?: number;
  sigma?: number;
  k1?: number;
  k2?: number;
  dynamicRange?: number;
}

function window1d(size: number, sigma: number): Float64Array {
  const r = (size - 1) / 2;
  const w = new Float64Array(size);
  let sum = 0;
  // Centre tap set explicitly so a denormal sigma cannot produce 0/0.
  for (let i = 0; i < size; i++) sum += w[i] = i === r ? 1 : Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) w[i] /= sum;
  return w;
}

/** Separable 'valid' filtering of an h x w plane; output (h-s+1) x (w-s+1). */
function filterValid(src: Float64Array, h: number, w: number, k: Float64Array): Float64Array {
  const s = k.length;
  const ow = w - s + 1;
  const oh = h - s + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let t = 0; t < s; t++) acc += k[t] * src[y * w + x + t];
      tmp[y * ow + x] = acc;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let t = 0; t < s; t++) acc += k[t] * tmp[(y + t) * ow + x];
      out[y * ow + x] = acc;
    }
  }
  return out;
}

function ssimPlane(x: Float64Array, y: Float64Array, h: number, w: number, k: Float64Array, c1: number, c2: number): number {
  const n = x.length;
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const mx = filterValid(x, h, w, k);
  const my = filterValid(y, h, w, k);
  const sxx = filterValid(xx, h, w, k);
  const syy = filterValid(yy, h, w, k);
  const sxy = filterValid(xy, h, w, k);
  let total = 0;
  for (let i = 0; i < mx.length; i++) {
    const vx = sxx[i] - mx[i] * mx[i];
    const vy = syy[i] - my[i] * my[i];
    const cov = sxy[i] - mx[i] * my[i];
    total += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
  }
  return total / mx.length;
}

export function ssim(a: Image8, b: Image8, opts: SsimOptions = {}): number {
  assertSameShape(a, b);
  const size = opts.windowSize ?? 11;
  const sigma = opts.sigma ?? 1.5;
  const L = opts.dynamicRange ?? 255;
  const c1 = ((opts.k1 ?? 0.01) * L) ** 2;
  const c2 = ((opts.k2 ?? 0.03) * L) ** 2;
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new PrintshotError('bad-argument', `SSIM window size must be a positive odd integer (got ${size})`);
  }
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new PrintshotError('bad-argument', `SSIM sigma must be > 0 (got ${sigma})`);
  const { width: w, height: h, channels } = a;
  if (w < size || h < size) {
    throw new PrintshotError('bad-argument', `SSIM needs images at least ${size}x${size} (got ${w}x${h})`);
  }
  const k = window1d(size, sigma);
  const colour = channels === 4 ? 3 : channels;
  let sum = 0;
  for (let ch = 0; ch < colour; ch++) {
    const x = new Float64Array(w * h);
    const y = new Float64Array(w * h);
    for (let p = 0; p < w * h; p++) {
      x[p] = a.data[p * channels + ch];
      y[p] = b.data[p * channels + ch];
    }
    sum += ssimPlane(x, y, h, w, k, c1, c2);
  }
  return sum / colour;
}
