/**
 * Draws a sheet layout (src/sheets/types.ts) on a 2D canvas: the page, the corner QR markers
 * (the same qrcode symbols the PDF carries), the header, the cells with their PNGs and the
 * calibration strip. This is the Print view's live preview: the CSP forbids frames and objects,
 * so the PDF itself is never embedded.
 */
import QRCode from 'qrcode';
import { headerBox, labelBox, MARKER_EC_LEVEL } from '../../../src/sheets/geometry';
import type { CellPlacement, MarkerPlacement, SheetLayout } from '../../../src/sheets/types';

export type SheetLayoutDto = SheetLayout;

/** Images by the cell's file (relative to the experiment); missing ones are drawn as grey. */
export type CellImages = ReadonlyMap<string, CanvasImageSource>;

export function drawSheet(ctx: CanvasRenderingContext2D, layout: SheetLayout, pxPerMm: number, images: CellImages, classNames?: readonly string[]): void {
  const s = pxPerMm;
  const { widthMm, heightMm } = layout.paper;
  ctx.save();
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, widthMm * s, heightMm * s);
  for (const m of layout.markers) drawMarker(ctx, m, s);
  const hb = headerBox(layout);
  const lineH = hb.h / Math.max(1, layout.header.length);
  ctx.fillStyle = '#000';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.font = `${Math.max(6, lineH * 0.7 * s)}px system-ui, sans-serif`;
  layout.header.forEach((line, i) => ctx.fillText(line, (hb.x + hb.w / 2) * s, (hb.y + i * lineH) * s, hb.w * s));
  ctx.imageSmoothingEnabled = false; // pixels print as squares of toner: show them that way
  for (const cell of layout.cells) drawCell(ctx, cell, s, images.get(cell.file), classNames);
  for (const p of layout.calibration ?? []) {
    ctx.fillStyle = `rgb(${p.rgb[0]},${p.rgb[1]},${p.rgb[2]})`;
    ctx.fillRect(p.xMm * s, p.yMm * s, p.sizeMm * s, p.sizeMm * s);
    ctx.strokeStyle = '#d1d5db';
    ctx.lineWidth = 1;
    ctx.strokeRect(p.xMm * s, p.yMm * s, p.sizeMm * s, p.sizeMm * s);
  }
  ctx.restore();
}

function drawMarker(ctx: CanvasRenderingContext2D, m: MarkerPlacement, s: number): void {
  const version = (m.modules - 17) / 4;
  const qr = QRCode.create(m.payload, { errorCorrectionLevel: MARKER_EC_LEVEL, version });
  const size = qr.modules.size;
  const u = (m.moduleMm * m.modules * s) / size;
  ctx.fillStyle = '#000';
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (qr.modules.get(r, c)) ctx.fillRect(m.xMm * s + c * u, m.yMm * s + r * u, Math.ceil(u), Math.ceil(u));
    }
  }
}

function drawCell(ctx: CanvasRenderingContext2D, cell: CellPlacement, s: number, image: CanvasImageSource | undefined, classNames?: readonly string[]): void {
  const [x, y, w, h] = [cell.xMm * s, cell.yMm * s, cell.widthMm * s, cell.heightMm * s];
  if (image) ctx.drawImage(image, x, y, w, h);
  else {
    ctx.fillStyle = '#e5e7eb';
    ctx.fillRect(x, y, w, h);
  }
  if (classNames) {
    const lb = labelBox(cell);
    ctx.fillStyle = '#374151';
    ctx.textAlign = 'left';
    ctx.font = `${Math.max(5, lb.h * 0.8 * s)}px system-ui, sans-serif`;
    const cls = cell.label >= 0 ? ` · ${classNames[cell.label] ?? cell.label}` : '';
    ctx.fillText(`${cell.role === 'adversarial' ? 'adv' : cell.role}${cls}`, lb.x * s, lb.y * s, lb.w * s);
  }
}

/** The distinct image files a set of layouts needs. */
export function cellFiles(layouts: readonly SheetLayout[]): string[] {
  return [...new Set(layouts.flatMap((l) => l.cells.map((c) => c.file)))];
}

/** Parses a layout file (a JSON array of layouts, or one layout) loosely: what the preview needs. */
export function parseLayouts(text: string): SheetLayout[] {
  const data = JSON.parse(text) as unknown;
  const list = Array.isArray(data) ? data : [data];
  return list.filter((l): l is SheetLayout => !!l && typeof l === 'object' && Array.isArray((l as SheetLayout).cells) && Array.isArray((l as SheetLayout).markers));
}
