/**
 * How large a sheet's cells are by default, and whether a photo of the sheet will resolve them.
 *
 * A crop is only as sharp as the camera pixels that fall on each image pixel. The check assumes
 * the whole sheet is captured at `camera` (default 1280×720, a 720p video frame or webcam still)
 * with its long side along the page's long side and the page filling the frame: the best case,
 * so a warning here means the crops will certainly be resampled below the image's resolution.
 */
import { DEFAULT_CELL_MM } from './geometry';
import type { SheetLayout } from './types';

/** Default physical size of one image pixel: 224 px → 44.8 mm, 299 px → 59.8 mm. */
export const MM_PER_PIXEL = 0.2;

/** The default long side of a cell for images whose longest side is maxPx (before the page cap). */
export function defaultCellMm(maxPx: number): number {
  return Math.max(DEFAULT_CELL_MM, MM_PER_PIXEL * maxPx);
}

export const DEFAULT_CAMERA_PX = { width: 1280, height: 720 } as const;

export interface CameraSampling {
  camera: { width: number; height: number };
  /** Camera pixels per millimetre of paper. */
  pxPerMm: number;
  /** Camera pixels per image pixel, for the least-sampled cell (below 1: blurred crops). */
  pxPerImagePixel: number;
  /** Long side, in mm, a cell of the largest image would need for one camera pixel per image pixel. */
  neededCellMm: number;
}

export function cameraSampling(layout: SheetLayout, camera: { width: number; height: number } = DEFAULT_CAMERA_PX): CameraSampling {
  const { widthMm: w, heightMm: h } = layout.paper;
  const pxPerMm = Math.min(Math.max(camera.width, camera.height) / Math.max(w, h), Math.min(camera.width, camera.height) / Math.min(w, h));
  const mmPerPx = Math.min(...layout.cells.map((c) => Math.min(c.widthMm / c.pixelWidth, c.heightMm / c.pixelHeight)));
  const maxPx = Math.max(...layout.cells.map((c) => Math.max(c.pixelWidth, c.pixelHeight)));
  return { camera: { ...camera }, pxPerMm, pxPerImagePixel: mmPerPx * pxPerMm, neededCellMm: maxPx / pxPerMm };
}
