/**
 * Unregistered evaluation (Lu et al. 2017, "NO Need to Worry about Adversarial Examples in Object
 * Detection in Autonomous Vehicles"): rectifying a cell undoes the scale and angle of the shot,
 * which is part of what a deployed classifier faces. Here a cell is cut from the photo as it is:
 * the axis-aligned bounding box of its four projected corners (the homography comes from
 * registration), grown by a margin on each side, and resized to the model input, perspective,
 * background and all. For single-image sheets the whole frame is the other unregistered view.
 */
import { makeImage8, type Image8 } from '../shared';
import type { CellPlacement } from '../sheets/types';
import { applyHomography, type Homography } from './homography';
import { sampleBilinear } from './sample';

/** Margin on each side, as a fraction of the projected cell's box width/height. */
export const UNREGISTERED_MARGIN = 0.1;

export interface PixelBox {
  /** Photo px, x0/y0 inclusive, x1/y1 exclusive, clipped to the frame. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The cell's unrectified region in the photo; null when it lies entirely outside the frame. */
export function unregisteredBox(
  pageToPhoto: Homography,
  cell: Pick<CellPlacement, 'xMm' | 'yMm' | 'widthMm' | 'heightMm'>,
  frame: { width: number; height: number },
  margin = UNREGISTERED_MARGIN,
): PixelBox | null {
  const corners = [
    [cell.xMm, cell.yMm],
    [cell.xMm + cell.widthMm, cell.yMm],
    [cell.xMm + cell.widthMm, cell.yMm + cell.heightMm],
    [cell.xMm, cell.yMm + cell.heightMm],
  ].map(([x, y]) => applyHomography(pageToPhoto, { x, y }));
  const xs = corners.map((p) => p.x);
  const ys = corners.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const mx = (maxX - minX) * margin;
  const my = (maxY - minY) * margin;
  const box = {
    x0: Math.max(0, Math.floor(minX - mx)),
    y0: Math.max(0, Math.floor(minY - my)),
    x1: Math.min(frame.width, Math.ceil(maxX + mx)),
    y1: Math.min(frame.height, Math.ceil(maxY + my)),
  };
  return box.x1 > box.x0 && box.y1 > box.y0 ? box : null;
}

/**
 * The box resized to width × height (RGB): each output pixel averages a k×k grid of bilinear
 * samples over its footprint, so a large box is area-averaged rather than aliased.
 */
export function cropResize(photo: Image8, box: PixelBox, width: number, height: number): Image8 {
  const sx = (box.x1 - box.x0) / width;
  const sy = (box.y1 - box.y0) / height;
  const k = Math.min(4, Math.max(1, Math.round(Math.max(sx, sy))));
  const out = new Uint8Array(width * height * 3);
  const s = new Float64Array(3);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const acc = [0, 0, 0];
      for (let j = 0; j < k; j++) {
        for (let i = 0; i < k; i++) {
          // Edge-grid coordinates (pixel p covers [p, p+1)), as sampleBilinear expects; the box is inside the frame.
          const x = box.x0 + (u + (i + 0.5) / k) * sx;
          const y = box.y0 + (v + (j + 0.5) / k) * sy;
          sampleBilinear(photo, x, y, s, 0);
          acc[0] += s[0];
          acc[1] += s[1];
          acc[2] += s[2];
        }
      }
      const o = (v * width + u) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(acc[c] / (k * k));
    }
  }
  return makeImage8(width, height, 3, out);
}
