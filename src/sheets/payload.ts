/**
 * The text inside each corner QR marker:
 *
 *   PS1:<EXPERIMENT>:<SHEET>:<n>/<N>:<corner>      e.g. PS1:3F2A9C01B7E4:1A2B3C4D:2/5:0
 *
 * EXPERIMENT is the first 12 hex digits of the experiment id (dashes removed, upper case), SHEET
 * the layout's sheetId, n/N the sheet number (1-based, as printed in the header) and count, and
 * corner 0..3 (top-left, top-right, bottom-right, bottom-left). Everything is upper case on
 * purpose: digits, A–Z, ':' and '/' are all in the QR alphanumeric set, which packs 5.5 bits a
 * character instead of 8, so the payload (33 characters for up to 99 sheets) fits a version-2
 * symbol (25×25 modules) at error-correction level M. Fewer modules means bigger modules for
 * the same marker size, which is what decides whether a webcam frame can read it.
 */
export const PAYLOAD_PREFIX = 'PS1';

export interface MarkerPayload {
  /** First 12 hex digits of the experiment id, upper case. Compare with experimentPrefix(id). */
  experiment: string;
  sheetId: string;
  /** 0-based, like SheetLayout.sheetIndex (the payload text itself is 1-based). */
  sheetIndex: number;
  sheetCount: number;
  corner: 0 | 1 | 2 | 3;
}

export interface EncodePayloadInput {
  experimentId: string;
  sheetId: string;
  sheetIndex: number;
  sheetCount: number;
  corner: 0 | 1 | 2 | 3;
}

const SHEET_ID = /^[0-9A-Z]{1,16}$/;
const PAYLOAD = /^PS1:([0-9A-F]{12}):([0-9A-Z]{1,16}):([1-9]\d{0,5})\/([1-9]\d{0,5}):([0-3])$/;

/** The 12-hex-digit experiment prefix a marker carries, e.g. for a uuid '3f2a9c01-b7e4-…'. */
export function experimentPrefix(experimentId: string): string {
  const hex = experimentId.replace(/-/g, '').toUpperCase();
  if (!/^[0-9A-F]{12,}$/.test(hex)) {
    throw new RangeError(`experiment id '${experimentId}' must be hex (a uuid) with at least 12 digits`);
  }
  return hex.slice(0, 12);
}

export function encodeMarkerPayload(p: EncodePayloadInput): string {
  if (!SHEET_ID.test(p.sheetId)) throw new RangeError(`sheet id '${p.sheetId}' must be 1–16 characters 0-9 A-Z`);
  if (!Number.isInteger(p.sheetCount) || p.sheetCount < 1 || p.sheetCount > 999_999) {
    throw new RangeError(`sheet count ${p.sheetCount} is out of range`);
  }
  if (!Number.isInteger(p.sheetIndex) || p.sheetIndex < 0 || p.sheetIndex >= p.sheetCount) {
    throw new RangeError(`sheet index ${p.sheetIndex} is not in 0..${p.sheetCount - 1}`);
  }
  if (![0, 1, 2, 3].includes(p.corner)) throw new RangeError(`corner ${String(p.corner)} is not 0..3`);
  return `${PAYLOAD_PREFIX}:${experimentPrefix(p.experimentId)}:${p.sheetId}:${p.sheetIndex + 1}/${p.sheetCount}:${p.corner}`;
}

/**
 * Parses a marker's text; null for anything that is not a Printshot marker (another QR code in
 * the photo, a marker of a future format, a misread that still passed the QR checksum).
 */
export function decodeMarkerPayload(text: string): MarkerPayload | null {
  const m = PAYLOAD.exec(text);
  if (!m) return null;
  const n = Number(m[3]);
  const count = Number(m[4]);
  if (n > count) return null;
  return { experiment: m[1], sheetId: m[2], sheetIndex: n - 1, sheetCount: count, corner: Number(m[5]) as 0 | 1 | 2 | 3 };
}
