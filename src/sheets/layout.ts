/**
 * Sheet layout, in millimetres (origin top-left of the page, y down). Pure: no files, no clock
 * (the caller passes createdAt), so the same inputs always give the same layouts.
 *
 * A page holds four corner QR markers (symbol at the margin, quiet zone kept clear), a header
 * between the top markers, an optional calibration strip between the bottom markers, and a grid
 * of slots: a slot is one (clean, adversarial) pair side by side, or one image, with an optional
 * label band below. The grid is centred in the margins; slots that would touch a marker's quiet
 * zone, the header or the strip are skipped, and every other slot is used. So the pairs per
 * sheet are "as many as fit", and registration later gets every cell from the JSON, never from
 * an assumed grid.
 *
 * Cell size: either cellMm (the longer side; the aspect ratio is kept) or dpi × dotsPerPixel,
 * where one image pixel is exactly dotsPerPixel printer dots. In that mode cell origins are
 * snapped to the printer's dot grid (multiples of 25.4/dpi mm from the page corner) so image
 * pixels land on whole dots and a raster at `dpi` reproduces them exactly.
 * Default size (defaultCellMm): MM_PER_PIXEL per image pixel of the largest image, never under
 * DEFAULT_CELL_MM (a 28 px image keeps 25 mm, about 3 camera pixels per image pixel in a 720p
 * photo of the sheet), shrunk while not even one slot fits the page.
 */
import { sha256Hex } from '../shared/sha256';
import { qrSymbol } from './qr';
import { defaultCellMm } from './layout-size';
import { encodeMarkerPayload } from './payload';
import {
  CLEARANCE_MM,
  DEFAULT_MARGIN_MM,
  DEFAULT_MODULE_MM,
  HEADER_LINE_MM,
  MARKER_EC_LEVEL,
  markerKeepOut,
  PAPERS,
  QUIET_MODULES,
  type Box,
  type PaperName,
} from './geometry';
import { boundsOf, calibrationPatches, fail, grow, markerPositions, slotCells, snap, type Geometry } from './layout-slots';
import type { CellPlacement, MarkerPlacement, SheetLayout } from './types';

export * from './geometry';
export * from './layout-size';

/** One image to place: its identity (copied into the cell) and its pixel size. */
export interface SheetImageRef {
  relPath: string;
  file: string;
  sha256: string;
  label: number;
  pixelWidth: number;
  pixelHeight: number;
  run?: string;
}

export interface LayoutOptions {
  experimentId: string;
  /** (clean, adversarial) pairs; or `images` for plain single cells. Exactly one of the two. */
  pairs?: readonly (readonly [SheetImageRef, SheetImageRef])[];
  images?: readonly SheetImageRef[];
  paper?: PaperName;
  orientation?: 'portrait' | 'landscape';
  marginMm?: number;
  /** Long side of each cell in mm (default: defaultCellMm, capped so one slot fits). Not with dpi. */
  cellMm?: number;
  /** Printer dpi; with dotsPerPixel (default: the whole number closest to defaultCellMm, capped likewise). */
  dpi?: number;
  dotsPerPixel?: number;
  moduleMm?: number;
  /** Leave room for a small label under each cell (default true). */
  labels?: boolean;
  /** Colour and grey calibration strip between the bottom markers (default true). */
  calibration?: boolean;
  header: { experiment: string; attack?: string; date: string };
  createdAt: string;
}

function qrVersion(payload: string, version?: number) {
  return qrSymbol(payload, MARKER_EC_LEVEL, version);
}

export function layoutSheets(opts: LayoutOptions): SheetLayout[] {
  const paperName = opts.paper ?? 'a4';
  if (!(paperName in PAPERS)) fail(`unknown paper '${paperName}'`, "use 'a4' or 'letter'");
  const orientation = opts.orientation ?? 'portrait';
  const base = PAPERS[paperName];
  const [pageW, pageH] = orientation === 'landscape' ? [base.heightMm, base.widthMm] : [base.widthMm, base.heightMm];
  const margin = opts.marginMm ?? DEFAULT_MARGIN_MM;
  const moduleMm = opts.moduleMm ?? DEFAULT_MODULE_MM;
  const labels = opts.labels ?? true;
  if (!(moduleMm > 0)) fail(`module size must be > 0 mm, got ${moduleMm}`);
  if (!(margin >= QUIET_MODULES * moduleMm)) {
    fail(`margin ${margin} mm is narrower than the markers' quiet zone (${QUIET_MODULES} × ${moduleMm} mm)`, 'the quiet zone must be blank paper: widen the margin');
  }
  if ((opts.pairs === undefined) === (opts.images === undefined)) fail('give either pairs or images to lay out');
  const groups: SheetImageRef[][] = opts.pairs ? opts.pairs.map((p) => [p[0], p[1]]) : (opts.images ?? []).map((r) => [r]);
  if (groups.length === 0) fail('nothing to put on a sheet (no images)');
  const refs = groups.flat();
  for (const r of refs) {
    if (!(Number.isInteger(r.pixelWidth) && Number.isInteger(r.pixelHeight) && r.pixelWidth > 0 && r.pixelHeight > 0)) fail(`${r.relPath}: bad pixel size ${r.pixelWidth}×${r.pixelHeight}`);
  }

  let dpi: number | undefined;
  let dotsPerPixel: number | undefined;
  let cellSize: Geometry['cellSize'];
  const maxPx = Math.max(...refs.map((r) => Math.max(r.pixelWidth, r.pixelHeight)));
  // A default size too large for the page shrinks (5% or one dot per pixel at a time) until a slot fits.
  let shrink: () => boolean = () => false;
  if (opts.dpi !== undefined) {
    if (opts.cellMm !== undefined) fail('give either a cell size in mm or a dpi, not both');
    dpi = opts.dpi;
    if (!(Number.isInteger(dpi) && dpi >= 50 && dpi <= 4800)) fail(`dpi must be a whole number in 50..4800, got ${dpi}`);
    dotsPerPixel = opts.dotsPerPixel ?? Math.max(1, Math.round((defaultCellMm(maxPx) / 25.4) * dpi / maxPx));
    if (!(Number.isInteger(dotsPerPixel) && dotsPerPixel >= 1)) fail(`dots per pixel must be a whole number ≥ 1, got ${dotsPerPixel}`);
    if (opts.dotsPerPixel === undefined) {
      shrink = () => {
        if (dotsPerPixel! <= 1) return false;
        dotsPerPixel!--;
        return true;
      };
    }
    cellSize = (r) => ({ w: (r.pixelWidth * dotsPerPixel! * 25.4) / dpi!, h: (r.pixelHeight * dotsPerPixel! * 25.4) / dpi! });
  } else {
    if (opts.dotsPerPixel !== undefined) fail('dots per pixel needs a dpi');
    let cellMm = opts.cellMm ?? defaultCellMm(maxPx);
    if (!(cellMm > 0)) fail(`cell size must be > 0 mm, got ${cellMm}`);
    if (opts.cellMm === undefined) {
      shrink = () => {
        if (cellMm <= 5) return false;
        cellMm = Math.round(cellMm * 95) / 100;
        return true;
      };
    }
    cellSize = (r) => {
      const long = Math.max(r.pixelWidth, r.pixelHeight);
      return { w: snap((cellMm * r.pixelWidth) / long, 0), h: snap((cellMm * r.pixelHeight) / long, 0) };
    };
  }
  const g: Geometry = { pageW, pageH, margin, moduleMm, dpi: dpi ?? 0, cellSize };
  const headerLines = 3;
  const experimentId = opts.experimentId;

  // The marker size depends on the payload length, which depends on the sheet count, which
  // depends on how many slots fit around the markers: start at version 2 and grow if needed.
  for (let version = qrVersion(probePayload(experimentId, 1)).version; ; ) {
    const modules = 17 + 4 * version;
    const corners = markerPositions(g, modules);
    const keepOuts = corners.map((c) => markerKeepOut({ ...c, modules, moduleMm }));
    const tl = keepOuts[0];
    const hdr: Box = { x: tl.x + tl.w, y: margin, w: keepOuts[1].x - (tl.x + tl.w), h: headerLines * HEADER_LINE_MM };
    if (hdr.w < 30) fail('no room for the header between the top markers', 'use a smaller --module-mm or landscape paper');
    keepOuts.push(grow(hdr, CLEARANCE_MM));
    const patches = opts.calibration === false ? undefined : calibrationPatches(g, modules);
    if (patches) keepOuts.push(grow(boundsOf(patches), CLEARANCE_MM));
    const slots = slotCells(g, refs, groups[0].length as 1 | 2, labels, keepOuts);
    if (slots.length === 0 && shrink()) continue;
    if (slots.length === 0) fail('no image cell fits on the page', 'use a smaller cell size, fewer dots per pixel, or a larger paper');
    const sheetCount = Math.ceil(groups.length / slots.length);
    if (qrVersion(probePayload(experimentId, sheetCount)).version > version) {
      version++;
      continue;
    }
    return Array.from({ length: sheetCount }, (_, sheetIndex): SheetLayout => {
      const cells = groups
        .slice(sheetIndex * slots.length, (sheetIndex + 1) * slots.length)
        .flatMap((group, s) => group.map((ref, k) => placeCell(g, slots[s][k], ref, sheetIndex * slots.length + s, k, group.length)))
        .map((cell, index) => ({ ...cell, index }));
      const layout = {
        schemaVersion: 1 as const,
        experimentId,
        sheetIndex,
        sheetCount,
        paper: { name: paperName, orientation, widthMm: pageW, heightMm: pageH },
        marginMm: margin,
        ...(dpi !== undefined ? { dpi, dotsPerPixel } : {}),
        cells,
        ...(patches ? { calibration: patches } : {}),
      };
      const sheetId = sheetIdOf({ ...layout, moduleMm });
      const markers: MarkerPlacement[] = corners.map((c) => {
        const payload = encodeMarkerPayload({ experimentId, sheetId, sheetIndex, sheetCount, corner: c.corner });
        return { ...c, modules: qrVersion(payload, version).modules.size, moduleMm, payload };
      });
      const attack = opts.header.attack ?? 'images';
      const header = [`Printshot · ${opts.header.experiment}`, `sheet ${sheetIndex + 1}/${sheetCount} · ${attack}`, `${opts.header.date} · sheet id ${sheetId}`];
      // Key order fixed here so the JSON reads naturally (identity, paper, header, geometry).
      return {
        schemaVersion: 1, experimentId, sheetId, sheetIndex, sheetCount, paper: layout.paper, marginMm: margin,
        ...(dpi !== undefined ? { dpi, dotsPerPixel } : {}),
        header, markers, cells, ...(patches ? { calibration: patches } : {}), createdAt: opts.createdAt,
      };
    });
  }
}

function placeCell(g: Geometry, slot: Box, ref: SheetImageRef, groupIndex: number, k: number, perGroup: number): CellPlacement {
  const { w, h } = g.cellSize(ref);
  // Smaller images sit centred in a slot sized for the largest one.
  const x = snap(slot.x + (slot.w - w) / 2, g.dpi);
  const y = snap(slot.y + (slot.h - h) / 2, g.dpi);
  const role = perGroup === 1 ? 'image' : k === 0 ? 'clean' : 'adversarial';
  return {
    index: 0, // numbered within the sheet by the caller
    xMm: x, yMm: y, widthMm: w, heightMm: h, pixelWidth: ref.pixelWidth, pixelHeight: ref.pixelHeight, role,
    ...(perGroup === 2 ? { pair: groupIndex } : {}),
    relPath: ref.relPath, file: ref.file, sha256: ref.sha256, label: ref.label,
    ...(ref.run !== undefined ? { run: ref.run } : {}),
  };
}

function probePayload(experimentId: string, sheetCount: number): string {
  return encodeMarkerPayload({ experimentId, sheetId: 'FFFFFFFF', sheetIndex: sheetCount - 1, sheetCount, corner: 0 });
}

/**
 * The sheet id: a hash of everything that decides where ink goes (not the header or the date).
 * The same content laid out the same way gets the same id; if a layout.json and a PDF from
 * different runs were ever mixed up, the markers' id would not match the layout's.
 */
function sheetIdOf(l: object): string {
  return sha256Hex(JSON.stringify(l)).slice(0, 8).toUpperCase();
}
