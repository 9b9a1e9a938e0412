/**
 * QR symbols for the corner markers, from qrcode's encoder core (plain JS, no I/O). The same
 * function the package's main entry exports as QRCode.create, minus its Node-typed writers.
 */
// The declaration must reach every tsconfig that compiles this file; an ambient module has no import form.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./qrcode-core.d.ts" />
import { create, type QrSymbol } from 'qrcode/lib/core/qrcode.js';

export type { QrSymbol };
export type QrLevel = 'L' | 'M' | 'Q' | 'H';

export function qrSymbol(text: string, level: QrLevel, version?: number): QrSymbol {
  return create(text, { errorCorrectionLevel: level, ...(version ? { version } : {}) });
}
