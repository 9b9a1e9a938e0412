/**
 * Drawing primitives for the PDF report on top of pdfkit: a page cursor that breaks pages,
 * generic tables (value + counts/interval under it), and Fig. 6 panels drawn as vector paths
 * from the same geometry as the SVG charts.
 */
import { chartGeometry, legendLayout } from './chart';
import { groupSpans, tableHeading } from './sections';
import { ciText, cellText, countText } from './stats';
import type { Cell, Fig6Panel, ReportTable } from './types';

export const FONT = 'DejaVuSans';
export const MARGIN = 40;

export class Cursor {
  y: number;
  constructor(readonly doc: PDFKit.PDFDocument) {
    this.y = MARGIN;
  }
  get left(): number {
    return MARGIN;
  }
  get width(): number {
    return this.doc.page.width - 2 * MARGIN;
  }
  get bottom(): number {
    return this.doc.page.height - MARGIN - 14; // room for the footer
  }
  /** Starts a new page unless `h` more points fit on this one. */
  need(h: number): void {
    if (this.y + h > this.bottom) this.newPage();
  }
  newPage(): void {
    this.doc.addPage();
    this.y = MARGIN;
  }
}

/** One line of text at (x, y), never wrapping (pdfkit's own flow would move its cursor). */
export function textAt(doc: PDFKit.PDFDocument, s: string, x: number, y: number, size: number, opts: { align?: 'left' | 'right' | 'center'; width?: number; color?: string } = {}): void {
  doc.font(FONT).fontSize(size).fillColor(opts.color ?? '#222');
  const w = doc.widthOfString(s);
  const width = opts.width ?? w;
  const dx = opts.align === 'right' ? width - w : opts.align === 'center' ? (width - w) / 2 : 0;
  doc.text(s, x + Math.max(0, dx), y, { lineBreak: false });
}

/** Wrapped paragraph at the cursor. */
export function paragraph(c: Cursor, s: string, size = 8.5, color = '#222'): void {
  const { doc } = c;
  doc.font(FONT).fontSize(size);
  const h = doc.heightOfString(s, { width: c.width });
  c.need(h + 4);
  doc.fillColor(color).text(s, c.left, c.y, { width: c.width });
  c.y += h + 4;
}

export function heading(c: Cursor, s: string, size = 13): void {
  c.need(size + 110); // keep a heading with the start of what follows
  c.y += size * 0.6;
  textAt(c.doc, s, c.left, c.y, size, { color: '#000' });
  c.y += size + 2;
  c.doc.moveTo(c.left, c.y).lineTo(c.left + c.width, c.y).lineWidth(0.6).strokeColor('#bbbbbb').stroke();
  c.y += 5;
}

export function keyValues(c: Cursor, lines: [string, string][]): void {
  const { doc } = c;
  const keyW = 110;
  for (const [k, v] of lines) {
    doc.font(FONT).fontSize(8);
    const h = Math.max(10, doc.heightOfString(v, { width: c.width - keyW }));
    c.need(h + 2);
    textAt(doc, k, c.left, c.y, 8, { color: '#555' });
    doc.fillColor('#222').text(v, c.left + keyW, c.y, { width: c.width - keyW });
    c.y += h + 2;
  }
}

/** A simple text grid (header + rows), columns sized to their content. */
export function textTable(c: Cursor, header: string[], rows: string[][], size = 7): void {
  const { doc } = c;
  doc.font(FONT).fontSize(size);
  const natural = header.map((h, i) => Math.max(doc.widthOfString(h), ...rows.map((r) => doc.widthOfString(r[i] ?? ''))) + 8);
  const total = natural.reduce((a, b) => a + b, 0);
  const widths = total > c.width ? natural.map((w) => (w / total) * c.width) : natural;
  const rowH = size + 5;
  const drawRow = (cells: string[], bold: boolean) => {
    c.need(rowH);
    let x = c.left;
    cells.forEach((s, i) => {
      const clipped = fit(doc, s, widths[i] - 6, size);
      textAt(doc, clipped, x + 3, c.y + 2, size, { color: bold ? '#000' : '#222' });
      x += widths[i];
    });
    c.y += rowH;
    doc.moveTo(c.left, c.y).lineTo(c.left + widths.reduce((a, b) => a + b, 0), c.y).lineWidth(0.3).strokeColor('#cccccc').stroke();
  };
  drawRow(header, true);
  for (const r of rows) drawRow(r, false);
  c.y += 6;
}

/** Truncates with an ellipsis to fit `w` points. */
function fit(doc: PDFKit.PDFDocument, s: string, w: number, size: number): string {
  doc.font(FONT).fontSize(size);
  if (doc.widthOfString(s) <= w) return s;
  let t = s;
  while (t.length > 1 && doc.widthOfString(`${t}…`) > w) t = t.slice(0, -1);
  return `${t}…`;
}

/** A report table: title, column groups, and per cell the value with counts and interval below. */
export function reportTable(c: Cursor, t: ReportTable): void {
  const { doc } = c;
  const size = t.columns.length > 9 ? 6 : 7;
  doc.font(FONT).fontSize(size);
  const labelW = Math.min(150, Math.max(60, ...t.rows.map((r) => doc.widthOfString(r.label) + 8)));
  const colW = (c.width - labelW) / Math.max(1, t.columns.length);
  const rowH = size * 2 + 6;
  const headH = (t.columns.some((col) => col.group) ? 2 : 1) * (size + 5);
  c.need(14 + headH + rowH * Math.min(3, t.rows.length));
  doc.font(FONT).fontSize(9);
  const titleH = doc.heightOfString(tableHeading(t), { width: c.width });
  doc.fillColor('#000').text(tableHeading(t), c.left, c.y, { width: c.width });
  c.y += titleH + 3;
  const header = () => {
    let x = c.left + labelW;
    if (t.columns.some((col) => col.group)) {
      for (const s of groupSpans(t)) {
        textAt(doc, fit(doc, s.label, s.span * colW - 4, size), x, c.y, size, { align: 'center', width: s.span * colW, color: '#000' });
        x += s.span * colW;
      }
      c.y += size + 5;
    }
    t.columns.forEach((col, i) => textAt(doc, col.label, c.left + labelW + i * colW, c.y, size, { align: 'right', width: colW - 4, color: '#000' }));
    c.y += size + 4;
    doc.moveTo(c.left, c.y).lineTo(c.left + c.width, c.y).lineWidth(0.5).strokeColor('#888888').stroke();
    c.y += 2;
  };
  header();
  for (const r of t.rows) {
    if (c.y + rowH > c.bottom) {
      c.newPage();
      header();
    }
    textAt(doc, fit(doc, r.label, labelW - 6, size), c.left, c.y + 1, size);
    t.columns.forEach((col, i) => drawCell(doc, r.cells[col.key] ?? null, c.left + labelW + i * colW, c.y + 1, colW - 4, size));
    c.y += rowH;
  }
  c.y += 2;
  if (t.note) paragraph(c, t.note, 6.5, '#555');
  c.y += 4;
}

function drawCell(doc: PDFKit.PDFDocument, cell: Cell | null, x: number, y: number, w: number, size: number): void {
  textAt(doc, cellText(cell), x, y, size, { align: 'right', width: w });
  const small = [countText(cell), ciText(cell)].filter(Boolean).join(' ');
  if (!small) return;
  // Shrink rather than truncate: the counts and interval are numbers a reader needs whole.
  let s = size - 1.5;
  doc.font(FONT).fontSize(s);
  while (s > 3.5 && doc.widthOfString(small) > w) doc.fontSize((s -= 0.25));
  textAt(doc, fit(doc, small, w, s), x, y + size + 2, s, { align: 'right', width: w, color: '#666' });
}

/** One Fig. 6 panel as vector paths, its top-left corner at (x0, y0). */
export function chart(doc: PDFKit.PDFDocument, panel: Fig6Panel, x0: number, y0: number, w: number, h: number): void {
  const g = chartGeometry(panel, w, h);
  const X = (v: number) => x0 + v;
  const Y = (v: number) => y0 + v;
  const { plot } = g;
  doc.save();
  textAt(doc, g.title, X(0), Y(4), 8, { align: 'center', width: w, color: '#000' });
  for (const t of g.yTicks) {
    doc.moveTo(X(plot.x), Y(t.pos)).lineTo(X(plot.x + plot.w), Y(t.pos)).lineWidth(0.3).strokeColor('#e6e6e6').stroke();
    textAt(doc, t.label, X(0), Y(t.pos - 3), 6, { align: 'right', width: plot.x - 4 });
  }
  for (const t of g.xTicks) textAt(doc, t.label, X(t.pos - 15), Y(plot.y + plot.h + 3), 6, { align: 'center', width: 30 });
  textAt(doc, g.xLabel, X(plot.x), Y(plot.y + plot.h + 13), 7, { align: 'center', width: plot.w });
  doc.rect(X(plot.x), Y(plot.y), plot.w, plot.h).lineWidth(0.6).strokeColor('#888888').stroke();
  for (const l of g.lines) {
    for (const b of l.bars) doc.moveTo(X(b.x), Y(b.y0)).lineTo(X(b.x), Y(b.y1)).lineWidth(0.6).strokeOpacity(0.45).strokeColor(l.color).stroke();
    doc.strokeOpacity(1);
    if (l.points.length) {
      l.points.forEach((p, i) => (i ? doc.lineTo(X(p.x), Y(p.y)) : doc.moveTo(X(p.x), Y(p.y))));
      if (l.dashed) doc.dash(3, { space: 2 });
      doc.lineWidth(1.1).strokeColor(l.color).stroke();
      doc.undash();
    }
    for (const p of l.points) doc.circle(X(p.x), Y(p.y), 1.6).lineWidth(0.6).fillAndStroke(l.dashed ? '#ffffff' : l.color, l.color);
  }
  for (const e of legendLayout(g)) {
    doc.moveTo(X(e.x), Y(e.y - 3)).lineTo(X(e.x + 14), Y(e.y - 3)).lineWidth(1.1).strokeColor(e.color);
    if (e.dashed) doc.dash(3, { space: 2 });
    doc.stroke();
    doc.undash();
    textAt(doc, e.label, X(e.x + 17), Y(e.y - 6), 6);
  }
  doc.restore();
}
