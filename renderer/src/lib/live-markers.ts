/**
 * What the Capture view says about a live frame: which sheet of the open experiment is in view,
 * how many of its corner markers were read, and how many of its cells lie inside the frame
 * (projected through a homography fitted to the markers found). It also judges whether the page
 * is steady, for auto capture. Pure functions over marker detections, so they are unit-tested.
 */
import { applyHomography, fitHomography, type Point } from '../../../src/registration/homography';
import { decodeMarkerPayload, experimentPrefix } from '../../../src/sheets/payload';
import type { MarkerPlacement, SheetLayout } from '../../../src/sheets/types';

export interface Detection {
  text: string;
  /** The symbol's corners in frame pixels, in its own TL, TR, BR, BL order. */
  corners: [Point, Point, Point, Point];
}

export interface LiveStatus {
  /** The sheet in view (first marker's), or null when no Printshot marker was read. */
  sheet: { sheetId: string; index: number; count: number } | null;
  markersFound: number;
  markersTotal: number;
  cellsFound: number;
  cellsTotal: number;
  /** Markers of another experiment: registration would reject the photo. */
  foreign: boolean;
  /** A sheet of this experiment whose layout is not in sheets/. */
  unknown: boolean;
  otherCodes: number;
  /** Every marker of a known sheet read: a capture now would register. */
  complete: boolean;
}

export const EMPTY_STATUS: LiveStatus = {
  sheet: null, markersFound: 0, markersTotal: 4, cellsFound: 0, cellsTotal: 0, foreign: false, unknown: false, otherCodes: 0, complete: false,
};

export function markerCornersMm(m: Pick<MarkerPlacement, 'xMm' | 'yMm' | 'modules' | 'moduleMm'>): Point[] {
  const s = m.modules * m.moduleMm;
  return [{ x: m.xMm, y: m.yMm }, { x: m.xMm + s, y: m.yMm }, { x: m.xMm + s, y: m.yMm + s }, { x: m.xMm, y: m.yMm + s }];
}

export function liveStatus(detections: readonly Detection[], experimentId: string | undefined, layouts: readonly SheetLayout[], frame: { width: number; height: number }): LiveStatus {
  const parsed = detections.flatMap((d) => {
    const p = decodeMarkerPayload(d.text);
    return p ? [{ d, p }] : [];
  });
  const otherCodes = detections.length - parsed.length;
  if (parsed.length === 0) return { ...EMPTY_STATUS, otherCodes };
  const { p } = parsed[0];
  const sheet = { sheetId: p.sheetId, index: p.sheetIndex, count: p.sheetCount };
  const ours = parsed.filter((x) => x.p.sheetId === p.sheetId && x.p.experiment === p.experiment);
  const corners = new Map(ours.map((x) => [x.p.corner, x.d]));
  const base = { ...EMPTY_STATUS, sheet, markersFound: corners.size, otherCodes };
  let prefix: string | undefined;
  try {
    prefix = experimentId ? experimentPrefix(experimentId) : undefined;
  } catch {
    prefix = undefined;
  }
  if (prefix !== undefined && p.experiment !== prefix) return { ...base, foreign: true };
  const layout = layouts.find((l) => l.sheetId === p.sheetId);
  if (!layout) return { ...base, unknown: true };
  const cellsTotal = layout.cells.length;
  const found = { ...base, markersTotal: layout.markers.length, cellsTotal };
  // Two markers (8 corners) fix a homography well enough to say which cells are in the frame.
  if (corners.size < 2) return found;
  const page: Point[] = [];
  const photo: Point[] = [];
  for (const m of layout.markers) {
    const d = corners.get(m.corner);
    if (!d) continue;
    page.push(...markerCornersMm(m));
    photo.push(...d.corners);
  }
  let cellsFound = 0;
  try {
    const h = fitHomography(page, photo);
    const inside = (q: Point) => Number.isFinite(q.x) && Number.isFinite(q.y) && q.x >= 0 && q.y >= 0 && q.x < frame.width && q.y < frame.height;
    for (const c of layout.cells) {
      const box = [
        { x: c.xMm, y: c.yMm },
        { x: c.xMm + c.widthMm, y: c.yMm },
        { x: c.xMm + c.widthMm, y: c.yMm + c.heightMm },
        { x: c.xMm, y: c.yMm + c.heightMm },
      ];
      if (box.every((q) => inside(applyHomography(h, q)))) cellsFound++;
    }
  } catch {
    cellsFound = 0;
  }
  const complete = corners.size === layout.markers.length;
  return { ...found, cellsFound: complete ? Math.max(cellsFound, 0) : cellsFound, complete };
}

export function statusText(s: LiveStatus): string {
  if (!s.sheet) return s.otherCodes > 0 ? `No Printshot markers (${s.otherCodes} other QR code(s))` : 'No sheet in view';
  const n = `sheet ${s.sheet.index + 1}/${s.sheet.count}`;
  if (s.foreign) return `${n} belongs to another experiment: open that experiment to register it`;
  if (s.unknown) return `${n} (id ${s.sheet.sheetId}) has no layout in this experiment's sheets/`;
  return `${n} found, ${s.markersFound}/${s.markersTotal} markers, ${s.cellsFound}/${s.cellsTotal} cells`;
}

/**
 * Steadiness: the page counts as steady when every marker corner moved less than `tolerancePx`
 * across the last `frames` complete detections of the same sheet.
 */
export class SteadyTracker {
  private history: { key: string; points: Point[] }[] = [];

  constructor(
    private readonly frames = 3,
    private readonly tolerancePx = 4,
  ) {}

  /** Adds a frame's detections; returns whether the page is steady now. */
  push(status: LiveStatus, detections: readonly Detection[]): boolean {
    if (!status.complete || !status.sheet) {
      this.history = [];
      return false;
    }
    const ours = detections
      .map((d) => ({ d, p: decodeMarkerPayload(d.text) }))
      .filter((x) => x.p?.sheetId === status.sheet!.sheetId)
      .sort((a, b) => a.p!.corner - b.p!.corner);
    const points = ours.flatMap((x) => x.d.corners);
    const key = status.sheet.sheetId;
    if (this.history.length > 0 && this.history[0].key !== key) this.history = [];
    this.history.push({ key, points });
    if (this.history.length > this.frames) this.history.shift();
    if (this.history.length < this.frames) return false;
    const first = this.history[0].points;
    return this.history.every((h) => h.points.length === first.length && h.points.every((q, i) => Math.hypot(q.x - first[i].x, q.y - first[i].y) <= this.tolerancePx));
  }

  reset(): void {
    this.history = [];
  }
}
