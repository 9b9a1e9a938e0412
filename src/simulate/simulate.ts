/**
 * The physical-channel simulator: sheet layout -> digital raster -> print model -> camera pose
 * and photometric chain -> photo, plus the ground truth (page->image homography, page corners)
 * that registration is measured against. Seeded: the same rng state gives the same photo.
 *
 * A tfjs backend must be selected by the caller (the camera's blur/noise/exposure are tfjs
 * transforms from the registry); services call selectBackend().
 */
import type { Image8, Rng } from '../shared';
import type { SheetLayout } from '../sheets/types';
import { applyHomography, type Homography, type Point } from '../registration/homography';
import { DEFAULT_CAMERA, developFrame, projectPage, sampleCamera, type CameraModel, type CameraSample } from './camera';
import { DEFAULT_POSE_LIMITS, pageCornersMm, samplePose, type Pose, type PoseLimits } from './pose';
import { applyPrintModel, DEFAULT_PRINT, IDEAL_PRINT, type PrintModel } from './print';
import { renderSheet, type CellImageSource } from './render-sheet';

export interface SimulateOptions {
  pose: PoseLimits;
  print: PrintModel;
  camera: CameraModel;
  /**
   * Resolution of the digital sheet raster, px per mm. 8 (about 200 dpi) gives more than two
   * raster pixels per supersample point for a full page in a 720p frame.
   */
  rasterPxPerMm: number;
}

export type SimulateOverrides = {
  pose?: Partial<PoseLimits>;
  print?: Partial<PrintModel>;
  camera?: Partial<CameraModel>;
  rasterPxPerMm?: number;
};

export const DEFAULT_SIMULATE: SimulateOptions = {
  pose: DEFAULT_POSE_LIMITS,
  print: DEFAULT_PRINT,
  camera: DEFAULT_CAMERA,
  rasterPxPerMm: 8,
};

/**
 * Noise-free channel: perfect print, no lighting change, no sensor noise, lossless frame; the
 * pose and a mild lens blur remain. The baseline for "how much does geometry alone cost".
 */
export const IDEAL_SIMULATE: SimulateOptions = {
  ...DEFAULT_SIMULATE,
  print: IDEAL_PRINT,
  camera: {
    ...DEFAULT_CAMERA,
    lensBlurPx: [0.3, 0.5],
    lighting: 0,
    colourCast: 0,
    exposure: [1, 1],
    brightness: [0, 0],
    noiseSigma: [0, 0],
    jpegQuality: null,
  },
};

export function simulateOptions(overrides: SimulateOverrides = {}, base: SimulateOptions = DEFAULT_SIMULATE): SimulateOptions {
  return {
    pose: { ...base.pose, ...overrides.pose },
    print: { ...base.print, ...overrides.print },
    camera: { ...base.camera, ...overrides.camera },
    rasterPxPerMm: overrides.rasterPxPerMm ?? base.rasterPxPerMm,
  };
}

export interface GroundTruth {
  sheetId: string;
  frame: { width: number; height: number };
  pose: { rollDeg: number; tiltXDeg: number; tiltYDeg: number; fill: number };
  /** Page mm -> photo px (row-major 3x3). */
  homography: number[];
  /** Page corners TL, TR, BR, BL in photo px. */
  pageCorners: Point[];
  camera: CameraSample;
  print: PrintModel;
}

export interface SimulatedPhoto {
  /** The photo as a camera app would decode it (after JPEG when jpegQuality is set). */
  photo: Image8;
  /** The JPEG file's bytes, when jpegQuality is set. */
  jpeg?: Uint8Array;
  truth: GroundTruth;
}

// Rendering and printing a sheet is the same for every photo of it: cache per layout object.
const printedCache = new WeakMap<SheetLayout, Map<string, Promise<Image8>>>();

async function printedSheet(layout: SheetLayout, cells: CellImageSource, print: PrintModel, pxPerMm: number): Promise<Image8> {
  let byKey = printedCache.get(layout);
  if (!byKey) printedCache.set(layout, (byKey = new Map()));
  const key = JSON.stringify([print, pxPerMm]);
  let p = byKey.get(key);
  if (!p) {
    p = renderSheet(layout, cells, pxPerMm).then((raster) => applyPrintModel(raster, print));
    byKey.set(key, p);
    p.catch(() => byKey.delete(key));
  }
  return p;
}

export async function simulatePhoto(
  layout: SheetLayout,
  cells: CellImageSource,
  opts: SimulateOptions = DEFAULT_SIMULATE,
  rng: Rng,
  /** Photograph from this page mm → photo px homography instead of a drawn pose (replaying a real capture). */
  homography?: Homography,
): Promise<SimulatedPhoto> {
  const printed = await printedSheet(layout, cells, opts.print, opts.rasterPxPerMm);
  // Separate streams, so changing e.g. the noise model does not move the pose of photo k.
  const poseRng = rng.fork();
  const cameraRng = rng.fork();
  const noiseRng = rng.fork();
  const pose: Pose = homography
    ? { rollDeg: 0, tiltXDeg: 0, tiltYDeg: 0, fill: 0, homography: [...homography], pageCorners: pageCornersMm(layout.paper).map((q) => applyHomography(homography, q)) }
    : samplePose(layout.paper, opts.camera.frame, opts.pose, poseRng);
  const drawn = sampleCamera(opts.camera, cameraRng);
  // Dot spread on the page, converted to photo px at the page's mean scale, composed with the
  // lens blur (Gaussians add in variance).
  const scale = meanScale(pose.pageCorners, layout.paper);
  const blurPx = Math.sqrt(drawn.lensBlurPx ** 2 + (opts.print.dotBlurMm * scale) ** 2);
  const camera: CameraSample = { ...drawn, blurPx };
  const frame = projectPage(printed, opts.rasterPxPerMm, pose.homography, opts.camera, camera);
  const { photo, jpeg } = await developFrame(frame, opts.camera, camera, noiseRng);
  return {
    photo,
    jpeg,
    truth: {
      sheetId: layout.sheetId,
      frame: { ...opts.camera.frame },
      pose: { rollDeg: pose.rollDeg, tiltXDeg: pose.tiltXDeg, tiltYDeg: pose.tiltYDeg, fill: pose.fill },
      homography: pose.homography,
      pageCorners: pose.pageCorners,
      camera,
      print: opts.print,
    },
  };
}

/** Photo px per page mm, from the projected page's area. */
function meanScale(corners: Point[], paper: { widthMm: number; heightMm: number }): number {
  let area = 0;
  for (let i = 0; i < 4; i++) {
    const a = corners[i];
    const b = corners[(i + 1) % 4];
    area += a.x * b.y - b.x * a.y;
  }
  return Math.sqrt(Math.abs(area) / 2 / (paper.widthMm * paper.heightMm));
}
