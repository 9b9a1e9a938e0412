/**
 * Helpers for the sheet tests: deterministic test images, poppler-utils wrappers (pdftocairo,
 * pdfimages, pdffonts) and a zxing-wasm QR reader loaded from the package's own .wasm file
 * (never a CDN).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { prepareZXingModule, readBarcodes, type ReadResult } from 'zxing-wasm/reader';
import { makeImage8, type Image8 } from '../../../src/shared';

const require = createRequire(import.meta.url);

/** A 28×28-style image with varied, seed-dependent pixels (gray or RGB), optionally with a black border. */
export function testImage(seed: number, opts: { width?: number; height?: number; channels?: 1 | 3; border?: boolean } = {}): Image8 {
  const { width = 28, height = 28, channels = 1, border = false } = opts;
  const data = new Uint8Array(width * height * channels);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 0xff;
  }
  if (border) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1;
        for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = edge ? 0 : 150 + (data[(y * width + x) * channels + c] % 100);
      }
    }
  }
  return makeImage8(width, height, channels, data);
}

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `printshot-${prefix}-`));
}

export interface Raster {
  width: number;
  height: number;
  data: Buffer; // RGB
  png: Buffer;
}

/** Rasterises every page with pdftocairo (pixel-exact, unlike pdftoppm) at `dpi`. */
export async function rasterise(pdf: string, dpi: number): Promise<Raster[]> {
  const dir = tmp('raster');
  try {
    execFileSync('pdftocairo', ['-r', String(dpi), '-png', pdf, join(dir, 'page')]);
    const files = readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f)).sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
    return await Promise.all(
      files.map(async (f) => {
        const png = readFileSync(join(dir, f));
        const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, data, png };
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The embedded images as PNG bytes, in the order they appear, via `pdfimages -png`. */
export function extractImages(pdf: string): Buffer[] {
  const dir = tmp('pdfimages');
  try {
    execFileSync('pdfimages', ['-png', pdf, join(dir, 'img')]);
    return readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => readFileSync(join(dir, f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pdfimagesList(pdf: string): string {
  return execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' });
}

export function pdffonts(pdf: string): string {
  return execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
}

/**
 * The raw stream bytes of every image XObject, in file order. pdfkit writes object
 * dictionaries uncompressed, so a small scan finds them; enough for PDFs written by pdfkit.
 */
export function rawImageStreams(pdf: Buffer): Buffer[] {
  const text = pdf.toString('latin1');
  const out: Buffer[] = [];
  const re = /obj\s*<<([^]*?)>>\s*stream\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!/\/Subtype\s*\/Image/.test(m[1])) continue;
    const len = Number(/\/Length\s+(\d+)/.exec(m[1])![1]);
    const start = m.index + m[0].length;
    out.push(pdf.subarray(start, start + len));
  }
  return out;
}

/** The concatenated IDAT data of a PNG: the compressed pixels pdfkit copies into the PDF. */
export function pngIdat(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    if (type === 'IDAT') parts.push(png.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  return Buffer.concat(parts);
}

let zxing: Promise<unknown> | undefined;

export async function readQrCodes(image: Uint8Array | { data: Uint8ClampedArray; width: number; height: number }): Promise<ReadResult[]> {
  if (!zxing) {
    const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength);
    zxing = prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
  }
  await zxing;
  return readBarcodes(image as Uint8Array, { formats: ['QRCode'], maxNumberOfSymbols: 8 });
}
