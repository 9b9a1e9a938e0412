/**
 * The "Patches" section in HTML and PDF (data: patch-section.ts): the patch as printed (lossless,
 * enlarged with nearest-neighbour pixels), the size-curve chart, the tables (passed to the writer's
 * own table renderer, so they look like every other table) and photo examples (clean, patched,
 * photo crop with its prediction).
 */
import { readFile } from 'node:fs/promises';
import { resolveInExperiment } from '../workspace';
import { chart, paragraph, textAt, type Cursor } from './pdf-draw';
import type { PatchesReport } from './patch-section';
import { tablesOf } from './sections';
import { escapeXml as esc, panelSvg } from './svg';
import type { ReportData, ReportTable } from './types';

const EMPTY = 'No patch in this experiment: train one (npx printshot patch), paste it (npx printshot patch apply --experiment EXP), print and photograph it, then register and evaluate (npx printshot patch evaluate).';

async function bytes(dir: string, file: string | null): Promise<Buffer | null> {
  if (!file) return null;
  return readFile(resolveInExperiment(dir, file)).catch(() => null);
}

function photosNote(p: PatchesReport): string {
  return p.photos ? '' : 'No registered photo of a patch yet: print the patch run (npx printshot sheet --method patch) or the patch alone (npx printshot patch sheet), photograph, register.';
}

export async function patchesHtml(data: ReportData, tableHtml: (t: ReportTable) => string): Promise<string> {
  const p = data.patches;
  if (!p) return `<p class="note">${esc(EMPTY)}</p>`;
  const dir = data.experiment.dir;
  const uri = async (file: string | null) => {
    const b = await bytes(dir, file);
    return b ? `data:image/png;base64,${b.toString('base64')}` : null;
  };
  const shown = [...new Map(p.patches.map((x) => [x.png, x])).values()];
  const figs = await Promise.all(shown.map(async (x) => {
    const u = await uri(x.png);
    return u ? `<figure><img src="${u}" alt="patch" style="image-rendering:pixelated;width:84px;height:84px"><figcaption>${esc(x.targetName)} · ${Math.round(x.size * 1000) / 10}%</figcaption></figure>` : '';
  }));
  const chartHtml = p.panels.length ? `<p class="note">Success against patch area on held-out images at random placements (Brown et al., Fig. 2); bars: 95% Wilson intervals.</p><div class="charts">${p.panels.map(panelSvg).join('')}</div>` : '';
  const cards = await Promise.all(p.examples.map(async (e) => {
    const img = async (file: string | null, cap: string) => {
      const u = await uri(file);
      return `<figure>${u ? `<img src="${u}" alt="${esc(cap)}">` : '<div>missing</div>'}<figcaption>${esc(cap)}</figcaption></figure>`;
    };
    const pred = `<span class="${e.success ? 'bad' : 'ok'}">${esc(e.predictionName)}</span>`;
    return `<div class="ex"><b>${esc(e.condition || '(no condition)')}</b> · ${esc(e.relPath)} · true: ${esc(e.labelName)} · photo: ${pred}<div class="imgs">${[await img(e.clean, 'clean'), await img(e.patched, 'patched'), await img(e.crop, 'photo')].join('')}</div></div>`;
  }));
  const note = photosNote(p);
  return `<div class="imgs">${figs.join('')}</div>${chartHtml}${tablesOf(data, 'patches').map(tableHtml).join('\n')}${note ? `<p class="note">${esc(note)}</p>` : ''}${cards.length ? `<div class="examples">${cards.join('')}</div>` : ''}`;
}

export async function patchesPdf(c: Cursor, data: ReportData, table: (c: Cursor, t: ReportTable) => void): Promise<void> {
  const p = data.patches;
  if (!p) return paragraph(c, EMPTY, 8, '#555');
  const dir = data.experiment.dir;
  const shown = [...new Map(p.patches.map((x) => [x.png, x])).values()];
  const size = 52;
  if (shown.length) c.need(size + 14);
  let x = c.left;
  for (const s of shown) {
    const b = await bytes(dir, s.png);
    if (b) c.doc.image(b, x, c.y, { width: size, height: size });
    textAt(c.doc, `${s.targetName} · ${Math.round(s.size * 1000) / 10}%`, x, c.y + size + 2, 6, { align: 'center', width: size, color: '#555' });
    x += size + 16;
    if (x + size > c.left + c.width) break;
  }
  if (shown.length) c.y += size + 14;
  if (p.panels.length) {
    paragraph(c, 'Success against patch area on held-out images at random placements (Brown et al., Fig. 2); bars: 95% Wilson intervals.', 8, '#555');
    const w = c.width / 2 - 4;
    c.need(206);
    chart(c.doc, p.panels[0], c.left, c.y, w, 200);
    c.y += 206;
  }
  for (const t of tablesOf(data, 'patches')) table(c, t);
  const note = photosNote(p);
  if (note) paragraph(c, note, 8, '#555');
  for (const e of p.examples) {
    c.need(size + 24);
    textAt(c.doc, `${e.condition || '(no condition)'} · ${e.relPath} · true: ${e.labelName} · photo: ${e.predictionName}`, c.left, c.y, 6.5);
    let ix = c.left;
    for (const [file, cap] of [[e.clean, 'clean'], [e.patched, 'patched'], [e.crop, 'photo']] as const) {
      const b = await bytes(dir, file);
      if (b) c.doc.image(b, ix, c.y + 10, { width: size, height: size });
      textAt(c.doc, cap, ix, c.y + 12 + size, 6, { align: 'center', width: size, color: '#555' });
      ix += size + 20;
    }
    c.y += size + 24;
  }
}
