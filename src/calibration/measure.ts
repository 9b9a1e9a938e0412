/**
 * Colour calibration, first step: the printer + camera response read off the calibration strip
 * of a registered photo (8 greys 0..255, then R, G, B, C, M, Y; src/sheets/layout.ts).
 *
 * measurePatches: for each patch, the mean (and standard deviation) captured colour over the
 * central 60 % of the patch, sampled bilinearly in the photo through the page → photo homography
 * on a grid of about one sample per photo pixel. The outer 20 % on each side is left out, so
 * blur, dot spread and registration error at the patch edges do not leak the neighbours in.
 *
 * fitResponse: a per-channel response fitted on the grey patches, in two forms
 *   linear   measured = gain · nominal + offset              (least squares)
 *   gamma    measured = black + (white − black) · (nominal/255)^γ   (γ by golden-section search,
 *            black/white by least squares for each γ)
 * plus the white balance: each channel's white-patch value over the mean of the three (the
 * simulator's colour cast times the paper tint). Browser-safe: no Node imports.
 */
import type { Image8 } from '../shared';
import type { CalibrationPatch } from '../sheets/types';
import { applyHomography, type Homography } from '../registration/homography';
import { sampleBilinear } from '../registration/sample';

/** Fraction of a patch's side that is measured (centred). */
export const PATCH_FOOTPRINT = 0.6;

export interface PatchMeasurement {
  index: number;
  nominal: [number, number, number];
  /** Mean captured RGB, 0..255. */
  measured: [number, number, number];
  sd: [number, number, number];
  samples: number;
  /** Patch centre in the photo, px. */
  centrePx: { x: number; y: number };
}

export function measurePatches(photo: Image8, pageToPhoto: Homography, patches: readonly CalibrationPatch[]): PatchMeasurement[] {
  const px = new Float64Array(3);
  return patches.map((p, index) => {
    const cx = p.xMm + p.sizeMm / 2;
    const cy = p.yMm + p.sizeMm / 2;
    const c = applyHomography(pageToPhoto, { x: cx, y: cy });
    const e = applyHomography(pageToPhoto, { x: cx + p.sizeMm / 2, y: cy });
    const side = p.sizeMm * PATCH_FOOTPRINT;
    const n = Math.max(3, Math.min(64, Math.round((Math.hypot(e.x - c.x, e.y - c.y) * 2 * PATCH_FOOTPRINT))));
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    let count = 0;
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const q = applyHomography(pageToPhoto, { x: cx + ((i + 0.5) / n - 0.5) * side, y: cy + ((j + 0.5) / n - 0.5) * side });
        if (!sampleBilinear(photo, q.x, q.y, px, 0)) continue;
        for (let k = 0; k < 3; k++) {
          sum[k] += px[k];
          sq[k] += px[k] * px[k];
        }
        count++;
      }
    }
    const mean = sum.map((s) => (count ? s / count : NaN)) as [number, number, number];
    const sd = sq.map((s, k) => (count > 1 ? Math.sqrt(Math.max(0, (s - count * mean[k] ** 2) / (count - 1))) : 0)) as [number, number, number];
    return { index, nominal: [...p.rgb], measured: mean, sd, samples: count, centrePx: { x: c.x, y: c.y } };
  });
}

export interface ChannelResponse {
  channel: 'r' | 'g' | 'b';
  linear: { gain: number; offset: number; rmse: number };
  gamma: { black: number; white: number; gamma: number; rmse: number };
}

export interface ResponseFit {
  /** Grey patches used (nominal r = g = b). */
  greys: number;
  channels: ChannelResponse[];
  /** White-patch value per channel over their mean (1, 1, 1 = neutral). */
  whiteBalance: [number, number, number];
}

function linearFit(x: readonly number[], y: readonly number[]): { gain: number; offset: number; rmse: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const gain = sxx > 0 ? sxy / sxx : 0;
  const offset = my - gain * mx;
  const rmse = Math.sqrt(x.reduce((s, xi, i) => s + (gain * xi + offset - y[i]) ** 2, 0) / n);
  return { gain, offset, rmse };
}

function gammaFit(x: readonly number[], y: readonly number[]): ChannelResponse['gamma'] {
  const at = (g: number) => {
    const f = linearFit(x.map((v) => (v / 255) ** g), y);
    return { black: f.offset, white: f.offset + f.gain, gamma: g, rmse: f.rmse };
  };
  // Golden-section search on log γ in [log 0.25, log 4]; the error is unimodal in practice.
  let lo = Math.log(0.25);
  let hi = Math.log(4);
  const r = (Math.sqrt(5) - 1) / 2;
  let a = hi - r * (hi - lo);
  let b = lo + r * (hi - lo);
  let fa = at(Math.exp(a)).rmse;
  let fb = at(Math.exp(b)).rmse;
  for (let it = 0; it < 60; it++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - r * (hi - lo);
      fa = at(Math.exp(a)).rmse;
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + r * (hi - lo);
      fb = at(Math.exp(b)).rmse;
    }
  }
  return at(Math.exp((lo + hi) / 2));
}

export function fitResponse(m: readonly PatchMeasurement[]): ResponseFit {
  const greys = m.filter((p) => p.nominal[0] === p.nominal[1] && p.nominal[1] === p.nominal[2] && p.samples > 0);
  const names = ['r', 'g', 'b'] as const;
  const channels = names.map((channel, k): ChannelResponse => {
    const x = greys.map((p) => p.nominal[k]);
    const y = greys.map((p) => p.measured[k]);
    return greys.length >= 2
      ? { channel, linear: linearFit(x, y), gamma: gammaFit(x, y) }
      : { channel, linear: { gain: NaN, offset: NaN, rmse: NaN }, gamma: { black: NaN, white: NaN, gamma: NaN, rmse: NaN } };
  });
  const white = greys.reduce<PatchMeasurement | undefined>((best, p) => (!best || p.nominal[0] > best.nominal[0] ? p : best), undefined);
  const mean = white ? (white.measured[0] + white.measured[1] + white.measured[2]) / 3 : NaN;
  const whiteBalance = (white ? white.measured.map((v) => v / mean) : [NaN, NaN, NaN]) as [number, number, number];
  return { greys: greys.length, channels, whiteBalance };
}
