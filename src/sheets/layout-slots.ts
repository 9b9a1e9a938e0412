/**
 * Where things go on one page of a sheet layout (layout.ts): the corner markers, the calibration
 * strip and the grid of image slots, in millimetres. Pure arithmetic over the page geometry.
 */
import { PrintshotError } from '../shared';
import {
  CALIBRATION_COLOURS,
  CALIBRATION_GREYS,
  CLEARANCE_MM,
  GUTTER_MM,
  LABEL_BAND_MM,
  overlaps,
  PAIR_GAP_MM,
  PATCH_GAP_MM,
  PATCH_MM,
  QUIET_MODULES,
  type Box,
} from './geometry';
import type { SheetImageRef } from './layout';
import type { CalibrationPatch, Corner } from './types';

export function fail(msg: string, hint?: string): never {
  throw new PrintshotError('bad-argument', msg, hint);
}

export interface Geometry {
  pageW: number;
  pageH: number;
  margin: number;
  moduleMm: number;
  /** Printer dpi when snapping to its dot grid, else 0. */
  dpi: number;
  cellSize: (r: SheetImageRef) => { w: number; h: number };
}

/**
 * Snaps to the printer dot grid (k × 25.4 / dpi, computed the same way everywhere so equal
 * positions are equal floats), or without a dpi just rounds to a nanometre to keep the JSON tidy.
 */
export function snap(v: number, dpi: number): number {
  return dpi > 0 ? (Math.round((v * dpi) / 25.4) * 25.4) / dpi : Math.round(v * 1e6) / 1e6;
}

export function markerPositions(g: Geometry, modules: number): { corner: Corner; xMm: number; yMm: number }[] {
  const s = modules * g.moduleMm;
  const [l, t, r, b] = [g.margin, g.margin, g.pageW - g.margin - s, g.pageH - g.margin - s];
  return [
    { corner: 0, xMm: l, yMm: t },
    { corner: 1, xMm: r, yMm: t },
    { corner: 2, xMm: r, yMm: b },
    { corner: 3, xMm: l, yMm: b },
  ];
}

export function calibrationPatches(g: Geometry, modules: number): CalibrationPatch[] {
  const qz = (modules + QUIET_MODULES) * g.moduleMm;
  const left = g.margin + qz + CLEARANCE_MM;
  const avail = g.pageW - g.margin - qz - CLEARANCE_MM - left;
  const size = Math.min(PATCH_MM, (avail - 7 * PATCH_GAP_MM) / 8);
  if (size < 3) fail('no room for the calibration strip between the bottom markers', 'use --no-calibration, a smaller --module-mm or landscape paper');
  const rows = [CALIBRATION_GREYS.map((v): [number, number, number] => [v, v, v]), [...CALIBRATION_COLOURS]];
  const bottom = g.pageH - g.margin;
  return rows.flatMap((row, r) => {
    const width = row.length * size + (row.length - 1) * PATCH_GAP_MM;
    const x0 = left + (avail - width) / 2;
    const y = bottom - (rows.length - r) * size - (rows.length - 1 - r) * PATCH_GAP_MM;
    return row.map((rgb, i) => ({ xMm: snap(x0 + i * (size + PATCH_GAP_MM), 0), yMm: snap(y, 0), sizeMm: snap(size, 0), rgb }));
  });
}

export function boundsOf(patches: CalibrationPatch[]): Box {
  const x = Math.min(...patches.map((p) => p.xMm));
  const y = Math.min(...patches.map((p) => p.yMm));
  const x1 = Math.max(...patches.map((p) => p.xMm + p.sizeMm));
  const y1 = Math.max(...patches.map((p) => p.yMm + p.sizeMm));
  return { x, y, w: x1 - x, h: y1 - y };
}

export function grow(b: Box, d: number): Box {
  return { x: b.x - d, y: b.y - d, w: b.w + 2 * d, h: b.h + 2 * d };
}

/**
 * The cell rectangles of every usable slot on a page (same on every page), in reading order.
 * Each slot is a list of 1 (single image) or 2 (pair) cell boxes sized for the largest image.
 */
export function slotCells(g: Geometry, refs: readonly SheetImageRef[], perSlot: 1 | 2, labels: boolean, keepOuts: Box[]): Box[][] {
  const cw = Math.max(...refs.map((r) => g.cellSize(r).w));
  const ch = Math.max(...refs.map((r) => g.cellSize(r).h));
  const slotW = perSlot * cw + (perSlot - 1) * PAIR_GAP_MM;
  const slotH = ch + (labels ? LABEL_BAND_MM : 0);
  const content: Box = { x: g.margin, y: g.margin, w: g.pageW - 2 * g.margin, h: g.pageH - 2 * g.margin };
  const nx = Math.floor((content.w + GUTTER_MM) / (slotW + GUTTER_MM));
  const ny = Math.floor((content.h + GUTTER_MM) / (slotH + GUTTER_MM));
  const x0 = content.x + (content.w - (nx * slotW + (nx - 1) * GUTTER_MM)) / 2;
  const y0 = content.y + (content.h - (ny * slotH + (ny - 1) * GUTTER_MM)) / 2;
  const inside = (b: Box) => b.x >= content.x - 1e-9 && b.y >= content.y - 1e-9 && b.x + b.w <= content.x + content.w + 1e-9 && b.y + b.h <= content.y + content.h + 1e-9;
  const slots: Box[][] = [];
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const sx = x0 + c * (slotW + GUTTER_MM);
      const sy = y0 + r * (slotH + GUTTER_MM);
      const cells = Array.from({ length: perSlot }, (_, k) => ({ x: snap(sx + k * (cw + PAIR_GAP_MM), g.dpi), y: snap(sy, g.dpi), w: cw, h: ch }));
      const occupied = cells.map((b) => (labels ? { ...b, h: b.h + LABEL_BAND_MM } : b));
      if (occupied.every((b) => inside(b) && !keepOuts.some((k) => overlaps(b, k)))) slots.push(cells);
    }
  }
  return slots;
}
