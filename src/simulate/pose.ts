/**
 * Random camera poses for a flat page: a pinhole camera (square pixels, principal point at the
 * frame centre) looking at the page plane, so the page-to-image map is the exact homography
 * H = K [r1 r2 t] of a physical camera, not an arbitrary quadrilateral warp.
 *
 * Rotation about the optical axis (roll) and the two tilts of the page are drawn uniformly
 * within the limits; the distance is solved so that the page's bounding box fills the drawn
 * fraction of the frame (in the limiting dimension); the page is then shifted to a random spot
 * where it stays fully inside the frame, as a user framing the whole sheet would.
 */
import type { Rng } from '../shared';
import { applyHomography, multiplyHomography, type Point } from '../registration/homography';

export interface PoseLimits {
  /** Roll about the optical axis, degrees (uniform in +-rollDeg). */
  rollDeg: number;
  /** Tilt of the page plane about the camera's x and y axes, degrees (uniform in +-tiltDeg). */
  tiltDeg: number;
  /** Fraction of the frame the page's bounding box fills, drawn uniformly in [min, max]. */
  fillMin: number;
  fillMax: number;
  /** Focal length in units of the frame width (1.0 ~ 53 degrees horizontal field of view). */
  focal: number;
}

export const DEFAULT_POSE_LIMITS: PoseLimits = { rollDeg: 10, tiltDeg: 15, fillMin: 0.7, fillMax: 0.95, focal: 1.0 };

export interface Pose {
  rollDeg: number;
  tiltXDeg: number;
  tiltYDeg: number;
  fill: number;
  /** Page mm -> image px (row-major 3x3). */
  homography: number[];
  /** Page corners TL, TR, BR, BL in image px. */
  pageCorners: Point[];
}

const rad = (d: number) => (d * Math.PI) / 180;

/** Homography of a pinhole camera; the page centre sits on the optical axis at `distance` mm. */
function cameraHomography(
  page: { widthMm: number; heightMm: number },
  frame: { width: number; height: number },
  focalPx: number,
  angles: { roll: number; tx: number; ty: number },
  distance: number,
): number[] {
  const [cr, sr] = [Math.cos(angles.roll), Math.sin(angles.roll)];
  const [cx, sx] = [Math.cos(angles.tx), Math.sin(angles.tx)];
  const [cy, sy] = [Math.cos(angles.ty), Math.sin(angles.ty)];
  const rz = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  const rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const r = mul3(rz, mul3(rx, ry));
  // Columns r1, r2 (page x, y axes in camera space) and t = (0, 0, distance).
  const rt = [r[0], r[1], 0, r[3], r[4], 0, r[6], r[7], distance];
  const k = [focalPx, 0, frame.width / 2, 0, focalPx, frame.height / 2, 0, 0, 1];
  const centre = [1, 0, -page.widthMm / 2, 0, 1, -page.heightMm / 2, 0, 0, 1];
  return multiplyHomography(k, multiplyHomography(rt, centre));
}

function mul3(a: number[], b: number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

export function pageCornersMm(page: { widthMm: number; heightMm: number }): Point[] {
  return [
    { x: 0, y: 0 },
    { x: page.widthMm, y: 0 },
    { x: page.widthMm, y: page.heightMm },
    { x: 0, y: page.heightMm },
  ];
}

function bbox(pts: Point[]) {
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

export function samplePose(
  page: { widthMm: number; heightMm: number },
  frame: { width: number; height: number },
  limits: PoseLimits,
  rng: Rng,
): Pose {
  const rollDeg = rng.uniform(-limits.rollDeg, limits.rollDeg);
  const tiltXDeg = rng.uniform(-limits.tiltDeg, limits.tiltDeg);
  const tiltYDeg = rng.uniform(-limits.tiltDeg, limits.tiltDeg);
  const fill = rng.uniform(limits.fillMin, limits.fillMax);
  const focalPx = limits.focal * frame.width;
  const angles = { roll: rad(rollDeg), tx: rad(tiltXDeg), ty: rad(tiltYDeg) };
  const corners = pageCornersMm(page);
  // The projected size scales roughly as 1/distance: a few fixed-point steps converge to 1e-6.
  let distance = (focalPx * Math.max(page.widthMm / frame.width, page.heightMm / frame.height)) / fill;
  let h = cameraHomography(page, frame, focalPx, angles, distance);
  for (let i = 0; i < 8; i++) {
    const b = bbox(corners.map((p) => applyHomography(h, p)));
    const got = Math.max((b.x1 - b.x0) / frame.width, (b.y1 - b.y0) / frame.height);
    distance *= got / fill;
    h = cameraHomography(page, frame, focalPx, angles, distance);
  }
  // Random shift that keeps the whole page in the frame (an image-space translation, i.e. a
  // slightly off-centre principal point; the page stays a true perspective view).
  const b = bbox(corners.map((p) => applyHomography(h, p)));
  const dx = rng.uniform(Math.min(0, -b.x0), Math.max(0, frame.width - b.x1));
  const dy = rng.uniform(Math.min(0, -b.y0), Math.max(0, frame.height - b.y1));
  const homography = multiplyHomography([1, 0, dx, 0, 1, dy, 0, 0, 1], h);
  return { rollDeg, tiltXDeg, tiltYDeg, fill, homography, pageCorners: corners.map((p) => applyHomography(homography, p)) };
}
