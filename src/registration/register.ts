/**
 * Registering one photo of a printed sheet (Kurakin et al. §3.2, Fig. 3c): find the four corner
 * QR markers, check they belong to one known sheet of this experiment, fit the page->photo
 * homography over all 16 marker corners, check its fit, and cut every cell back out at its
 * source pixel size.
 *
 * Gates that need only the photo live here; the ones that need history (duplicate photo,
 * duplicate sheet) and file reading (unreadable file) live in the register job. As in the paper,
 * a photo with any corner marker missing is rejected whole: a homography from three markers
 * would still fit, but cells far from them would be cropped by extrapolation.
 */
import { experimentPrefix, decodeMarkerPayload, type MarkerPayload } from '../sheets/payload';
import type { CellPlacement, Corner, SheetLayout } from '../sheets/types';
import type { Image8 } from '../shared';
import { fitHomography, invertHomography, reprojectionStats, type Point } from './homography';
import { detectMarkers, type MarkerDetection } from './markers';
import { cropCell } from './rectify';

export type RejectReason =
  | 'unreadable-file'
  | 'missing-marker'
  | 'foreign-sheet'
  | 'unknown-sheet'
  | 'mixed-sheets'
  | 'reprojection-error'
  | 'duplicate-photo'
  | 'duplicate-sheet';

/** Reasons and what they mean, for docs, logs and the UI. */
export const REJECT_REASONS: Record<RejectReason, string> = {
  'unreadable-file': 'the file is not a readable PNG or JPEG image',
  'missing-marker': 'fewer than 4 corner markers of the sheet were decoded (the paper discards such photos)',
  'foreign-sheet': 'the markers belong to a sheet of another experiment',
  'unknown-sheet': "the markers name a sheet of this experiment whose layout is not in sheets/",
  'mixed-sheets': 'markers of more than one sheet (or two copies of one corner) are in the photo',
  'reprojection-error': 'the homography does not fit the marker corners within the threshold',
  'duplicate-photo': 'the same file (sha256) was already registered',
  'duplicate-sheet': 'this sheet already has an accepted photo',
};

/** Default gate: largest marker-corner reprojection error on the page, mm. */
export const DEFAULT_MAX_REPROJECTION_MM = 1.0;

export interface RegisterOptions {
  /** Largest allowed marker-corner reprojection error on the page, mm (default 1.0). */
  maxReprojectionMm?: number;
  /** Cut the cells out (default true); false stops after the gates (live preview). */
  crop?: boolean;
  /** Markers already detected in this image (skips detection). */
  detections?: MarkerDetection[];
}

export interface FoundMarker {
  corner: Corner;
  text: string;
  /** Symbol corners in photo px, TL, TR, BR, BL of the symbol. */
  corners: Point[];
}

export interface RegisteredCell {
  cell: CellPlacement;
  image: Image8;
}

export interface RegistrationResult {
  status: 'accepted' | 'rejected';
  reason?: RejectReason;
  /** One line for humans, e.g. "3 of 4 markers (missing: bottom-left)". */
  message?: string;
  layout?: SheetLayout;
  markers: FoundMarker[];
  /** QR codes in the photo that are not Printshot markers (ignored). */
  otherCodes: number;
  /** Page mm -> photo px. */
  homography?: number[];
  /** Marker-corner reprojection error on the page, mm. */
  reprojection?: { meanMm: number; rmsMm: number; maxMm: number };
  cells: RegisteredCell[];
  timings: { detectMs: number; fitMs: number; cropMs: number };
}

export const CORNER_NAMES = ['top-left', 'top-right', 'bottom-right', 'bottom-left'] as const;

/** Page positions (mm) of a marker's symbol corners, in the symbol's TL, TR, BR, BL order. */
export function markerCornersMm(m: { xMm: number; yMm: number; modules: number; moduleMm: number }): Point[] {
  const s = m.modules * m.moduleMm;
  return [
    { x: m.xMm, y: m.yMm },
    { x: m.xMm + s, y: m.yMm },
    { x: m.xMm + s, y: m.yMm + s },
    { x: m.xMm, y: m.yMm + s },
  ];
}

export async function registerImage(
  image: Image8,
  experimentId: string,
  layouts: readonly SheetLayout[],
  opts: RegisterOptions = {},
): Promise<RegistrationResult> {
  const t0 = performance.now();
  const detections = opts.detections ?? (await detectMarkers(image));
  const t1 = performance.now();
  const timings = { detectMs: t1 - t0, fitMs: 0, cropMs: 0 };
  const parsed: { d: MarkerDetection; p: MarkerPayload }[] = [];
  for (const d of detections) {
    const p = decodeMarkerPayload(d.text);
    if (p) parsed.push({ d, p });
  }
  const otherCodes = detections.length - parsed.length;
  const markers: FoundMarker[] = parsed.map(({ d, p }) => ({ corner: p.corner, text: d.text, corners: d.corners }));
  const reject = (reason: RejectReason, message: string, layout?: SheetLayout): RegistrationResult => ({
    status: 'rejected', reason, message, layout, markers, otherCodes, cells: [], timings,
  });

  if (parsed.length === 0) {
    return reject('missing-marker', `no corner markers found${otherCodes ? ` (${otherCodes} other QR code(s) ignored)` : ''}`);
  }
  const sheetKeys = new Set(parsed.map(({ p }) => `${p.experiment}:${p.sheetId}`));
  if (sheetKeys.size > 1) return reject('mixed-sheets', `markers of ${sheetKeys.size} sheets: ${[...sheetKeys].join(', ')}`);
  const { p: first } = parsed[0];
  if (first.experiment !== experimentPrefix(experimentId)) {
    return reject('foreign-sheet', `sheet ${first.sheetId} belongs to experiment ${first.experiment}…, not ${experimentPrefix(experimentId)}…`);
  }
  const layout = layouts.find((l) => l.sheetId === first.sheetId);
  if (!layout) return reject('unknown-sheet', `sheet ${first.sheetId} (${first.sheetIndex + 1}/${first.sheetCount}) has no layout in sheets/`);
  const byCorner = new Map<Corner, MarkerDetection>();
  for (const { d, p } of parsed) {
    if (byCorner.has(p.corner)) return reject('mixed-sheets', `two ${CORNER_NAMES[p.corner]} markers of sheet ${p.sheetId} (two copies in view?)`, layout);
    byCorner.set(p.corner, d);
  }
  const missing = layout.markers.filter((m) => !byCorner.has(m.corner));
  if (missing.length > 0) {
    const names = missing.map((m) => CORNER_NAMES[m.corner]).join(', ');
    return reject('missing-marker', `${layout.markers.length - missing.length} of ${layout.markers.length} markers (missing: ${names})`, layout);
  }

  // 16 correspondences: each symbol's corners pair with the layout's positions directly, since
  // zxing reports them in the symbol's own orientation.
  const page: Point[] = [];
  const photo: Point[] = [];
  for (const m of layout.markers) {
    page.push(...markerCornersMm(m));
    photo.push(...byCorner.get(m.corner)!.corners);
  }
  const homography = fitHomography(page, photo);
  const err = reprojectionStats(invertHomography(homography), photo, page);
  const reprojection = { meanMm: err.mean, rmsMm: err.rms, maxMm: err.max };
  const t2 = performance.now();
  timings.fitMs = t2 - t1;
  const maxMm = opts.maxReprojectionMm ?? DEFAULT_MAX_REPROJECTION_MM;
  if (!(err.max <= maxMm)) {
    return { ...reject('reprojection-error', `marker corners fit within ${err.max.toFixed(2)} mm, over the ${maxMm} mm limit`, layout), homography, reprojection };
  }
  const cells = opts.crop === false ? [] : layout.cells.map((cell) => ({ cell, image: cropCell(image, homography, cell) }));
  timings.cropMs = performance.now() - t2;
  return { status: 'accepted', layout, markers, otherCodes, homography, reprojection, cells, timings };
}
