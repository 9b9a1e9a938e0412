/**
 * Rasterise a SheetLayout to an RGB image at a given resolution (pixels per mm): white paper,
 * the four QR markers drawn from the same `qrcode` matrices the PDF uses, the cell images
 * upscaled nearest-neighbour (as a printer replicates image pixels into dots), and the
 * calibration patches. Header text is not drawn: registration never looks at it.
 *
 * This is the simulator's "digital print" and also what tests use in place of a rasterised PDF.
 * Pixel (i, j) covers [i, i+1) x [j, j+1) / pxPerMm in page mm. Marker modules and patches are
 * anti-aliased by exact area coverage, so a module edge that falls inside a pixel gives a grey
 * of the right weight (that keeps corner positions unbiased at low resolutions).
 */
import { makeImage8, PrintshotError, type Image8 } from '../shared';
import type { CellPlacement, MarkerPlacement, SheetLayout } from '../sheets/types';
import { qrSymbol } from '../sheets/qr';

/** Cell pixels by cell index, or a loader called once per cell. */
export type CellImageSource = ReadonlyMap<number, Image8> | ((cell: CellPlacement) => Promise<Image8> | Image8);

const EC_LEVELS = ['M', 'L', 'Q', 'H'] as const;

/**
 * The module matrix for a marker. The sheet renderer uses error correction M; should a layout
 * have been made with another level, the level whose symbol size matches `modules` is used.
 */
export function markerModules(marker: MarkerPlacement): { size: number; get(row: number, col: number): boolean } {
  for (const level of EC_LEVELS) {
    const m = qrSymbol(marker.payload, level).modules;
    if (m.size === marker.modules) return { size: m.size, get: (r, c) => m.get(r, c) === 1 };
  }
  throw new PrintshotError('bad-argument', `marker '${marker.payload}': no QR error-correction level gives ${marker.modules} modules`);
}

export async function renderSheet(layout: SheetLayout, cells: CellImageSource, pxPerMm: number): Promise<Image8> {
  if (!(pxPerMm > 0)) throw new RangeError(`pxPerMm must be > 0 (got ${pxPerMm})`);
  const width = Math.round(layout.paper.widthMm * pxPerMm);
  const height = Math.round(layout.paper.heightMm * pxPerMm);
  const img = makeImage8(width, height, 3, new Uint8Array(width * height * 3).fill(255));
  for (const cell of layout.cells) {
    const src = typeof cells === 'function' ? await cells(cell) : cells.get(cell.index);
    if (!src) throw new PrintshotError('bad-argument', `no image for cell ${cell.index} (${cell.file})`);
    drawCell(img, cell, src, pxPerMm);
  }
  for (const patch of layout.calibration ?? []) {
    const cov = new Coverage(img, patch.xMm * pxPerMm, patch.yMm * pxPerMm, (patch.xMm + patch.sizeMm) * pxPerMm, (patch.yMm + patch.sizeMm) * pxPerMm);
    cov.addRect(patch.xMm * pxPerMm, patch.yMm * pxPerMm, (patch.xMm + patch.sizeMm) * pxPerMm, (patch.yMm + patch.sizeMm) * pxPerMm);
    cov.blend(patch.rgb);
  }
  for (const marker of layout.markers) drawMarker(img, marker, pxPerMm);
  return img;
}

/** Nearest-neighbour: every raster pixel whose centre lies in the cell takes its source pixel. */
function drawCell(img: Image8, cell: CellPlacement, src: Image8, pxPerMm: number): void {
  const x0 = Math.max(0, Math.round(cell.xMm * pxPerMm));
  const y0 = Math.max(0, Math.round(cell.yMm * pxPerMm));
  const x1 = Math.min(img.width, Math.round((cell.xMm + cell.widthMm) * pxPerMm));
  const y1 = Math.min(img.height, Math.round((cell.yMm + cell.heightMm) * pxPerMm));
  const sx = src.width / (cell.widthMm * pxPerMm);
  const sy = src.height / (cell.heightMm * pxPerMm);
  const c = src.channels;
  for (let y = y0; y < y1; y++) {
    const v = Math.min(src.height - 1, Math.max(0, Math.floor((y + 0.5 - cell.yMm * pxPerMm) * sy)));
    for (let x = x0; x < x1; x++) {
      const u = Math.min(src.width - 1, Math.max(0, Math.floor((x + 0.5 - cell.xMm * pxPerMm) * sx)));
      const s = (v * src.width + u) * c;
      const o = (y * img.width + x) * 3;
      if (c === 1) {
        img.data[o] = img.data[o + 1] = img.data[o + 2] = src.data[s];
      } else {
        // An alpha channel is flattened onto the paper (white), as readImage8 does.
        const a = c === 4 ? src.data[s + 3] / 255 : 1;
        for (let k = 0; k < 3; k++) img.data[o + k] = Math.round(src.data[s + k] * a + 255 * (1 - a));
      }
    }
  }
}

function drawMarker(img: Image8, marker: MarkerPlacement, pxPerMm: number): void {
  const m = markerModules(marker);
  const step = marker.moduleMm * pxPerMm;
  const ox = marker.xMm * pxPerMm;
  const oy = marker.yMm * pxPerMm;
  const cov = new Coverage(img, ox, oy, ox + m.size * step, oy + m.size * step);
  for (let r = 0; r < m.size; r++) {
    for (let c = 0; c < m.size; c++) {
      if (m.get(r, c)) cov.addRect(ox + c * step, oy + r * step, ox + (c + 1) * step, oy + (r + 1) * step);
    }
  }
  cov.blend([0, 0, 0]);
}

/**
 * Area coverage accumulated over non-overlapping rectangles (in raster px), then blended once:
 * two half-covered neighbours must add to a fully covered pixel, not multiply.
 */
class Coverage {
  private readonly bx: number;
  private readonly by: number;
  private readonly bw: number;
  private readonly bh: number;
  private readonly acc: Float32Array;

  constructor(private readonly img: Image8, x0: number, y0: number, x1: number, y1: number) {
    this.bx = Math.max(0, Math.floor(x0));
    this.by = Math.max(0, Math.floor(y0));
    this.bw = Math.max(0, Math.min(img.width, Math.ceil(x1)) - this.bx);
    this.bh = Math.max(0, Math.min(img.height, Math.ceil(y1)) - this.by);
    this.acc = new Float32Array(this.bw * this.bh);
  }

  addRect(x0: number, y0: number, x1: number, y1: number): void {
    const ix0 = Math.max(this.bx, Math.floor(x0));
    const iy0 = Math.max(this.by, Math.floor(y0));
    const ix1 = Math.min(this.bx + this.bw, Math.ceil(x1));
    const iy1 = Math.min(this.by + this.bh, Math.ceil(y1));
    for (let y = iy0; y < iy1; y++) {
      const fy = Math.min(y + 1, y1) - Math.max(y, y0);
      for (let x = ix0; x < ix1; x++) {
        const fx = Math.min(x + 1, x1) - Math.max(x, x0);
        this.acc[(y - this.by) * this.bw + (x - this.bx)] += fx * fy;
      }
    }
  }

  blend(rgb: readonly number[]): void {
    const { img } = this;
    for (let y = 0; y < this.bh; y++) {
      for (let x = 0; x < this.bw; x++) {
        const a = Math.min(1, this.acc[y * this.bw + x]);
        if (a <= 0) continue;
        const o = ((y + this.by) * img.width + x + this.bx) * 3;
        for (let k = 0; k < 3; k++) img.data[o + k] = Math.round(img.data[o + k] * (1 - a) + rgb[k] * a);
      }
    }
  }
}
