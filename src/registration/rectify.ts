/**
 * From a registered photo back to image cells. Every output pixel is mapped page -> photo with
 * the fitted homography (inverse mapping), so each crop is resampled exactly once, straight
 * from the photo's pixels, with no intermediate warped page to blur it further.
 *
 * Resampling a cell to its source size: a printed cell pixel is a uniform square of ink (the
 * printer replicates image pixels), blurred at its edges by dot gain and the lens. So each
 * output pixel averages bilinear samples over the central half of its square on the page, not
 * over the whole square: that rejects most of the bleed from neighbours, and still averages
 * several photo pixels (less noise, no aliasing) when the cell is large in the photo.
 */
import { makeImage8, type Image8 } from '../shared';
import type { CellPlacement } from '../sheets/types';
import { applyHomography, type Homography } from './homography';
import { sampleBilinear } from './sample';

export interface CropOptions {
  /** Fraction of each cell pixel's side that is averaged (centred). Default 0.5. */
  footprint?: number;
  /** Value for samples that fall outside the photo. Default white (paper). */
  fill?: number;
}

/** Photo pixels per page mm around a page point (average of the x and y directions). */
function localScale(h: Homography, x: number, y: number): number {
  const p = applyHomography(h, { x, y });
  const px = applyHomography(h, { x: x + 1, y });
  const py = applyHomography(h, { x, y: y + 1 });
  return (Math.hypot(px.x - p.x, px.y - p.y) + Math.hypot(py.x - p.x, py.y - p.y)) / 2;
}

/**
 * Crops one cell from a photo and resamples it to cell.pixelWidth x cell.pixelHeight (RGB).
 * `pageToPhoto` maps page mm to photo px.
 */
export function cropCell(photo: Image8, pageToPhoto: Homography, cell: CellPlacement, opts: CropOptions = {}): Image8 {
  const footprint = opts.footprint ?? 0.5;
  const fill = opts.fill ?? 255;
  const w = cell.pixelWidth;
  const h = cell.pixelHeight;
  const pxMm = cell.widthMm / w;
  const pyMm = cell.heightMm / h;
  // Samples per axis: about one per photo pixel across the averaged part, 1..4.
  const scale = localScale(pageToPhoto, cell.xMm + cell.widthMm / 2, cell.yMm + cell.heightMm / 2);
  const n = Math.min(4, Math.max(1, Math.round(scale * Math.max(pxMm, pyMm) * footprint)));
  const offsets = Array.from({ length: n }, (_, k) => ((k + 0.5) / n - 0.5) * footprint);
  const out = new Uint8Array(w * h * 3);
  const s = new Float64Array(3);
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = pageToPhoto;
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const oy of offsets) {
        const y = cell.yMm + (v + 0.5 + oy) * pyMm;
        for (const ox of offsets) {
          const x = cell.xMm + (u + 0.5 + ox) * pxMm;
          const wq = h6 * x + h7 * y + h8;
          const qx = (h0 * x + h1 * y + h2) / wq;
          const qy = (h3 * x + h4 * y + h5) / wq;
          if (!sampleBilinear(photo, qx, qy, s, 0)) s.fill(fill);
          r += s[0];
          g += s[1];
          b += s[2];
        }
      }
      const k = n * n;
      const o = (v * w + u) * 3;
      out[o] = Math.round(r / k);
      out[o + 1] = Math.round(g / k);
      out[o + 2] = Math.round(b / k);
    }
  }
  return makeImage8(w, h, 3, out);
}

/**
 * The whole page seen head-on at `pxPerMm` (bilinear, one sample per pixel): for previews and
 * overlays. Crops come from cropCell, which samples the photo directly.
 */
export function warpPage(photo: Image8, pageToPhoto: Homography, paper: { widthMm: number; heightMm: number }, pxPerMm: number, fill = 255): Image8 {
  const width = Math.round(paper.widthMm * pxPerMm);
  const height = Math.round(paper.heightMm * pxPerMm);
  const out = new Uint8Array(width * height * 3);
  const s = new Float64Array(3);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const q = applyHomography(pageToPhoto, { x: (i + 0.5) / pxPerMm, y: (j + 0.5) / pxPerMm });
      if (!sampleBilinear(photo, q.x, q.y, s, 0)) s.fill(fill);
      const o = (j * width + i) * 3;
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(s[k]);
    }
  }
  return makeImage8(width, height, 3, out);
}
