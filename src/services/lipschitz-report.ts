/**
 * `printshot reproduce szegedy-spectral`: the per-layer Lipschitz bounds of a model as Szegedy et
 * al. 2013 Table 5 (layer, size, upper bound), their product, the measured lower bound, and a
 * per-layer bar chart, written as reports/szegedy-spectral.{html,csv,json} in the experiment folder,
 * with the command in results/reproduce.json. Nothing is attacked, so a rerun simply recomputes.
 */
import { isAbsolute, join } from 'node:path';
import { csvField } from '../reports/csv';
import { escapeXml } from '../reports/svg';
import { atomicWrite, atomicWriteJson } from '../workspace';
import { lipschitzReport, lipschitzTable, type LipschitzReport } from './lipschitz';

export interface SpectralOptions {
  out: string;
  model?: string;
  images?: string;
  /** Report files, relative to `out` unless absolute (default reports/szegedy-spectral.{html,csv,json}). */
  reports?: string[];
  command?: string[];
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface SpectralResult {
  out: string;
  report: LipschitzReport;
  reports: string[];
  seconds: number;
}

/** Horizontal bars, one per layer with a bound; a dashed line at 1 (bars past it amplify perturbations). */
export function boundsChartSvg(r: LipschitzReport, width = 560): string {
  const rows = r.layers.filter((l) => l.bound !== null);
  const label = 150;
  const barH = 18;
  const top = 24;
  const height = top + rows.length * (barH + 6) + 24;
  const max = Math.max(1, ...rows.map((l) => l.bound!));
  const x = (v: number) => label + (v / max) * (width - label - 60);
  const bars = rows.map((l, i) => {
    const y = top + i * (barH + 6);
    return `<text x="${label - 6}" y="${y + 13}" text-anchor="end" font-size="11">${escapeXml(l.name)}</text>` +
      `<rect x="${label}" y="${y}" width="${Math.max(1, x(l.bound!) - label).toFixed(1)}" height="${barH}" fill="${l.bound! > 1 ? '#d62728' : '#1f77b4'}"/>` +
      `<text x="${(x(l.bound!) + 4).toFixed(1)}" y="${y + 13}" font-size="11">${l.bound!.toPrecision(3)}</text>`;
  });
  const one = x(1).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="upper Lipschitz bound per layer">` +
    `<text x="${label}" y="14" font-size="12">upper bound per layer (red: above 1)</text>${bars.join('')}` +
    `<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${height - 20}" stroke="#333" stroke-dasharray="4 3"/><text x="${one}" y="${height - 6}" font-size="10" text-anchor="middle">1</text></svg>`;
}

export function spectralHtml(r: LipschitzReport, command: string[]): string {
  const t = lipschitzTable(r);
  const cells = (row: string[], tag: string) => `<tr>${row.map((c) => `<${tag}>${escapeXml(c)}</${tag}>`).join('')}</tr>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Szegedy et al. Table 5 — ${escapeXml(r.model.name)}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style></head><body>
<h1>Spectral analysis (Szegedy et al. 2013 §4.3, Table 5): ${escapeXml(r.model.name)}</h1>
<p>Model ${escapeXml(r.model.dir)} (sha256 ${escapeXml(r.model.fingerprint.slice(0, 12))}…), input ${escapeXml(r.model.input)}, pixel range ${escapeXml(r.model.range)}. Bounds are L2 operator norms with respect to [0,1] pixels; conv and dense norms are exact (power iteration), activations and pooling use their largest slope.</p>
<table>${cells(t.head, 'th')}${t.rows.map((row) => cells(row, 'td')).join('')}</table>
<ul>${t.footer.map((f) => `<li>${escapeXml(f)}</li>`).join('')}</ul>
${boundsChartSvg(r)}
<p><code>${escapeXml(command.join(' '))}</code> · ${r.seconds.toFixed(1)} s</p>
</body></html>
`;
}

export function spectralCsv(r: LipschitzReport): string {
  const lines = [['layer', 'class', 'size', 'upper_bound', 'method', 'note'].join(',')];
  for (const l of r.layers) lines.push([l.name, l.className, l.shape, l.bound ?? '', l.method, l.note ?? ''].map(csvField).join(','));
  lines.push(['product', '', '', r.product, r.partial ? 'partial' : 'bound', ''].map(csvField).join(','));
  lines.push(['measured_lower_bound', '', '', r.measured.max, `max logit-gradient norm over ${r.measured.images} images x ${r.measured.classes} classes`, r.measured.image].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

export async function runSpectralReproduce(opts: SpectralOptions): Promise<SpectralResult> {
  const started = Date.now();
  const model = opts.model ?? 'default';
  const images = opts.images ?? 'samples';
  const command = opts.command ?? ['printshot', 'reproduce', 'szegedy-spectral', '--model', model, '--images', images, '--out', opts.out];
  const report = await lipschitzReport({ model, images, onProgress: opts.onProgress });
  await atomicWriteJson(join(opts.out, 'results', 'reproduce.json'), { template: 'szegedy-spectral', command, images: report.measured.images, at: new Date().toISOString() });
  const files = (opts.reports ?? ['html', 'csv', 'json'].map((ext) => `reports/szegedy-spectral.${ext}`)).map((f) => (isAbsolute(f) ? f : join(opts.out, f)));
  for (const f of files) {
    if (f.endsWith('.html')) await atomicWrite(f, spectralHtml(report, command));
    else if (f.endsWith('.csv')) await atomicWrite(f, spectralCsv(report));
    else await atomicWriteJson(f, report);
  }
  return { out: opts.out, report, reports: files, seconds: (Date.now() - started) / 1000 };
}
