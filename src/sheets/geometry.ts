/**
 * Page geometry shared by the layout, the PDF renderer and readers of layout.json: paper
 * sizes, spacing constants, and the boxes derived from a layout (marker quiet zones, header,
 * labels). All in millimetres, origin top-left of the page, y down. No dependencies, so
 * registration and the simulator can use it without pulling in QR or PDF code.
 */
import type { CellPlacement, MarkerPlacement, SheetLayout } from './types';

export const PAPERS = { a4: { widthMm: 210, heightMm: 297 }, letter: { widthMm: 215.9, heightMm: 279.4 } } as const;
export type PaperName = keyof typeof PAPERS;

export const DEFAULT_MARGIN_MM = 10;
/** Long side of a cell: 25 mm makes a 28-px Fashion-MNIST image about 0.9 mm per pixel. */
export const DEFAULT_CELL_MM = 25;
/**
 * QR module size. A full A4 page in a 720p frame gives about 2.4 px/mm, and zxing needs about
 * 2.5 px per module: 2 mm modules give ~4.8 px, room for a page that fills only half the frame.
 */
export const DEFAULT_MODULE_MM = 2;
/** The QR standard's quiet zone: 4 modules of blank paper around the symbol. */
export const QUIET_MODULES = 4;
/** QR error correction: M (15%) survives a smudge or a glare spot without a larger symbol. */
export const MARKER_EC_LEVEL = 'M';

export const PAIR_GAP_MM = 2; // between the clean and the adversarial cell of a pair
export const GUTTER_MM = 5; // between slots
export const LABEL_BAND_MM = 3; // label text below a cell
export const CLEARANCE_MM = 1.5; // around the header and the calibration strip
export const HEADER_LINE_MM = 4;
export const PATCH_MM = 6;
export const PATCH_GAP_MM = 1;

/** Calibration colours: 8 grey levels 0..255, then R, G, B, C, M, Y. */
export const CALIBRATION_GREYS = [0, 36, 73, 109, 146, 182, 219, 255] as const;
export const CALIBRATION_COLOURS: readonly [number, number, number][] = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 255, 255], [255, 0, 255], [255, 255, 0],
];

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** A marker's symbol plus its quiet zone. */
export function markerKeepOut(m: Pick<MarkerPlacement, 'xMm' | 'yMm' | 'modules' | 'moduleMm'>): Box {
  const q = QUIET_MODULES * m.moduleMm;
  const s = m.modules * m.moduleMm;
  return { x: m.xMm - q, y: m.yMm - q, w: s + 2 * q, h: s + 2 * q };
}

/** Where the header text goes: between the top markers' quiet zones, from the top margin. */
export function headerBox(layout: Pick<SheetLayout, 'markers' | 'header' | 'marginMm'>): Box {
  const [tl, tr] = [markerKeepOut(layout.markers[0]), markerKeepOut(layout.markers[1])];
  return { x: tl.x + tl.w, y: layout.marginMm, w: tr.x - (tl.x + tl.w), h: layout.header.length * HEADER_LINE_MM };
}

/** Where a cell's label goes (when the sheet was laid out with labels). */
export function labelBox(cell: Pick<CellPlacement, 'xMm' | 'yMm' | 'widthMm' | 'heightMm'>): Box {
  return { x: cell.xMm, y: cell.yMm + cell.heightMm + 0.5, w: cell.widthMm, h: LABEL_BAND_MM - 0.5 };
}
