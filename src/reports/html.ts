/**
 * The HTML report: one self-contained file. CSS is inline, charts are inline SVG, images are
 * data: URIs of the experiment's own PNG bytes (lossless), and there is no script, font or
 * stylesheet to fetch, so it opens offline and makes no network request (tested with a browser
 * that blocks every non-file request).
 */
import { readFile } from 'node:fs/promises';
import { resolveInExperiment } from '../workspace';
import { conditionsTable } from './conditions-section';
import { patchesHtml } from './patch-render';
import { environmentLines, groupSpans, tableHeading, imageSetLines, modelLines, paramsText, SECTIONS, tablesOf, type SectionId } from './sections';
import { ciText, cellText, countText } from './stats';
import { escapeXml as esc, panelSvg } from './svg';
import { runDisplayName } from '../attacks/names';
import type { Cell, ExampleImage, ReportData, ReportTable } from './types';

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;vertical-align:top}
th{background:#f3f3f3}td.l,th.l{text-align:left}small{color:#666;display:block;font-size:.78em;white-space:nowrap}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 1em;font-size:.9em}dl.kv dt{font-weight:600}dl.kv dd{margin:0;word-break:break-all}
.note{color:#555;font-size:.85em;margin:.2em 0 1em}.charts{display:flex;flex-wrap:wrap;gap:12px}
.chart{border:1px solid #ddd;background:#fff}.chart-title{font-size:11px;font-weight:600}.tick,.legend{font-size:8px;fill:#333}.axis{font-size:9px}
.grid{stroke:#eee}.frame{fill:none;stroke:#888}.bar{stroke-width:1;opacity:.45}
.examples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.ex{border:1px solid #ddd;padding:6px;font-size:.8em}.ex .imgs{display:flex;gap:6px}.ex figure{margin:0;text-align:center;width:92px}
.ex img{width:84px;height:84px;image-rendering:pixelated;border:1px solid #ccc}.ex figcaption{font-size:.85em}
.ok{color:#1a7f37}.bad{color:#c0392b}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
nav ol{columns:2;font-size:.9em}`;

export async function renderHtml(data: ReportData): Promise<string> {
  const body: string[] = [];
  body.push(`<h1>${esc(data.title)}</h1>`);
  body.push(`<p class="note">Experiment <b>${esc(data.experiment.name)}</b> (${esc(data.experiment.id)}), generated ${esc(data.generatedAt)}. Adversarial examples in the physical world: Kurakin, Goodfellow &amp; Bengio, arXiv 1607.02533.</p>`);
  body.push(`<nav><ol>${SECTIONS.map((s) => `<li><a href="#${s.id}">${esc(s.title)}</a></li>`).join('')}</ol></nav>`);
  for (const s of SECTIONS) body.push(`<section id="${s.id}" data-section="${s.id}"><h2>${esc(s.title)}</h2>${await sectionHtml(data, s.id)}</section>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(data.title)}</title>
<style>${CSS}</style></head><body>
${body.join('\n')}
</body></html>
`;
}

function kv(lines: [string, string][]): string {
  return `<dl class="kv">${lines.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

async function sectionHtml(data: ReportData, id: SectionId): Promise<string> {
  switch (id) {
    case 'model':
      return kv(modelLines(data));
    case 'images':
      return kv(imageSetLines(data));
    case 'attacks':
      return tableHtml(
        ['Run', 'Method', 'eps', 'Parameters', 'Steps', 'Seed', 'Images', 'Backend', 'Status'],
        data.runs.map((r) => [r.dir, r.methodTitle, String(r.eps), paramsText(r), String(r.steps ?? '—'), String(r.seed), String(r.images), r.backend, r.status]),
      );
    case 'digital':
    case 'perturbation':
    case 'transfer':
    case 'tables': {
      const ts = tablesOf(data, id);
      if (!ts.length) return `<p class="note">${id === 'transfer' ? 'No target models given (npx printshot report --transfer-model DIR).' : 'Nothing to show: see Notes.'}</p>`;
      return ts.map(reportTableHtml).join('\n');
    }
    case 'robustness': {
      const ts = tablesOf(data, id);
      if (!ts.length) return '<p class="note">No defended models compared (npx printshot robustness, or npx printshot demo --defended).</p>';
      const panels = data.robustness?.panels ?? [];
      return ts.map(reportTableHtml).join('\n') + (panels.length ? `<p class="note">Top-1 accuracy under attack against eps (eps 0: clean); solid: digital, dashed: photos; bars: 95% Wilson intervals.</p><div class="charts">${panels.map(panelSvg).join('')}</div>` : '');
    }
    case 'fig6': {
      const runs = data.comparison?.panels.length
        ? `<p class="note">Every run against eps: attack success among the originally correct images, and adversarial top-1 accuracy; bars: 95% Wilson intervals.</p><div class="charts">${data.comparison.panels.map(panelSvg).join('')}</div>`
        : '';
      if (!data.fig6.panels.length) return `${runs}<p class="note">No transform sweeps in this report.</p>`;
      return `${runs}<p class="note">Average case, eps = ${data.fig6.eps}. Solid: top-1, dashed: top-5; bars: 95% Wilson intervals. The paper's Fig. 6 used 1,000 ImageNet images on Inception v3.</p><div class="charts">${data.fig6.panels.map(panelSvg).join('')}</div>`;
    }
    case 'examples':
      return examplesHtml(data);
    case 'patches':
      return patchesHtml(data, reportTableHtml);
    case 'captures': {
      const c = data.captures;
      if (!c.present) return `<p class="note">${esc(c.source)}</p>`;
      const head = `<p>${c.accepted} accepted, ${c.rejected} rejected, ${c.duplicates} duplicate photo(s); discard rate ${cellText(c.discardRate)}% (${countText(c.discardRate)}) ${ciText(c.discardRate)} (the paper: 3–10%).</p>`;
      const reasons = c.reasons.length ? tableHtml(['Reason (not accepted)', 'Photos'], c.reasons.map((r) => [r.reason, String(r.count)])) : '';
      const byCondition = data.conditions ? conditionsTable(data.conditions) : null;
      return head + reasons + (byCondition ? `<p class="note">${esc(byCondition.title)}</p>${tableHtml(byCondition.header, byCondition.rows)}` : '') + tableHtml(['Photo', 'Sheet', 'Status', 'Reason', 'Crops'], c.photos.map((p) => [p.file, p.sheet ?? '—', p.status, p.reason ?? '', String(p.crops)]));
    }
    case 'reproduce':
      return `${kv(environmentLines(data))}<h3>Commands</h3><pre>${data.reproduce.commands.map(esc).join('\n')}</pre>`;
    case 'notes':
      return data.notes.length ? `<ul>${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p class="note">None.</p>';
  }
}

function tableHtml(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th class="l">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td class="l">${esc(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function cellHtml(c: Cell | null): string {
  if (!c || c.value === null) return '<td>—</td>';
  const small = [countText(c), ciText(c)].filter(Boolean).join(' ');
  return `<td>${esc(cellText(c))}${small ? `<small>${esc(small)}</small>` : ''}</td>`;
}

function reportTableHtml(t: ReportTable): string {
  const spans = groupSpans(t);
  const groupRow = spans.some((s) => s.label) ? `<tr><th class="l"></th>${spans.map((s) => `<th colspan="${s.span}">${esc(s.label)}</th>`).join('')}</tr>` : '';
  return `<h3 data-table="${esc(t.id)}">${esc(tableHeading(t))}</h3><table><thead>${groupRow}<tr><th class="l"></th>${t.columns
    .map((c) => `<th>${esc(c.label)}</th>`)
    .join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr><td class="l">${esc(r.label)}</td>${t.columns.map((c) => cellHtml(r.cells[c.key] ?? null)).join('')}</tr>`)
    .join('')}</tbody></table>${t.note ? `<p class="note">${esc(t.note)}</p>` : ''}`;
}

async function dataUri(dir: string, file: string): Promise<string | null> {
  try {
    return `data:image/png;base64,${(await readFile(resolveInExperiment(dir, file))).toString('base64')}`;
  } catch {
    return null;
  }
}

async function figure(dir: string, caption: string, img: ExampleImage | null, label: number): Promise<string> {
  if (!img) return `<figure><div style="width:84px;height:84px;border:1px dashed #ccc"></div><figcaption>${esc(caption)}<br>not photographed</figcaption></figure>`;
  const uri = await dataUri(dir, img.file);
  const p = img.prediction;
  const pred = p ? `<span class="${p.label === label ? 'ok' : 'bad'}">${esc(p.name)} ${(p.prob * 100).toFixed(0)}%</span>` : '—';
  const pic = uri ? `<img src="${uri}" alt="${esc(caption)}">` : `<div>missing ${esc(img.file)}</div>`;
  return `<figure>${pic}<figcaption>${esc(caption)}<br>${pred}</figcaption></figure>`;
}

async function examplesHtml(data: ReportData): Promise<string> {
  if (!data.examples.length) return '<p class="note">No runs.</p>';
  const dir = data.experiment.dir;
  const cards: string[] = [];
  for (const e of data.examples) {
    const figs = [await figure(dir, 'clean', e.clean, e.label), await figure(dir, 'adversarial', e.adversarial, e.label), await figure(dir, 'photo', e.photo, e.label)];
    cards.push(`<div class="ex"><b>${esc(runDisplayName(e.method, e.eps))}</b> · ${esc(e.relPath)} · true: ${esc(e.labelName)}<div class="imgs">${figs.join('')}</div></div>`);
  }
  return `<p class="note">Predictions: top-1 class and probability (green when right).</p><div class="examples">${cards.join('')}</div>`;
}
