/**
 * Fits a channel profile (channel-profile.ts) from pairs of (digital cell image, the same cell
 * sampled from a registered photo at the cell's pixel centres) and the calibration-strip patch
 * means (measure.ts). Browser-safe: no Node imports.
 *
 *   tone gamma   per channel from the grey patches (gamma fit of measure.ts), 1 without a strip,
 *                then refined per channel on the full residual
 *   PSF sigma    golden-section search on [0, 4] cell px; for each sigma the matrix and offset are
 *                solved by least squares on blur(t(digital)) against the photo
 *   matrix       weighted least squares over cell pixels and patch means (patches have no blur)
 *   noise        the std of the cell residual at the optimum (sensor noise + JPEG error)
 *
 * The PSF is a continuous Gaussian over nearest-neighbour-printed pixels, so the discrete kernel
 * is the Gaussian integrated over one pixel (erf differences), not a sampled Gaussian: sigma is
 * then the physical blur in cell pixels, independent of the printed pixel size.
 */
import type { Image8 } from '../shared';
import type { CellPlacement } from '../sheets/types';
import { applyHomography, type Homography } from '../registration/homography';
import { sampleBilinear } from '../registration/sample';
import { fitResponse, type PatchMeasurement } from './measure';
import type { ChannelParams, ChannelProfile } from './channel-profile';

export interface CellPair {
  /** The digital cell (grey or RGB), 0..255. */
  digital: Image8;
  /** The photo sampled at each digital pixel's centre, RGB 0..255, NaN where outside the photo. */
  photo: Float32Array;
}

export interface ChannelFitInput {
  cells: readonly CellPair[];
  patches: readonly PatchMeasurement[];
  jpegQuality: number | null;
}

export type ChannelFit = ChannelParams & { residuals: ChannelProfile['residuals'] };

/** Pixels this close to a cell edge are left out: the blur there mixes in the paper or a neighbour. */
export const CELL_MARGIN = 3;
const PATCH_WEIGHT = 16;
const SIGMA_MAX = 4;

/** Samples a registered photo at the centres of a cell's digital pixels. */
export function sampleCell(photo: Image8, pageToPhoto: Homography, cell: CellPlacement): Float32Array {
  const w = cell.pixelWidth;
  const h = cell.pixelHeight;
  const out = new Float32Array(w * h * 3).fill(NaN);
  const px = new Float64Array(3);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const q = applyHomography(pageToPhoto, { x: cell.xMm + ((i + 0.5) / w) * cell.widthMm, y: cell.yMm + ((j + 0.5) / h) * cell.heightMm });
      if (!sampleBilinear(photo, q.x, q.y, px, 0)) continue;
      for (let c = 0; c < 3; c++) out[(j * w + i) * 3 + c] = px[c];
    }
  }
  return out;
}

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Weights of a Gaussian of `sigma` px integrated over each unit pixel, offsets −r..r. */
export function pixelKernel(sigma: number): Float64Array {
  if (sigma < 1e-3) return Float64Array.of(1);
  const r = Math.max(1, Math.ceil(3 * sigma + 0.5));
  const k = new Float64Array(2 * r + 1);
  const d = sigma * Math.SQRT2;
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = 0.5 * (erf((i + 0.5) / d) - erf((i - 0.5) / d));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable blur of an interleaved float image, edges clamped. */
export function blurPlanar(src: Float64Array, w: number, h: number, sigma: number): Float64Array {
  const k = pixelKernel(sigma);
  if (k.length === 1) return src;
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(src.length);
  const out = new Float64Array(src.length);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let d = -r; d <= r; d++) s += k[d + r] * src[(j * w + Math.min(w - 1, Math.max(0, i + d))) * 3 + c];
        tmp[(j * w + i) * 3 + c] = s;
      }
  for (let j = 0; j < h; j++)
    for (let i = 0; i < w; i++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let d = -r; d <= r; d++) s += k[d + r] * tmp[(Math.min(h - 1, Math.max(0, j + d)) * w + i) * 3 + c];
        out[(j * w + i) * 3 + c] = s;
      }
  return out;
}

function toned(img: Image8, gamma: readonly number[]): Float64Array {
  const n = img.width * img.height;
  const out = new Float64Array(n * 3);
  for (let p = 0; p < n; p++)
    for (let c = 0; c < 3; c++) out[p * 3 + c] = (img.data[p * img.channels + (img.channels === 1 ? 0 : c)] / 255) ** gamma[c];
  return out;
}

/** Solves the 4×4 system a·x = b in place (Gaussian elimination with partial pivoting). */
function solve4(a: number[][], b: number[]): number[] {
  const n = 4;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    [a[col], a[piv]] = [a[piv], a[col]];
    [b[col], b[piv]] = [b[piv], b[col]];
    const d = a[col][col] || 1e-12;
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / d;
      for (let k = col; k < n; k++) a[r][k] -= f * a[col][k];
      b[r] -= f * b[col];
    }
  }
  const x = [0, 0, 0, 0];
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * x[k];
    x[r] = s / (a[r][r] || 1e-12);
  }
  return x;
}

interface Solved {
  matrix: ChannelParams['matrix'];
  offset: ChannelParams['offset'];
  cellRms: [number, number, number];
  patchRms: [number, number, number] | null;
  loss: number;
}

/** For a tone curve and sigma: least-squares matrix + offset, and the residual RMS (levels). */
function solveAt(input: ChannelFitInput, gamma: readonly number[], sigma: number): Solved {
  const rows: { x: number[]; y: number[]; w: number; cell: boolean }[] = [];
  for (const { digital, photo } of input.cells) {
    const { width: w, height: h } = digital;
    const t = blurPlanar(toned(digital, gamma), w, h, sigma);
    for (let j = CELL_MARGIN; j < h - CELL_MARGIN; j++)
      for (let i = CELL_MARGIN; i < w - CELL_MARGIN; i++) {
        const o = (j * w + i) * 3;
        const y = [photo[o], photo[o + 1], photo[o + 2]];
        // Clipped or missing samples say nothing about the linear part.
        if (!y.every((v) => v > 1 && v < 254)) continue;
        rows.push({ x: [t[o], t[o + 1], t[o + 2]], y: y.map((v) => v / 255), w: 1, cell: true });
      }
  }
  for (const p of input.patches) {
    if (!p.samples || !p.measured.every((v) => v > 1 && v < 254)) continue;
    rows.push({ x: p.nominal.map((v, c) => (v / 255) ** gamma[c]), y: p.measured.map((v) => v / 255), w: PATCH_WEIGHT, cell: false });
  }
  const ata = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
  const aty = [0, 1, 2].map(() => [0, 0, 0, 0]);
  for (const r of rows) {
    const a = [r.x[0], r.x[1], r.x[2], 1];
    for (let p = 0; p < 4; p++) {
      for (let q = 0; q < 4; q++) ata[p][q] += r.w * a[p] * a[q];
      for (let c = 0; c < 3; c++) aty[c][p] += r.w * a[p] * r.y[c];
    }
  }
  const sol = [0, 1, 2].map((c) => solve4(ata.map((row) => [...row]), [...aty[c]]));
  const matrix = sol.map((s) => [s[0], s[1], s[2]]) as ChannelParams['matrix'];
  const offset = sol.map((s) => s[3]) as ChannelParams['offset'];
  const sse = [0, 0, 0];
  const psse = [0, 0, 0];
  let n = 0;
  let pn = 0;
  let loss = 0;
  for (const r of rows) {
    for (let c = 0; c < 3; c++) {
      const e = (sol[c][0] * r.x[0] + sol[c][1] * r.x[1] + sol[c][2] * r.x[2] + sol[c][3] - r.y[c]) * 255;
      (r.cell ? sse : psse)[c] += e * e;
      loss += r.w * e * e;
    }
    if (r.cell) n++;
    else pn++;
  }
  const rms = (s: number[], k: number) => s.map((v) => Math.sqrt(v / Math.max(1, k))) as [number, number, number];
  return { matrix, offset, cellRms: rms(sse, n), patchRms: pn ? rms(psse, pn) : null, loss };
}

/** Golden-section search for the minimum of a unimodal f on [lo, hi]. */
export function goldenMin(f: (x: number) => number, lo: number, hi: number, iters = 30): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let i = 0; i < iters; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = f(b);
    }
  }
  return (lo + hi) / 2;
}

export function fitChannel(input: ChannelFitInput): ChannelFit {
  if (!input.cells.length && !input.patches.length) throw new RangeError('channel fit needs registered cells or calibration patches');
  const greys = fitResponse(input.patches);
  const gamma = greys.channels.map((c) => (Number.isFinite(c.gamma.gamma) ? c.gamma.gamma : 1));
  let sigma = input.cells.length ? goldenMin((s) => solveAt(input, gamma, s).loss, 0, SIGMA_MAX, 24) : 0;
  if (input.cells.length) {
    // The grey patches pin each channel's gamma only when the matrix is diagonal; refine it on all data.
    for (let c = 0; c < 3; c++) {
      const g0 = gamma[c];
      gamma[c] = goldenMin((g) => solveAt(input, gamma.map((v, k) => (k === c ? g : v)), sigma).loss, g0 * 0.6, g0 * 1.6, 20);
    }
    sigma = goldenMin((s) => solveAt(input, gamma, s).loss, 0, SIGMA_MAX, 24);
  }
  const best = solveAt(input, gamma, sigma);
  const unblurred = input.cells.length ? solveAt(input, gamma, 0).cellRms : best.cellRms;
  return {
    tone: { gamma: gamma as [number, number, number] },
    matrix: best.matrix,
    offset: best.offset,
    blurSigma: sigma,
    noise: best.cellRms,
    jpegQuality: input.jpegQuality,
    residuals: { cells: best.cellRms, patches: best.patchRms, cellsUnblurred: unblurred },
  };
}
