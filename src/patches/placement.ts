/**
 * Where a square patch lands in an image: a placement (centre, side, rotation) per image, and the
 * bilinear taps that resample the patch into image pixels, as a mask and gather indices. Pure
 * data, so the same placements are replayed when a run resumes or an evaluation is repeated.
 *
 * Brown et al. ("Adversarial Patch", arXiv 1712.09665) train over random locations, scales and
 * rotations so that one patch works wherever it is put; samplePlacement draws those.
 */
import type { Rng } from '../shared';

export interface Placement {
  /** Centre in image pixels (x right, y down; pixel centres at k + 0.5). */
  cx: number;
  cy: number;
  /** Side of the patch in image pixels. */
  side: number;
  /** Rotation in radians. */
  angle: number;
}

export interface PlacementRanges {
  /** Patch area as a fraction of the image area (the nominal size). */
  size: number;
  /** Relative jitter of the side, e.g. 0.1 draws sides in [0.9, 1.1] × nominal. */
  scaleJitter: number;
  /** Largest rotation either way, in degrees. */
  rotationDeg: number;
  /**
   * 'random' (default): the centre is uniform over the positions that keep the patch inside;
   * 'centre': always the image centre, i.e. no expectation over location (the no-EOT baseline).
   */
  location?: 'random' | 'centre';
}

/** The nominal side in image pixels of a patch covering `size` of an h × w image. */
export function patchSide(h: number, w: number, size: number): number {
  return Math.sqrt(size * h * w);
}

/** A random placement that keeps the (rotated) patch inside the image. */
export function samplePlacement(rng: Rng, h: number, w: number, r: PlacementRanges): Placement {
  const side = patchSide(h, w, r.size) * (1 + r.scaleJitter * (2 * rng.next() - 1));
  const angle = ((2 * rng.next() - 1) * r.rotationDeg * Math.PI) / 180;
  // Half the rotated square's bounding box, so the patch is never cut by the border.
  const half = (side / 2) * (Math.abs(Math.cos(angle)) + Math.abs(Math.sin(angle)));
  const span = (lo: number, hi: number) => (hi > lo ? lo + rng.next() * (hi - lo) : (lo + hi) / 2);
  if (r.location === 'centre') return { cx: w / 2, cy: h / 2, side, angle };
  return { cx: span(half, w - half), cy: span(half, h - half), side, angle };
}

export interface PatchTaps {
  /** 4 bilinear taps per output pixel, tap-major: idx[t·M + i] indexes the patch's pixels. */
  idx: Int32Array;
  weights: Float32Array;
  /** 1 where the patch covers the output pixel, else 0; [M] for M = n·h·w. */
  mask: Float32Array;
}

/** Taps that resample a p × p patch into n images of h × w, one placement per image. */
export function placementTaps(h: number, w: number, p: number, placements: readonly Placement[]): PatchTaps {
  const per = h * w;
  const m = placements.length * per;
  const idx = new Int32Array(4 * m);
  const weights = new Float32Array(4 * m);
  const mask = new Float32Array(m);
  placements.forEach((pl, i) => {
    const scale = p / pl.side;
    const cos = Math.cos(-pl.angle);
    const sin = Math.sin(-pl.angle);
    for (let v = 0; v < h; v++) {
      for (let u = 0; u < w; u++) {
        const dx = u + 0.5 - pl.cx;
        const dy = v + 0.5 - pl.cy;
        // Patch coordinates of this pixel's centre (patch pixel centres at k + 0.5).
        const px = (cos * dx - sin * dy) * scale + p / 2;
        const py = (sin * dx + cos * dy) * scale + p / 2;
        if (px < 0 || py < 0 || px >= p || py >= p) continue;
        const o = i * per + v * w + u;
        mask[o] = 1;
        const xs = Math.min(Math.max(px - 0.5, 0), p - 1);
        const ys = Math.min(Math.max(py - 0.5, 0), p - 1);
        const x0 = Math.min(Math.floor(xs), Math.max(0, p - 2));
        const y0 = Math.min(Math.floor(ys), Math.max(0, p - 2));
        const x1 = Math.min(x0 + 1, p - 1);
        const y1 = Math.min(y0 + 1, p - 1);
        const fx = xs - x0;
        const fy = ys - y0;
        const taps: [number, number][] = [
          [y0 * p + x0, (1 - fx) * (1 - fy)],
          [y0 * p + x1, fx * (1 - fy)],
          [y1 * p + x0, (1 - fx) * fy],
          [y1 * p + x1, fx * fy],
        ];
        taps.forEach(([j, wt], t) => {
          idx[t * m + o] = j;
          weights[t * m + o] += wt;
        });
      }
    }
  });
  return { idx, weights, mask };
}
