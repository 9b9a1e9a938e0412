/**
 * The report of `printshot reproduce szegedy-cross-training` (Szegedy et al. 2013, arXiv
 * 1312.6199, §4.2, Tables 3–4): the models (Table 3: architecture, training half, weight decay,
 * test error) and the cross-model table (Table 4: rows = the minimal-distortion adversarial
 * examples made for one model, columns = the error rate they cause on each model, with the
 * same images under Gaussian noise of the same RMS distortion per image as the baseline row).
 * Every rate is k/n with its 95% Wilson interval. Written as HTML, CSV and JSON.
 */
import { wilsonInterval } from '../metrics';
import { csvField } from './csv';
import { escapeXml } from './svg';

export interface CrossModel {
  name: string;
  dir: string;
  fingerprint: string;
  /** e.g. 'FC100-100-10 (ReLU)'. */
  architecture: string;
  /** 'P0' or 'P1'. */
  trainingHalf: string;
  halfSize: number;
  weightDecay: number;
  epochs: number;
  /** On the whole test set, from the training script (PyTorch). */
  testAccuracy: number | null;
  testSetSize: number | null;
}

export interface Counts {
  errors: number;
  n: number;
}

/** One source model's adversarial examples, and the noise baseline made from the same images. */
export interface CrossSourceRow {
  source: string;
  /** Images attacked; eligible = classified right by the source before and wrong after the attack (8-bit). */
  attacked: number;
  eligible: number;
  /** Attacked images the source already got wrong (left out). */
  cleanWrong: number;
  /** Images the attack failed on after 8-bit rounding (left out). */
  failed: number;
  /** Mean over eligible images of ‖x' − x‖₂/√m on [0,1] pixels (the paper's "av. distortion"). */
  meanRms: number;
  /** Mean ‖x' − x‖₂ on [0,1] pixels. */
  meanL2: number;
  /** Largest |noise RMS − adversarial RMS| over the eligible images (0 up to rounding). */
  noiseRmsGap: number;
  /** By target model name: errors of that model on the adversarial / noisy / clean images. */
  adversarial: Record<string, Counts>;
  noise: Record<string, Counts>;
  clean: Record<string, Counts>;
}

export interface CrossTrainingResult {
  schemaVersion: 1;
  template: 'szegedy-cross-training';
  paper: string;
  models: CrossModel[];
  rows: CrossSourceRow[];
  attack: { method: string; params: Record<string, unknown>; seed: number };
  images: { source: string; count: number; sampling: string };
  command: string[];
  at: string;
  seconds: number;
}

export interface BaselineCheck {
  source: string;
  target: string;
  adversarial: number | null;
  noise: number | null;
  /** Point estimate above the noise baseline. */
  above: boolean;
  /** Wilson intervals do not overlap (adversarial's lower end above noise's upper end). */
  separated: boolean;
}

export const PAPER = 'Szegedy et al. 2013, "Intriguing properties of neural networks", arXiv 1312.6199, §4.2, Tables 3–4';

const rate = (c: Counts | undefined): number | null => (c && c.n ? c.errors / c.n : null);

/** "12.3% (37/300) [9.0–16.6]": the rate, its count and its 95% Wilson interval. */
export function rateText(c: Counts | undefined): string {
  if (!c || !c.n) return '—';
  const ci = wilsonInterval(c.errors, c.n);
  const pct = (v: number) => (v * 100).toFixed(1);
  return `${pct(c.errors / c.n)}% (${c.errors}/${c.n})${ci ? ` [${pct(ci.low)}–${pct(ci.high)}]` : ''}`;
}

/** The acceptance line: on every OTHER model, adversarial error above the same-RMS noise error. */
export function baselineChecks(r: CrossTrainingResult): BaselineCheck[] {
  const out: BaselineCheck[] = [];
  for (const row of r.rows) {
    for (const m of r.models) {
      if (m.name === row.source) continue;
      const a = row.adversarial[m.name];
      const b = row.noise[m.name];
      const adv = rate(a);
      const noise = rate(b);
      const ca = a && a.n ? wilsonInterval(a.errors, a.n) : null;
      const cb = b && b.n ? wilsonInterval(b.errors, b.n) : null;
      out.push({ source: row.source, target: m.name, adversarial: adv, noise, above: adv !== null && noise !== null && adv > noise, separated: !!ca && !!cb && ca.low > cb.high });
    }
  }
  return out;
}

/** Table 3 in shape: one row per model. */
export function modelsTable(r: CrossTrainingResult): { head: string[]; rows: string[][] } {
  return {
    head: ['model', 'architecture', 'trained on', 'weight decay λ', 'epochs', 'test error'],
    rows: r.models.map((m) => [
      m.name,
      m.architecture,
      `${m.trainingHalf} (${m.halfSize} images)`,
      String(m.weightDecay),
      String(m.epochs),
      m.testAccuracy === null ? '—' : `${((1 - m.testAccuracy) * 100).toFixed(1)}% of ${m.testSetSize}`,
    ]),
  };
}

/** Table 4 in shape: per source, its adversarial row and its same-RMS noise row; a clean row per source's images. */
export function crossTable(r: CrossTrainingResult): { head: string[]; rows: string[][] } {
  const head = ['examples', 'images', 'mean RMS distortion', ...r.models.map((m) => `error on ${m.name}`)];
  const rows: string[][] = [];
  for (const row of r.rows) {
    const n = String(row.eligible);
    const dist = `${row.meanRms.toFixed(4)} (L2 ${row.meanL2.toFixed(3)})`;
    rows.push([`adversarial for ${row.source}`, n, dist, ...r.models.map((m) => rateText(row.adversarial[m.name]))]);
    rows.push([`Gaussian noise, same RMS per image`, n, `${row.meanRms.toFixed(4)}`, ...r.models.map((m) => rateText(row.noise[m.name]))]);
    rows.push([`clean (the same images)`, n, '0', ...r.models.map((m) => rateText(row.clean[m.name]))]);
  }
  return { head, rows };
}

export function checksText(r: CrossTrainingResult): string[] {
  const checks = baselineChecks(r);
  const above = checks.filter((c) => c.above).length;
  const separated = checks.filter((c) => c.separated).length;
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  return [
    `adversarial error above the same-RMS noise baseline on ${above} of ${checks.length} (source, other model) pairs; intervals separated on ${separated}`,
    ...checks.filter((c) => !c.above).map((c) => `not above: examples for ${c.source} on ${c.target}: ${pct(c.adversarial)} vs noise ${pct(c.noise)}`),
  ];
}

export function crossTrainingHtml(r: CrossTrainingResult): string {
  const table = (t: { head: string[]; rows: string[][] }) =>
    `<table><tr>${t.head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${t.rows.map((row) => `<tr>${row.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  const notes = r.rows.map((row) => `<li>${escapeXml(row.source)}: ${row.attacked} images attacked, ${row.cleanWrong} already misclassified and ${row.failed} not fooled after 8-bit rounding are left out; noise RMS matches within ${row.noiseRmsGap.toExponential(1)}.</li>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Szegedy et al. cross-training-set generalization</title>
<style>body{font-family:sans-serif;max-width:70rem;margin:2rem auto}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style></head><body>
<h1>Cross-training-set generalization (${escapeXml(r.paper)})</h1>
<h2>Models (Table 3 in shape)</h2>${table(modelsTable(r))}
<h2>Error caused on each model (Table 4 in shape)</h2>
<p>Adversarial examples: ${escapeXml(r.attack.method)} ${escapeXml(JSON.stringify(r.attack.params))}, seed ${r.attack.seed}, on ${r.images.count} test images of ${escapeXml(r.images.source)} (${escapeXml(r.images.sampling)}), judged after rounding to 8 bits. Rates are errors/images with 95% Wilson intervals. Noise: Gaussian, scaled per image so that its RMS distortion after clipping to [0,1] equals that image's adversarial one.</p>
${table(crossTable(r))}
<ul>${checksText(r).map((l) => `<li>${escapeXml(l)}</li>`).join('')}${notes.join('')}</ul>
<p><code>${escapeXml(r.command.join(' '))}</code> · ${r.seconds.toFixed(0)} s · ${escapeXml(r.at)}</p>
</body></html>
`;
}

/** One line per (row kind, source, target): the counts behind every table cell. */
export function crossTrainingCsv(r: CrossTrainingResult): string {
  const lines = [['table', 'examples_for', 'target', 'errors', 'n', 'rate', 'ci_lo', 'ci_hi', 'mean_rms', 'mean_l2'].join(',')];
  for (const row of r.rows) {
    for (const kind of ['adversarial', 'noise', 'clean'] as const) {
      for (const m of r.models) {
        const c = row[kind][m.name];
        const ci = c && c.n ? wilsonInterval(c.errors, c.n) : null;
        lines.push([`table4-${kind}`, row.source, m.name, c?.errors ?? '', c?.n ?? '', rate(c) ?? '', ci?.low ?? '', ci?.high ?? '', kind === 'clean' ? 0 : row.meanRms, kind === 'adversarial' ? row.meanL2 : ''].map(csvField).join(','));
      }
    }
  }
  for (const m of r.models) lines.push(['table3', m.name, m.architecture, '', m.testSetSize ?? '', m.testAccuracy === null ? '' : 1 - m.testAccuracy, '', '', '', ''].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
