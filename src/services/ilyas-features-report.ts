/**
 * The report of `printshot reproduce ilyas-features` (Ilyas et al. 2019, arXiv 1905.02175): the
 * paper's Fig. 2 / Table 1 in shape — standard accuracy on the real test set and robust accuracy
 * under L∞ PGD, per training set — as a table and a grouped bar chart, the transfer of the standard
 * model's adversarial examples, and the datasets' own checks. Every rate is shown with its count
 * and 95 % Wilson interval (computed by the script, scripts/ilyas_ops.py wilson()).
 */
import { csvField } from '../reports/csv';
import { escapeXml } from '../reports/svg';

export interface IlyasRate {
  k: number;
  n: number;
  rate: number | null;
  lo: number | null;
  hi: number | null;
}

export interface IlyasRow {
  model: string;
  label: string;
  fingerprint: string;
  standardAccuracy: IlyasRate;
  robustAccuracy: IlyasRate;
}

export interface IlyasTransfer {
  target: string;
  label: string;
  images: number;
  transferError: IlyasRate;
  cleanError: IlyasRate;
}

/** results/ilyas-features.json as scripts/ilyas_eval.py summary() writes it. */
export interface IlyasResults {
  paper: string;
  settings: Record<string, unknown>;
  data: { dir: string; trainSha256: string; train: number; test: number };
  robustEval: { attack: string; eps: number; epsScale: string; steps: number; stepSize: number; images: number };
  models: Record<string, { label: string; fingerprint: string; dir: string }>;
  table: IlyasRow[];
  transfer: IlyasTransfer[];
  datasets: Record<string, Record<string, unknown> & { dir: string; images: number }>;
  seconds: Record<string, number>;
  date: string;
}

/** "83.2% (832/1000, 80.8–85.4)". */
export function rateText(r: IlyasRate): string {
  if (r.rate === null || r.lo === null || r.hi === null) return `— (0/${r.n})`;
  const p = (v: number) => (v * 100).toFixed(1);
  return `${p(r.rate)}% (${r.k}/${r.n}, ${p(r.lo)}–${p(r.hi)})`;
}

/** Rows of the paper's Fig. 2 / Table 1: training set, standard accuracy, robust accuracy. */
export function ilyasTable(r: IlyasResults): { head: string[]; rows: string[][] } {
  return {
    head: ['model (training)', 'standard accuracy, real test set', `robust accuracy, PGD eps ${r.robustEval.eps}/255`],
    rows: r.table.map((t) => [t.label, rateText(t.standardAccuracy), rateText(t.robustAccuracy)]),
  };
}

export function transferTable(r: IlyasResults): { head: string[]; rows: string[][] } {
  return {
    head: ['target model', 'error on the standard model\'s adversarial examples', 'error on the same clean images'],
    rows: r.transfer.map((t) => [t.label, rateText(t.transferError), rateText(t.cleanError)]),
  };
}

/** Grouped bars per model: standard accuracy (blue) and robust accuracy (orange), with interval whiskers. */
export function ilyasChartSvg(r: IlyasResults, width = 640): string {
  const h = 260;
  const left = 40;
  const bottom = 70;
  const plotH = h - bottom - 20;
  const group = (width - left - 10) / Math.max(1, r.table.length);
  const bw = Math.min(40, group / 3);
  const y = (v: number) => 20 + plotH * (1 - v);
  const bar = (rate: IlyasRate, x: number, fill: string) => {
    const v = rate.rate ?? 0;
    const whisker = rate.lo !== null && rate.hi !== null
      ? `<line x1="${(x + bw / 2).toFixed(1)}" x2="${(x + bw / 2).toFixed(1)}" y1="${y(rate.lo).toFixed(1)}" y2="${y(rate.hi).toFixed(1)}" stroke="#000"/>` : '';
    return `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(plotH * v).toFixed(1)}" fill="${fill}"/>${whisker}` +
      `<text x="${(x + bw / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${((rate.rate ?? 0) * 100).toFixed(0)}</text>`;
  };
  const groups = r.table.map((t, i) => {
    const x0 = left + i * group + (group - 2 * bw) / 2;
    const words = t.label.split(/(?<=[,;)]) | (?=\()/);
    return bar(t.standardAccuracy, x0, '#1f77b4') + bar(t.robustAccuracy, x0 + bw, '#ff7f0e') +
      words.map((w, j) => `<text x="${(x0 + bw).toFixed(1)}" y="${h - bottom + 14 + j * 11}" font-size="9" text-anchor="middle">${escapeXml(w)}</text>`).join('');
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((v) => `<text x="${left - 4}" y="${(y(v) + 3).toFixed(1)}" font-size="9" text-anchor="end">${v * 100}%</text><line x1="${left}" x2="${width - 10}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img" aria-label="standard and robust accuracy per training set">` +
    `${ticks.join('')}${groups.join('')}` +
    `<rect x="${left}" y="4" width="10" height="10" fill="#1f77b4"/><text x="${left + 14}" y="13" font-size="10">standard accuracy (real test set)</text>` +
    `<rect x="${left + 200}" y="4" width="10" height="10" fill="#ff7f0e"/><text x="${left + 214}" y="13" font-size="10">robust accuracy (PGD eps ${r.robustEval.eps}/255); whiskers: 95% Wilson</text></svg>`;
}

function datasetLines(r: IlyasResults): string[] {
  const out: string[] = [];
  for (const [name, d] of Object.entries(r.datasets)) {
    const parts = Object.entries(d)
      .filter(([k]) => k !== 'dir')
      .map(([k, v]) => `${k} ${typeof v === 'object' && v !== null && 'k' in v ? rateText(v as unknown as IlyasRate) : String(v)}`);
    out.push(`${name} (${d.dir}): ${parts.join('; ')}`);
  }
  return out;
}

export function ilyasHtml(r: IlyasResults, command: string[]): string {
  const cells = (row: string[], tag: string) => `<tr>${row.map((c) => `<${tag}>${escapeXml(c)}</${tag}>`).join('')}</tr>`;
  const table = (t: { head: string[]; rows: string[][] }) => `<table>${cells(t.head, 'th')}${t.rows.map((row) => cells(row, 'td')).join('')}</table>`;
  const e = r.robustEval;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Ilyas et al. — robust and non-robust features</title>
<style>body{font-family:sans-serif;max-width:64rem;margin:2rem auto}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style></head><body>
<h1>Adversarial examples are not bugs, they are features (Ilyas et al. 2019): Fashion-MNIST</h1>
<p>${escapeXml(r.paper)}. Data ${escapeXml(r.data.dir)} (train sha256 ${escapeXml(r.data.trainSha256.slice(0, 12))}…, ${r.data.train} train / ${r.data.test} test images).
Standard accuracy: all ${r.data.test} real test images. Robust accuracy: ${escapeXml(e.attack)}, eps ${e.eps} (${escapeXml(e.epsScale)}), ${e.steps} steps of ${e.stepSize}, on the first ${e.images} test images, white box on each model.</p>
<h2>Standard and robust accuracy by training set (the paper's Fig. 2 / Table 1)</h2>
${table(ilyasTable(r))}
${ilyasChartSvg(r)}
<h2>Transfer of the standard model's adversarial examples</h2>
<p>The standard model's PGD examples on the test images it classifies correctly and the attack fools, shown to each model.</p>
${table(transferTable(r))}
<h2>Datasets</h2>
<ul>${datasetLines(r).map((l) => `<li>${escapeXml(l)}</li>`).join('')}</ul>
<h2>Models</h2>
<ul>${Object.entries(r.models).map(([k, m]) => `<li>${escapeXml(k)}: ${escapeXml(m.label)}, ${escapeXml(m.dir)}, sha256 ${escapeXml(m.fingerprint.slice(0, 12))}…</li>`).join('')}</ul>
<p>Seconds per stage: ${escapeXml(Object.entries(r.seconds).map(([k, v]) => `${k} ${v}`).join(', '))}. ${escapeXml(r.date)}</p>
<p><code>${escapeXml(command.join(' '))}</code></p>
</body></html>
`;
}

export function ilyasCsv(r: IlyasResults): string {
  const lines = [['table', 'model', 'label', 'measure', 'k', 'n', 'rate', 'ci_low', 'ci_high'].join(',')];
  const row = (table: string, model: string, label: string, measure: string, x: IlyasRate) =>
    lines.push([table, model, label, measure, x.k, x.n, x.rate ?? '', x.lo ?? '', x.hi ?? ''].map(csvField).join(','));
  for (const t of r.table) {
    row('accuracy', t.model, t.label, 'standard_accuracy', t.standardAccuracy);
    row('accuracy', t.model, t.label, `robust_accuracy_pgd_eps${r.robustEval.eps}`, t.robustAccuracy);
  }
  for (const t of r.transfer) {
    row('transfer', t.target, t.label, 'error_on_standard_model_adversarial', t.transferError);
    row('transfer', t.target, t.label, 'error_on_same_clean_images', t.cleanError);
  }
  return `${lines.join('\n')}\n`;
}
