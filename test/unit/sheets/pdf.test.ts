/**
 * The printed PDF against its layout, checked the way a printer driver would see it:
 * embedded images byte-identical to the source PNGs, pdftocairo rasters at the native dpi
 * reproducing each cell pixel for pixel, cell positions within 0.1 mm, markers decodable
 * (72/150/300 dpi and a 720p frame of the full page), fonts embedded.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/images/encode';
import { layoutSheets, type SheetImageRef } from '../../../src/sheets/layout';
import { decodeMarkerPayload } from '../../../src/sheets/payload';
import { mmToPt, renderSheetsPdf, sheetPng, writeSheetsPdf } from '../../../src/sheets/node/pdf';
import type { SheetLayout } from '../../../src/sheets/types';
import { toChannels } from '../../../src/images/decode';
import type { Image8 } from '../../../src/shared';
import { extractImages, pdffonts, pdfimagesList, pngIdat, rasterise, rawImageStreams, readQrCodes, testImage, tmp, type Raster } from './helpers';

const EXP = '0b9e6c2a-51d4-4f0e-8a3c-7d2f4e6a8b10';
const dir = tmp('sheets-pdf');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 30 pairs: gray 28×28 images, plus one RGB pair and one 20×24 pair to cover other shapes. */
const images = new Map<string, Image8>();
function pairRefs(border: boolean): [SheetImageRef, SheetImageRef][] {
  return Array.from({ length: 30 }, (_, i) => {
    const shape = i === 7 ? { channels: 3 as const } : i === 12 ? { width: 20, height: 24 } : {};
    return (['clean', 'adversarial/fgsm-eps8'] as const).map((kind, k) => {
      const img = testImage(i * 2 + k + (border ? 1000 : 0), { ...shape, border });
      const file = `${kind === 'clean' ? 'clean' : kind}/${border ? 'b' : 'p'}${i}.png`;
      images.set(file, img);
      return { relPath: `${i}.png`, file, sha256: 'a'.repeat(64), label: i % 10, pixelWidth: img.width, pixelHeight: img.height, ...(k ? { run: kind } : {}) };
    }) as [SheetImageRef, SheetImageRef];
  });
}

const header = { experiment: 'pdf test', attack: 'fgsm eps=8', date: '2025-02-03' };
const createdAt = '2025-02-03T10:00:00.000Z';
const loadImage = async (cell: { file: string }) => images.get(cell.file)!;

let dpiLayouts: SheetLayout[];
let mmLayouts: SheetLayout[];
const dpiPdf = join(dir, 'dpi.pdf');
const mmPdf = join(dir, 'mm.pdf');

beforeAll(async () => {
  dpiLayouts = layoutSheets({ experimentId: EXP, pairs: pairRefs(false), dpi: 300, dotsPerPixel: 4, header, createdAt, orientation: 'landscape' });
  mmLayouts = layoutSheets({ experimentId: EXP, pairs: pairRefs(true), cellMm: 25, labels: false, header, createdAt });
  await writeSheetsPdf(dpiPdf, dpiLayouts, { loadImage });
  await writeSheetsPdf(mmPdf, mmLayouts, { loadImage, labels: false });
});

const cellsOf = (layouts: SheetLayout[]) => layouts.flatMap((l) => l.cells.map((c) => ({ page: l.sheetIndex, c })));

describe('sheet PDF', () => {
  it('writes the layouts beside the PDF', () => {
    expect(JSON.parse(readFileSync(join(dir, 'dpi.layout.json'), 'utf8'))).toEqual(dpiLayouts);
    expect(mmLayouts.length).toBeGreaterThan(1);
  });

  it('embeds every image losslessly as 8-bit RGB without alpha (pdfimages, and the raw PNG data)', async () => {
    const cells = cellsOf(mmLayouts);
    const list = pdfimagesList(mmPdf);
    expect(list).not.toMatch(/smask|gray/);
    const files = extractImages(mmPdf);
    expect(files).toHaveLength(cells.length);
    const pdf = readFileSync(mmPdf);
    const streams = rawImageStreams(pdf);
    expect(streams).toHaveLength(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const src = toChannels(images.get(cells[i].c.file)!, 3);
      const got = await decodePng(files[i], { channels: 3 });
      expect([got.width, got.height]).toEqual([src.width, src.height]);
      expect(Buffer.compare(Buffer.from(got.data), Buffer.from(src.data))).toBe(0);
      // The compressed bytes in the PDF are the PNG's own IDAT data: no re-encoding at all.
      expect(streams[i].equals(pngIdat(await sheetPng(images.get(cells[i].c.file)!)))).toBe(true);
    }
  });

  it('reproduces each cell pixel for pixel at the native dpi (300 dpi, 4×4 dots per pixel)', async () => {
    const pages = await rasterise(dpiPdf, 300);
    expect(pages).toHaveLength(dpiLayouts.length);
    for (const { page, c } of cellsOf(dpiLayouts)) {
      const r = pages[page];
      const x0 = (c.xMm * 300) / 25.4;
      const y0 = (c.yMm * 300) / 25.4;
      expect(Math.abs(x0 - Math.round(x0))).toBeLessThan(1e-6);
      const src = toChannels(images.get(c.file)!, 3);
      let wrong = 0;
      for (let y = 0; y < src.height * 4; y++) {
        for (let x = 0; x < src.width * 4; x++) {
          const s = (Math.floor(y / 4) * src.width + Math.floor(x / 4)) * 3;
          const d = ((Math.round(y0) + y) * r.width + Math.round(x0) + x) * 3;
          if (r.data[d] !== src.data[s] || r.data[d + 1] !== src.data[s + 1] || r.data[d + 2] !== src.data[s + 2]) wrong++;
        }
      }
      expect(wrong, `${c.file} on page ${page}`).toBe(0);
      // And the blocks end where the cell ends: the pixel row just outside is not image content.
      expect((c.widthMm * 300) / 25.4).toBeCloseTo(src.width * 4, 6);
    }
  });

  it('places cells within 0.1 mm of the layout (mm mode, 300 dpi raster)', async () => {
    const dpi = 300;
    const pages = await rasterise(mmPdf, dpi);
    const pxPerMm = dpi / 25.4;
    for (const { page, c } of cellsOf(mmLayouts)) {
      const found = darkBounds(pages[page], c.xMm - 1, c.yMm - 1, c.widthMm + 2, c.heightMm + 2, pxPerMm);
      expect(Math.abs(found.x0 / pxPerMm - c.xMm), `left of ${c.file}`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(found.y0 / pxPerMm - c.yMm), `top of ${c.file}`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(found.x1 / pxPerMm - (c.xMm + c.widthMm)), `right of ${c.file}`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(found.y1 / pxPerMm - (c.yMm + c.heightMm)), `bottom of ${c.file}`).toBeLessThanOrEqual(0.1);
    }
  });

  it.each([72, 150, 300])('decodes all four markers on every page at %i dpi', async (dpi) => {
    for (const [pdf, layouts] of [[dpiPdf, dpiLayouts], [mmPdf, mmLayouts]] as const) {
      const pages = await rasterise(pdf, dpi);
      for (const [i, l] of layouts.entries()) {
        const found = await readQrCodes(pages[i].png);
        expect(found.map((f) => f.text).sort()).toEqual(l.markers.map((m) => m.payload).sort());
        const pxPerMm = dpi / 25.4;
        for (const f of found) {
          const m = l.markers.find((mk) => mk.payload === f.text)!;
          expect(decodeMarkerPayload(f.text)).toMatchObject({ sheetId: l.sheetId, sheetIndex: i, corner: m.corner });
          // zxing's corners are the symbol's outer corners (within a pixel or so).
          const s = m.modules * m.moduleMm;
          expect(Math.abs(f.position.topLeft.x / pxPerMm - m.xMm)).toBeLessThan(1.5 / pxPerMm + 0.05);
          expect(Math.abs(f.position.bottomRight.y / pxPerMm - (m.yMm + s))).toBeLessThan(1.5 / pxPerMm + 0.05);
        }
      }
    }
  });

  it('decodes all four markers from a 1280×720 frame of a full A4 page, slightly blurred', async () => {
    const pdf = join(dir, 'a4.pdf');
    const [l] = mmLayouts;
    await writeSheetsPdf(pdf, [l], { loadImage, labels: false });
    const dpi = Math.floor(((720 / 297) * 25.4) * 100) / 100; // page height = frame height (61.57 dpi)
    const [page] = await rasterise(pdf, dpi);
    expect(page.height).toBe(720);
    const left = Math.floor((1280 - page.width) / 2);
    const frame = await sharp(page.png)
      .extend({ top: 0, bottom: 720 - page.height, left, right: 1280 - page.width - left, background: { r: 90, g: 80, b: 70 } })
      .blur(0.8)
      .png()
      .toBuffer();
    const meta = await sharp(frame).metadata();
    expect([meta.width, meta.height]).toEqual([1280, 720]);
    const found = await readQrCodes(frame);
    expect(found.map((f) => decodeMarkerPayload(f.text)?.corner).sort()).toEqual([0, 1, 2, 3]);
  });

  it('embeds its font (no standard Helvetica) and draws markers as vectors', () => {
    const fonts = pdffonts(dpiPdf).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) {
      expect(line).toMatch(/DejaVuSans/);
      expect(line.split(/\s+/).slice(-5, -4)[0]).toBe('yes'); // the "emb" column
    }
    // Only the cell images are images: markers and patches are vector paths.
    expect(pdfimagesList(dpiPdf).trim().split('\n').length - 2).toBe(cellsOf(dpiLayouts).length);
  });

  it('sizes pages exactly and renders deterministically', async () => {
    const a = await renderSheetsPdf(mmLayouts, { loadImage, labels: false });
    const b = await renderSheetsPdf(mmLayouts, { loadImage, labels: false });
    expect(a.equals(b)).toBe(true);
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(a.toString('latin1'))!;
    expect(Number(box[1])).toBeCloseTo(mmToPt(210), 3);
    expect(Number(box[2])).toBeCloseTo(mmToPt(297), 3);
  });

  it('refuses an image whose size differs from its cell, and writes nothing', async () => {
    const bad = join(dir, 'bad.pdf');
    await expect(writeSheetsPdf(bad, mmLayouts, { loadImage: async () => testImage(1, { width: 10, height: 10 }) })).rejects.toThrow(/layout expects/);
    expect(() => readFileSync(bad)).toThrow();
  });
});

/** Bounding box (in raster pixels, edges at 50% darkness) of dark pixels inside a mm window. */
function darkBounds(r: Raster, xMm: number, yMm: number, wMm: number, hMm: number, pxPerMm: number) {
  const [X0, Y0] = [Math.floor(xMm * pxPerMm), Math.floor(yMm * pxPerMm)];
  const [X1, Y1] = [Math.ceil((xMm + wMm) * pxPerMm), Math.ceil((yMm + hMm) * pxPerMm)];
  // Coverage of a pixel by the black border is 1 - value/255 (white paper, black border).
  const cover = (x: number, y: number) => 1 - r.data[(y * r.width + x) * 3] / 255;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = Y0; y < Y1; y++) {
    for (let x = X0; x < X1; x++) {
      if (cover(x, y) < 0.05) continue;
      // Sub-pixel edge: a partially covered boundary pixel moves the edge by its coverage.
      x0 = Math.min(x0, x + 1 - cover(x, y));
      y0 = Math.min(y0, y + 1 - cover(x, y));
      x1 = Math.max(x1, x + cover(x, y));
      y1 = Math.max(y1, y + cover(x, y));
    }
  }
  return { x0, y0, x1, y1 };
}
