/**
 * The simulator driven by a measured channel profile (src/calibration/channel-profile.ts) in
 * place of the default print and camera models:
 *
 *   digital raster → tone curve + colour matrix (per pixel, the whole page: paper and markers
 *   too) → pose and area-sampled projection (camera.ts, no lighting change, no cast) → Gaussian
 *   blur of sigma cell px, converted to photo px at the page's mean scale → per-channel noise →
 *   JPEG at the profile's quality (lossless when null).
 *
 * The profile type is restated structurally (ProfileChannel) because simulate may not import
 * calibration (scripts/layering.mjs); a ChannelProfile is assignable to it.
 */
import { makeImage8, type Image8, type Rng } from '../shared';
import type { SheetLayout } from '../sheets/types';
import { applyHomography, type Homography, type Point } from '../registration/homography';
import { decodeJpeg, encodeJpeg } from '../transforms';
import { DEFAULT_CAMERA, developFrame, projectPage, type CameraModel, type CameraSample } from './camera';
import { DEFAULT_POSE_LIMITS, pageCornersMm, samplePose, type PoseLimits } from './pose';
import { IDEAL_PRINT } from './print';
import { renderSheet, type CellImageSource } from './render-sheet';
import type { SimulatedPhoto } from './simulate';

type V3 = [number, number, number];

export interface ProfileChannel {
  tone: { gamma: V3 };
  matrix: [V3, V3, V3];
  offset: V3;
  blurSigma: number;
  noise: V3;
  jpegQuality: number | null;
}

export interface ProfileSimulateOptions {
  pose: PoseLimits;
  frame: { width: number; height: number };
  rasterPxPerMm: number;
  supersample: number;
  background: V3;
  /** Photograph from this page mm → photo px homography instead of a drawn pose (replaying a real capture). */
  homography?: Homography;
}

export const DEFAULT_PROFILE_SIMULATE: ProfileSimulateOptions = {
  pose: DEFAULT_POSE_LIMITS,
  frame: DEFAULT_CAMERA.frame,
  rasterPxPerMm: 8,
  supersample: DEFAULT_CAMERA.supersample,
  background: DEFAULT_CAMERA.background,
};

/** Tone curve and colour matrix over an 8-bit RGB raster (a 3-D table would be faster; rasters are a few Mpx). */
export function applyProfileColour(raster: Image8, p: ProfileChannel): Image8 {
  if (raster.channels !== 3) throw new RangeError('profile colour expects an RGB raster');
  const tone = p.tone.gamma.map((g) => Float64Array.from({ length: 256 }, (_, i) => (i / 255) ** g));
  const out = new Uint8Array(raster.data.length);
  const d = raster.data;
  const m = p.matrix;
  for (let i = 0; i < d.length; i += 3) {
    const t0 = tone[0][d[i]];
    const t1 = tone[1][d[i + 1]];
    const t2 = tone[2][d[i + 2]];
    for (let r = 0; r < 3; r++) {
      const v = (m[r][0] * t0 + m[r][1] * t1 + m[r][2] * t2 + p.offset[r]) * 255;
      out[i + r] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return makeImage8(raster.width, raster.height, 3, out);
}

function meanScale(corners: Point[], paper: { widthMm: number; heightMm: number }): number {
  let area = 0;
  for (let i = 0; i < 4; i++) area += corners[i].x * corners[(i + 1) % 4].y - corners[(i + 1) % 4].x * corners[i].y;
  return Math.sqrt(Math.abs(area) / 2 / (paper.widthMm * paper.heightMm));
}

const printedCache = new WeakMap<SheetLayout, Map<string, Promise<Image8>>>();

function printed(layout: SheetLayout, cells: CellImageSource, p: ProfileChannel, pxPerMm: number): Promise<Image8> {
  let byKey = printedCache.get(layout);
  if (!byKey) printedCache.set(layout, (byKey = new Map()));
  const key = JSON.stringify([p.tone, p.matrix, p.offset, pxPerMm]);
  let out = byKey.get(key);
  if (!out) {
    out = renderSheet(layout, cells, pxPerMm).then((r) => applyProfileColour(r, p));
    byKey.set(key, out);
    out.catch(() => byKey.delete(key));
  }
  return out;
}

export async function simulateProfilePhoto(
  layout: SheetLayout,
  cells: CellImageSource,
  profile: ProfileChannel,
  opts: ProfileSimulateOptions,
  rng: Rng,
): Promise<SimulatedPhoto> {
  const page = await printed(layout, cells, profile, opts.rasterPxPerMm);
  const poseRng = rng.fork();
  const noiseRng = rng.fork();
  const drawn = opts.homography ? undefined : samplePose(layout.paper, opts.frame, opts.pose, poseRng);
  const homography = opts.homography ?? drawn!.homography;
  const pageCorners = pageCornersMm(layout.paper).map((q) => applyHomography(homography, q));
  // sigma is in cell pixels: photo px per cell px at this pose's mean scale.
  const cell = layout.cells[0];
  const cellPxMm = cell ? cell.widthMm / cell.pixelWidth : 1;
  const blurPx = profile.blurSigma * meanScale(pageCorners, layout.paper) * cellPxMm;
  const camera: CameraModel = { ...DEFAULT_CAMERA, frame: opts.frame, supersample: opts.supersample, background: opts.background, jpegQuality: null };
  const sample: CameraSample = {
    lensBlurPx: blurPx,
    blurPx,
    lighting: { amount: 0, angleDeg: 0 },
    cast: [1, 1, 1],
    exposure: 1,
    brightness: 0,
    noiseSigma: 0,
    jpegQuality: null,
  };
  const frame = projectPage(page, opts.rasterPxPerMm, homography, camera, sample);
  const { photo: clean } = await developFrame(frame, camera, sample, noiseRng);
  // Per-channel noise (the registry's gaussian-noise has one sigma for all channels).
  const noisy = new Uint8Array(clean.data.length);
  for (let i = 0; i < noisy.length; i++) {
    const v = clean.data[i] + profile.noise[i % 3] * noiseRng.normal();
    noisy[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  let photo = makeImage8(clean.width, clean.height, 3, noisy);
  let jpeg: Uint8Array | undefined;
  if (profile.jpegQuality !== null) {
    jpeg = await encodeJpeg(photo, profile.jpegQuality);
    photo = await decodeJpeg(jpeg, 3);
  }
  const pose = drawn ?? { rollDeg: 0, tiltXDeg: 0, tiltYDeg: 0, fill: 0 };
  return {
    photo,
    jpeg,
    truth: {
      sheetId: layout.sheetId,
      frame: { ...opts.frame },
      pose: { rollDeg: pose.rollDeg, tiltXDeg: pose.tiltXDeg, tiltYDeg: pose.tiltYDeg, fill: pose.fill },
      homography: [...homography],
      pageCorners,
      camera: { ...sample, noiseSigma: (profile.noise[0] + profile.noise[1] + profile.noise[2]) / 3, jpegQuality: profile.jpegQuality },
      print: IDEAL_PRINT,
    },
  };
}
