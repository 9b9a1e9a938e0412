/**
 * Camera model: the printed page seen through a pinhole camera (pose.ts), then the photometric
 * chain of a phone or webcam. The geometric part and the lighting run in JS while sampling; the
 * rest goes through the synthetic-transform registry (src/transforms) on a [0,1] NHWC tensor,
 * so the simulator's blur, noise, exposure and JPEG are exactly the Fig. 6 transforms:
 *
 *   warp (area sampling) + lighting gradient + colour cast      JS, below
 *   exposure: 'contrast' (gain), then 'brightness' (offset)     registry
 *   lens blur (+ the print's dot spread): 'gaussian-blur'       registry
 *   sensor noise: 'gaussian-noise'                              registry
 *   JPEG: encodeJpeg, the codec and settings of 'jpeg'          registry module
 *
 * The warp integrates each photo pixel over supersample x supersample points (a sensor pixel
 * averages the light over its area), which also anti-aliases the high-resolution raster.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, makeImage8, type Image8, type Rng } from '../shared';
import { checkTransformRanges, decodeJpeg, drawTransforms, encodeJpeg, getTransform, parseTransformParams, quantizeToBytes, type DrawnTransform, type TransformRanges } from '../transforms';
import { invertHomography, type Homography } from '../registration/homography';
import { sampleBilinear } from '../registration/sample';

export type Range = [number, number];

export interface CameraModel {
  frame: { width: number; height: number };
  /** Sample points per photo pixel and axis (area integration). */
  supersample: number;
  /** Lens blur sigma in photo px, drawn uniformly in the range. */
  lensBlurPx: Range;
  /** Largest relative change of illumination from the frame centre to its edge (linear gradient). */
  lighting: number;
  /** Largest deviation of a channel's gain from 1 (white balance error). */
  colourCast: number;
  /** Exposure gain ('contrast' factor) and offset ('brightness' delta, 0..255 levels). */
  exposure: Range;
  brightness: Range;
  /** Sensor noise sigma, 0..255 levels. */
  noiseSigma: Range;
  /** JPEG quality (IJG scale); null keeps the frame lossless. */
  jpegQuality: number | null;
  /** Table surface around the page, 0..255. */
  background: [number, number, number];
  /**
   * Further registry transforms (src/transforms), by id, with a [lo, hi] range per parameter:
   * applied after the sensor noise, in registry order, so a newly registered transform reaches
   * the simulator without a new field.
   */
  transforms?: TransformRanges;
}

export const DEFAULT_CAMERA: CameraModel = {
  frame: { width: 1280, height: 720 },
  supersample: 2,
  lensBlurPx: [0.3, 0.9],
  lighting: 0.2,
  colourCast: 0.06,
  exposure: [0.85, 1.05],
  brightness: [-8, 8],
  noiseSigma: [1, 4],
  jpegQuality: 90,
  background: [92, 80, 68],
};

/** The values drawn for one photo (recorded in the ground truth). */
export interface CameraSample {
  lensBlurPx: number;
  /** Total blur applied: lens and print dot spread combined. */
  blurPx: number;
  lighting: { amount: number; angleDeg: number };
  cast: [number, number, number];
  exposure: number;
  brightness: number;
  noiseSigma: number;
  jpegQuality: number | null;
  /** The draws of `transforms`, present only when the model has that stage. */
  transforms?: DrawnTransform[];
}

export function sampleCamera(model: CameraModel, rng: Rng): Omit<CameraSample, 'blurPx'> {
  const pick = ([lo, hi]: Range) => (hi > lo ? rng.uniform(lo, hi) : lo);
  const gains = [0, 1, 2].map(() => 1 + rng.uniform(-model.colourCast, model.colourCast));
  const mean = (gains[0] + gains[1] + gains[2]) / 3;
  return {
    lensBlurPx: pick(model.lensBlurPx),
    lighting: { amount: rng.uniform(-model.lighting, model.lighting), angleDeg: rng.uniform(0, 360) },
    cast: gains.map((g) => g / mean) as [number, number, number],
    exposure: pick(model.exposure),
    brightness: pick(model.brightness),
    noiseSigma: pick(model.noiseSigma),
    jpegQuality: model.jpegQuality,
    // Drawn last and only when present, so the draws above (and existing photos) do not move.
    ...(model.transforms ? { transforms: drawChecked(model.transforms, rng) } : {}),
  };
}

function drawChecked(ranges: TransformRanges, rng: Rng): DrawnTransform[] {
  checkTransformRanges(ranges, 'simulate: camera.transforms');
  return drawTransforms(ranges, rng);
}

/**
 * Projects the printed raster (at rasterPxPerMm) into the frame: returns [0,1] floats, HWC RGB,
 * lit by the gradient and colour cast of `s`.
 */
export function projectPage(
  printed: Image8,
  rasterPxPerMm: number,
  pageToImage: Homography,
  model: CameraModel,
  s: Pick<CameraSample, 'lighting' | 'cast'>,
): Float32Array {
  const { width, height } = model.frame;
  const inv = invertHomography(pageToImage);
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = inv;
  const n = model.supersample;
  const out = new Float32Array(width * height * 3);
  const px = new Float64Array(3);
  const cos = Math.cos((s.lighting.angleDeg * Math.PI) / 180);
  const sin = Math.sin((s.lighting.angleDeg * Math.PI) / 180);
  const half = Math.hypot(width, height) / 2;
  const bg = model.background;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < n; sy++) {
        const y = j + (sy + 0.5) / n;
        for (let sx = 0; sx < n; sx++) {
          const x = i + (sx + 0.5) / n;
          const w = a6 * x + a7 * y + a8;
          const u = ((a0 * x + a1 * y + a2) / w) * rasterPxPerMm;
          const v = ((a3 * x + a4 * y + a5) / w) * rasterPxPerMm;
          if (sampleBilinear(printed, u, v, px, 0)) {
            r += px[0];
            g += px[1];
            b += px[2];
          } else {
            r += bg[0];
            g += bg[1];
            b += bg[2];
          }
        }
      }
      const light = (1 + (s.lighting.amount * ((i + 0.5 - width / 2) * cos + (j + 0.5 - height / 2) * sin)) / half) / (255 * n * n);
      const o = (j * width + i) * 3;
      out[o] = r * light * s.cast[0];
      out[o + 1] = g * light * s.cast[1];
      out[o + 2] = b * light * s.cast[2];
    }
  }
  return out;
}

/** Exposure, blur, noise (registry transforms on a tensor), then 8-bit and optional JPEG. */
export async function developFrame(
  frame: Float32Array,
  model: CameraModel,
  s: CameraSample,
  rng: Rng,
): Promise<{ photo: Image8; jpeg?: Uint8Array }> {
  const { width, height } = model.frame;
  const steps: [string, Record<string, number>, Rng][] = [
    ['contrast', { factor: s.exposure }, rng],
    ['brightness', { delta: s.brightness }, rng],
    ['gaussian-blur', { sigma: s.blurPx }, rng],
    ['gaussian-noise', { sigma: s.noiseSigma }, rng],
    ...(s.transforms ?? []).map((t): [string, Record<string, number>, Rng] => [t.id, t.params, createRng(t.seed)]),
  ];
  let x = tf.tensor4d(frame, [1, height, width, 3]);
  try {
    for (const [id, raw, stream] of steps) {
      const desc = getTransform(id);
      const y = await desc.apply(x, parseTransformParams(desc, raw), stream);
      x.dispose();
      x = y;
    }
    const values = (await x.data()) as Float32Array;
    const photo = makeImage8(width, height, 3, quantizeToBytes(values));
    if (s.jpegQuality === null) return { photo };
    const jpeg = await encodeJpeg(photo, s.jpegQuality);
    return { photo: await decodeJpeg(jpeg, 3), jpeg };
  } finally {
    x.dispose();
  }
}
