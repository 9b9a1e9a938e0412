// The qrcode package's encoder core, typed narrowly: the package's own types reference Node
// (`/// <reference types="node" />`, for its file and stream writers), which the pure core avoids.
declare module 'qrcode/lib/core/qrcode.js' {
  export interface QrSymbol {
    modules: { size: number; data: Uint8Array; get(row: number, col: number): number };
    version: number;
  }
  export function create(text: string, options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H'; version?: number }): QrSymbol;
}
