/**
 * The PDF report with pdfkit: A4, an embedded TrueType font (DejaVu Sans from assets/fonts, so
 * text is searchable and extractable with pdftotext, and looks the same everywhere), vector
 * charts, and the experiment's PNGs embedded as they are (pdfkit stores PNG data Flate-compressed:
 * lossless). The document date is the report's generatedAt, so one ReportData gives one PDF.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fromPackageRoot } from '../shared/node/paths';
import PDFDocument from 'pdfkit';
import { resolveInExperiment } from '../workspace';
import { chart, Cursor, FONT, heading, keyValues, MARGIN, paragraph, reportTable, textAt, textTable } from './pdf-draw';
import { conditionsTable } from './conditions-section';
import { patchesPdf } from './patch-render';
import { environmentLines, imageSetLines, modelLines, paramsText, SECTIONS, tablesOf, type SectionId } from './sections';
import { cellText, ciText, countText } from './stats';
import { runDisplayName } from '../attacks/names';
import type { Example, ExampleImage, Fig6Panel, ReportData } from './types';

const BUNDLED_FONT = fromPackageRoot('assets', 'fonts', 'DejaVuSans.ttf');
const SYSTEM_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** assets/fonts first (shipped with Printshot); the Debian system copy as a fallback. */
export function reportFontPath(): string {
  return existsSync(BUNDLED_FONT) ? BUNDLED_FONT : SYSTEM_FONT;
}

export async function renderPdf(data: ReportData): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    font: reportFontPath(),
    info: { Title: data.title, Creator: 'Printshot', Producer: 'Printshot (pdfkit)', CreationDate: new Date(data.generatedAt) },
  });
  doc.registerFont(FONT, reportFontPath());
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    const c = new Cursor(doc);
    doc.font(FONT).fontSize(16).fillColor('#000').text(data.title, c.left, c.y, { width: c.width });
    c.y = doc.y + 4;
    paragraph(c, `Experiment ${data.experiment.name} (${data.experiment.id}), generated ${data.generatedAt}. Adversarial examples in the physical world: Kurakin, Goodfellow & Bengio, arXiv 1607.02533.`, 8, '#555');
    for (const s of SECTIONS) {
      if (s.id === 'tables' || s.id === 'fig6' || s.id === 'examples') c.need(300);
      heading(c, s.title);
      await section(c, data, s.id);
    }
    footers(doc, data.title);
  } finally {
    doc.end();
  }
  return done;
}

async function section(c: Cursor, data: ReportData, id: SectionId): Promise<void> {
  switch (id) {
    case 'model':
      return keyValues(c, modelLines(data));
    case 'images':
      return keyValues(c, imageSetLines(data));
    case 'attacks':
      return textTable(
        c,
        ['Run', 'Method', 'eps', 'Parameters', 'Steps', 'Seed', 'Images', 'Backend'],
        data.runs.map((r) => [r.dir, r.methodTitle, String(r.eps), paramsText(r), String(r.steps ?? '—'), String(r.seed), String(r.images), r.backend]),
      );
    case 'digital':
    case 'perturbation':
    case 'transfer':
    case 'tables': {
      const ts = tablesOf(data, id);
      if (!ts.length) return paragraph(c, id === 'transfer' ? 'No target models given (npx printshot report --transfer-model DIR).' : 'Nothing to show: see Notes.', 8, '#555');
      for (const t of ts) reportTable(c, t);
      return;
    }
    case 'fig6':
      return fig6(c, data);
    case 'robustness': {
      const ts = tablesOf(data, id);
      if (!ts.length) return paragraph(c, 'No defended models compared (npx printshot robustness, or npx printshot demo --defended).', 8, '#555');
      for (const t of ts) reportTable(c, t);
      return charts(c, data.robustness?.panels ?? []);
    }
    case 'examples':
      return examples(c, data);
    case 'patches':
      return patchesPdf(c, data, reportTable);
    case 'captures': {
      const log = data.captures;
      if (!log.present) return paragraph(c, log.source, 8, '#555');
      paragraph(c, `${log.accepted} accepted, ${log.rejected} rejected, ${log.duplicates} duplicate photo(s); discard rate ${cellText(log.discardRate)}% (${countText(log.discardRate)}) ${ciText(log.discardRate)} (the paper: 3–10%).`);
      if (log.reasons.length) textTable(c, ['Reason (not accepted)', 'Photos'], log.reasons.map((r) => [r.reason, String(r.count)]));
      const byCondition = data.conditions ? conditionsTable(data.conditions) : null;
      if (byCondition) {
        paragraph(c, byCondition.title, 8, '#555');
        textTable(c, byCondition.header, byCondition.rows);
      }
      return textTable(c, ['Photo', 'Sheet', 'Status', 'Reason', 'Crops'], log.photos.map((p) => [p.file, p.sheet ?? '—', p.status, p.reason ?? '', String(p.crops)]));
    }
    case 'reproduce':
      keyValues(c, environmentLines(data));
      c.y += 4;
      for (const cmd of data.reproduce.commands) paragraph(c, `$ ${cmd}`, 7.5);
      return;
    case 'notes':
      if (!data.notes.length) return paragraph(c, 'None.', 8, '#555');
      for (const n of data.notes) paragraph(c, `• ${n}`, 8);
      return;
  }
}

function fig6(c: Cursor, data: ReportData): void {
  if (data.comparison?.panels.length) {
    paragraph(c, 'Every run against eps: attack success among the originally correct images, and adversarial top-1 accuracy; bars: 95% Wilson intervals.', 8, '#555');
    charts(c, data.comparison.panels);
  }
  if (!data.fig6.panels.length) return paragraph(c, 'No transform sweeps in this report.', 8, '#555');
  paragraph(c, `Average case, eps = ${data.fig6.eps}. Solid: top-1, dashed: top-5; bars: 95% Wilson intervals. Every point's numbers are in the CSV.`, 8, '#555');
  charts(c, data.fig6.panels);
}

/** Panels two to a row. */
function charts(c: Cursor, panels: readonly Fig6Panel[]): void {
  const w = c.width / 2 - 4;
  const h = 200;
  panels.forEach((p, i) => {
    if (i % 2 === 0) c.need(h + 6);
    chart(c.doc, p, c.left + (i % 2) * (w + 8), c.y, w, h);
    if (i % 2 === 1 || i === panels.length - 1) c.y += h + 6;
  });
}

async function pngBytes(dir: string, file: string): Promise<Buffer | null> {
  try {
    return await readFile(resolveInExperiment(dir, file));
  } catch {
    return null;
  }
}

async function exampleImage(c: Cursor, dir: string, caption: string, img: ExampleImage | null, label: number, x: number, y: number, size: number): Promise<void> {
  const { doc } = c;
  const bytes = img ? await pngBytes(dir, img.file) : null;
  if (bytes) doc.image(bytes, x, y, { width: size, height: size });
  else doc.rect(x, y, size, size).lineWidth(0.4).dash(2, { space: 2 }).strokeColor('#aaaaaa').stroke().undash();
  textAt(doc, caption, x, y + size + 2, 6, { align: 'center', width: size, color: '#555' });
  const p = img?.prediction;
  const text = !img ? 'not photographed' : p ? `${p.name} ${(p.prob * 100).toFixed(0)}%` : '—';
  textAt(doc, text, x - 6, y + size + 9, 6, { align: 'center', width: size + 12, color: !p ? '#888888' : p.label === label ? '#1a7f37' : '#c0392b' });
}

async function examples(c: Cursor, data: ReportData): Promise<void> {
  if (!data.examples.length) return paragraph(c, 'No runs.', 8, '#555');
  paragraph(c, 'Predictions: top-1 class and probability (green when right). Images are the experiment PNGs, embedded losslessly.', 8, '#555');
  const size = 52;
  const boxW = c.width / 2;
  const boxH = size + 36;
  const draw = async (e: Example, x: number) => {
    textAt(c.doc, `${runDisplayName(e.method, e.eps)} · ${e.relPath} · true: ${e.labelName}`, x, c.y, 6.5);
    const y = c.y + 10;
    await exampleImage(c, data.experiment.dir, 'clean', e.clean, e.label, x, y, size);
    await exampleImage(c, data.experiment.dir, 'adversarial', e.adversarial, e.label, x + size + 20, y, size);
    await exampleImage(c, data.experiment.dir, 'photo', e.photo, e.label, x + 2 * (size + 20), y, size);
  };
  for (let i = 0; i < data.examples.length; i += 2) {
    c.need(boxH);
    await draw(data.examples[i], c.left);
    if (data.examples[i + 1]) await draw(data.examples[i + 1], c.left + boxW);
    c.y += boxH;
  }
}

/** "title — page i / n" on every page; bottom margin lifted so pdfkit does not add a page. */
function footers(doc: PDFKit.PDFDocument, title: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    textAt(doc, `${title} — page ${i + 1} / ${range.count}`, MARGIN, doc.page.height - MARGIN + 8, 6.5, { align: 'center', width: doc.page.width - 2 * MARGIN, color: '#888888' });
    doc.page.margins.bottom = bottom;
  }
}
