/**
 * captures/captures.json: the record of every photo `printshot register` has seen, accepted or
 * not, so that nothing is discarded silently and per-photo counts can be reported as in the
 * paper (3-10 % of photos discarded). Written atomically after each photo, so a killed run
 * leaves a valid log and the next run resumes after the last photo it holds.
 *
 * Paths inside are '/'-separated and relative to the experiment root.
 */
import { z } from 'zod';
import type { RejectReason } from './register';

export const CAPTURES_DIR = 'captures';
export const CAPTURES_LOG = 'captures/captures.json';
export const ORIGINALS_DIR = 'captures/originals';

const reasons = [
  'unreadable-file',
  'missing-marker',
  'foreign-sheet',
  'unknown-sheet',
  'mixed-sheets',
  'reprojection-error',
  'duplicate-photo',
  'duplicate-sheet',
] as const satisfies readonly RejectReason[];

export const CaptureCropSchema = z.object({
  cell: z.number().int().nonnegative(),
  /** The rectified crop (RGB PNG at the cell's pixel size). */
  file: z.string(),
  role: z.enum(['clean', 'adversarial', 'image']),
  pair: z.number().int().nonnegative().optional(),
  relPath: z.string(),
  label: z.number().int(),
  run: z.string().optional(),
  /** The image that was printed in this cell, and its sha256 (from the layout). */
  source: z.string(),
  sourceSha256: z.string(),
});

export const CaptureEntrySchema = z.object({
  /** Unique per photo; also the folder of its crops (captures/<id>/). */
  id: z.string(),
  /** Path of the photo as given to register. */
  source: z.string(),
  /** Byte-identical copy of the photo; null when the file could not be read at all. */
  original: z.string().nullable(),
  sha256: z.string().nullable(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  status: z.enum(['accepted', 'rejected', 'duplicate']),
  reason: z.enum(reasons).optional(),
  message: z.string().optional(),
  /** For duplicates: the id of the entry this one repeats. */
  duplicateOf: z.string().optional(),
  sheetId: z.string().optional(),
  sheetIndex: z.number().int().nonnegative().optional(),
  layoutFile: z.string().optional(),
  /** Printshot markers decoded, and other QR codes ignored. */
  markers: z.number().int().nonnegative(),
  otherCodes: z.number().int().nonnegative(),
  reprojection: z.object({ meanMm: z.number(), rmsMm: z.number(), maxMm: z.number() }).optional(),
  /** Page mm -> photo px, row-major 3x3. */
  homography: z.array(z.number()).length(9).optional(),
  /** The decoded corner markers as found in the photo (px, symbol TL, TR, BR, BL): the workbench's marker overlay. */
  markerQuads: z.array(z.object({ corner: z.number().int().min(0).max(3), corners: z.array(z.object({ x: z.number(), y: z.number() })).length(4) })).optional(),
  /** The whole page rectified head-on (PNG, captures/<id>/sheet.png) for accepted photos; absent in older logs. */
  rectified: z.string().optional(),
  crops: z.array(CaptureCropSchema),
  /**
   * Patches located in the photo (src/services/patch-locate.ts): for each registered cell of a patch
   * run (its recorded placement) or of a patch-alone sheet (the whole cell), the patch's corners
   * (TL, TR, BR, BL of the patch) in photo px. Absent when the sheet holds no patch, and in older logs.
   */
  patches: z.array(z.object({ cell: z.number().int().nonnegative(), run: z.string().optional(), relPath: z.string(), corners: z.array(z.object({ x: z.number(), y: z.number() })).length(4) })).optional(),
  /** Capture condition (free key=value tags: distance, angle, lighting...) given to register; absent in older logs. */
  condition: z.record(z.string(), z.string()).optional(),
  /** Protocol the session followed ('kurakin', 'rp2' or a protocol file's name). */
  protocol: z.string().optional(),
  registeredAt: z.string(),
});

export const CapturesLogSchema = z.object({
  schemaVersion: z.literal(1),
  experimentId: z.string(),
  counts: z.object({
    photos: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    duplicate: z.number().int(),
    byReason: z.record(z.string(), z.number().int()),
  }),
  photos: z.array(CaptureEntrySchema),
});

export type CaptureCrop = z.infer<typeof CaptureCropSchema>;
export type CaptureEntry = z.infer<typeof CaptureEntrySchema>;
export type CapturesLog = z.infer<typeof CapturesLogSchema>;
export type CaptureCounts = CapturesLog['counts'];

export function countCaptures(photos: readonly CaptureEntry[]): CaptureCounts {
  const byReason: Record<string, number> = {};
  for (const p of photos) if (p.reason) byReason[p.reason] = (byReason[p.reason] ?? 0) + 1;
  return {
    photos: photos.length,
    accepted: photos.filter((p) => p.status === 'accepted').length,
    rejected: photos.filter((p) => p.status === 'rejected').length,
    duplicate: photos.filter((p) => p.status === 'duplicate').length,
    byReason,
  };
}
