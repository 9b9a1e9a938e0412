/**
 * Renders sheet layouts to a multi-page PDF with pdfkit.
 *
 * What matters for a physical-world experiment, and how it is kept:
 * - Pixels reach the printer unchanged: every image is embedded as an 8-bit RGB PNG without
 *   alpha. pdfkit copies such a PNG's compressed data into the PDF as it is (Flate with the PNG
 *   predictor), so extracting it gives back the same pixels; alpha would add a soft mask, and
 *   grey PNGs would become DeviceGray images that some drivers treat differently from colour.
 *   Each image is drawn at exactly its cell's size, so the only resampling is the printer's
 *   (none at all in dpi mode, where one pixel is a whole number of printer dots).
 * - Markers are vector: one path per marker, a rectangle per horizontal run of dark modules,
 *   filled once. A single fill rasterises as the union, so there are no hairline seams between
 *   modules at any resolution.
 * - Fonts are embedded: a TTF from assets/fonts is registered and used for all text (pdfkit's
 *   default Helvetica is one of the 14 standard fonts and would not be embedded).
 * - Output is deterministic: the document date comes from the layout's createdAt, so pdfkit's
 *   file id (a hash of the info dictionary) is stable too.
 */
import { basename } from 'node:path';
import { assetPath } from '../../shared/node/paths';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { encodePng } from '../../images/encode';
import { toChannels } from '../../images/decode';
import { PrintshotError, type Image8 } from '../../shared';
import { atomicWrite, atomicWriteJson, sha256 } from '../../shared/node/atomic';
import { headerBox, labelBox, MARKER_EC_LEVEL, type Box } from '../layout';
import type { CellPlacement, MarkerPlacement, SheetLayout } from '../types';

export const SHEET_FONT_PATH = assetPath('fonts', 'DejaVuSans.ttf');
const FONT = 'DejaVuSans';

/** Millimetres to PDF points (1 pt = 1/72 inch). */
export const mmToPt = (mm: number): number => (mm * 72) / 25.4;

export interface RenderOptions {
  /** Pixels of a cell's image; must match the cell's pixel size. */
  loadImage: (cell: CellPlacement) => Promise<Image8>;
  /** Draw a small label under each cell (the layout must have been made with labels). */
  labels?: boolean;
  /** Class names for labels, indexed by cell.label. */
  classNames?: readonly string[];
  /** PDF title; defaults to the first header line. */
  title?: string;
}

/** The PNG that goes into the PDF: 8-bit RGB, no alpha, no palette. */
export async function sheetPng(img: Image8): Promise<Buffer> {
  if (img.channels === 4) throw new PrintshotError('bad-image', 'sheet images must not have alpha (it would be embedded as a soft mask)');
  return encodePng(toChannels(img, 3));
}

export async function renderSheetsPdf(layouts: readonly SheetLayout[], opts: RenderOptions): Promise<Buffer> {
  if (layouts.length === 0) throw new PrintshotError('bad-argument', 'no sheets to render');
  const doc = new PDFDocument({
    autoFirstPage: false,
    margin: 0,
    font: SHEET_FONT_PATH,
    info: {
      Title: opts.title ?? layouts[0].header[0] ?? 'Printshot sheets',
      Creator: 'Printshot',
      Producer: 'Printshot (pdfkit)',
      CreationDate: new Date(layouts[0].createdAt),
    },
  });
  doc.registerFont(FONT, SHEET_FONT_PATH);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    for (const layout of layouts) {
      doc.addPage({ size: [mmToPt(layout.paper.widthMm), mmToPt(layout.paper.heightMm)], margin: 0 });
      for (const marker of layout.markers) drawMarker(doc, marker);
      for (const p of layout.calibration ?? []) {
        doc.rect(mmToPt(p.xMm), mmToPt(p.yMm), mmToPt(p.sizeMm), mmToPt(p.sizeMm)).fill([...p.rgb]);
      }
      drawHeader(doc, layout);
      for (const cell of layout.cells) {
        const img = await opts.loadImage(cell);
        if (img.width !== cell.pixelWidth || img.height !== cell.pixelHeight) {
          throw new PrintshotError('bad-image', `${cell.file}: is ${img.width}×${img.height}, the layout expects ${cell.pixelWidth}×${cell.pixelHeight}`);
        }
        doc.image(await sheetPng(img), mmToPt(cell.xMm), mmToPt(cell.yMm), { width: mmToPt(cell.widthMm), height: mmToPt(cell.heightMm) });
        if (opts.labels ?? true) drawText(doc, cellLabel(cell, opts.classNames), labelBox(cell), 5.5, 3);
      }
    }
  } finally {
    // End even on failure so the stream settles; the caller gets the error, not a PDF.
    doc.end();
  }
  return done;
}

function drawMarker(doc: PDFKit.PDFDocument, m: MarkerPlacement): void {
  const version = (m.modules - 17) / 4;
  const qr = QRCode.create(m.payload, { errorCorrectionLevel: MARKER_EC_LEVEL, version });
  const size = qr.modules.size;
  if (size !== m.modules) throw new Error(`marker ${m.corner}: payload gives ${size} modules, layout says ${m.modules}`);
  const u = mmToPt(m.moduleMm);
  const [x0, y0] = [mmToPt(m.xMm), mmToPt(m.yMm)];
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; ) {
      if (!qr.modules.get(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < size && qr.modules.get(r, c)) c++;
      doc.rect(x0 + start * u, y0 + r * u, (c - start) * u, u);
    }
  }
  doc.fill([0, 0, 0]);
}

function drawHeader(doc: PDFKit.PDFDocument, layout: SheetLayout): void {
  const box = headerBox(layout);
  const lineH = box.h / Math.max(1, layout.header.length);
  layout.header.forEach((line, i) => drawText(doc, line, { ...box, y: box.y + i * lineH, h: lineH }, 8.5, 4, 'center'));
}

export function cellLabel(cell: CellPlacement, classNames?: readonly string[]): string {
  const cls = cell.label < 0 ? '' : ` · ${classNames?.[cell.label] ?? `class ${cell.label}`}`;
  if (cell.role === 'image') return `#${cell.index + 1} ${cell.relPath}`;
  return `#${(cell.pair ?? cell.index) + 1} ${cell.role === 'clean' ? 'clean' : 'adv'}${cls}`;
}

/**
 * One line of text inside `box` (mm): the largest size ≤ maxPt that fits the width, down to
 * minPt, then shortened with an ellipsis. No width option is passed to pdfkit on purpose: with
 * one, pdfkit wraps and may start new pages on its own.
 */
function drawText(doc: PDFKit.PDFDocument, text: string, box: Box, maxPt: number, minPt: number, align: 'left' | 'center' = 'left'): void {
  const maxW = mmToPt(box.w);
  const fitPt = Math.min(maxPt, mmToPt(box.h) / 1.2);
  doc.font(FONT).fontSize(fitPt);
  let size = fitPt;
  const width = doc.widthOfString(text);
  if (width > maxW) size = Math.max(minPt, (fitPt * maxW) / width);
  doc.fontSize(size);
  let shown = text;
  while (shown.length > 1 && doc.widthOfString(shown) > maxW) shown = `${shown.slice(0, -2)}…`;
  const w = doc.widthOfString(shown);
  const x = mmToPt(box.x) + (align === 'center' ? (maxW - w) / 2 : 0);
  doc.fillColor([0, 0, 0]).text(shown, x, mmToPt(box.y), { lineBreak: false });
}

/** FILE.pdf → FILE.layout.json. */
export function layoutPathFor(pdfPath: string): string {
  return pdfPath.replace(/\.pdf$/i, '') + '.layout.json';
}

export interface WrittenSheets {
  pdf: string;
  layoutFile: string;
  pdfSha256: string;
  bytes: number;
}

/**
 * Renders and writes FILE.pdf, then FILE.layout.json (a JSON array of SheetLayout), each
 * atomically. The PDF goes first: if the process dies in between, the old layout may sit beside
 * a new PDF, and the sheet id in the markers (a hash of the geometry) tells registration so.
 */
export async function writeSheetsPdf(pdfPath: string, layouts: readonly SheetLayout[], opts: RenderOptions): Promise<WrittenSheets> {
  if (!/\.pdf$/i.test(pdfPath)) throw new PrintshotError('bad-argument', `${basename(pdfPath)}: the output must be a .pdf file`);
  const pdf = await renderSheetsPdf(layouts, opts);
  await atomicWrite(pdfPath, pdf);
  const layoutFile = layoutPathFor(pdfPath);
  await atomicWriteJson(layoutFile, layouts);
  return { pdf: pdfPath, layoutFile, pdfSha256: sha256(pdf), bytes: pdf.length };
}
