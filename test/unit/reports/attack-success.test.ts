/**
 * The report's attack success (issue 14): counted among the images the model got right before
 * the attack, with its count and 95% Wilson interval, beside adversarial accuracy; the raw count
 * over all images has its own column. Three of eight images are filed under a wrong class, so
 * the model is wrong on them before any attack and an untargeted attack "succeeds" on them for free.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../../src/metrics';
import type { ReportData } from '../../../src/reports';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runReportJob } from '../../../src/services/report-job';
import { openImages, openModel } from '../../../src/services/sources';
import { readRunManifest, openExperiment, type RunImage } from '../../../src/workspace';
import { ROOT } from '../cli/run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-report-success-'));
const exp = join(tmp, 'exp');
let data: ReportData;
let html: string;
let rows: RunImage[];

function images(): string {
  const dir = join(tmp, 'images');
  const first = (cls: string) => readdirSync(join(ROOT, 'assets/samples', cls)).filter((f) => f.endsWith('.png')).sort()[0]!;
  const put = (from: string, to: string, name: string) => {
    mkdirSync(join(dir, to), { recursive: true });
    cpSync(join(ROOT, 'assets/samples', from, first(from)), join(dir, to, name));
  };
  for (const cls of ['Ankle boot', 'Coat', 'Pullover', 'Shirt', 'Sneaker']) put(cls, cls, first(cls));
  put('Sandal', 'Trouser', 'sandal.png');
  put('Bag', 'T-shirt-top', 'bag.png');
  put('Dress', 'Sneaker', 'dress.png');
  return dir;
}

beforeAll(async () => {
  const model = await openModel('default');
  try {
    const set = await openImages(images(), model);
    await attackIntoExperiment(model, set.items, set.root, { method: 'fgsm', params: { eps: 16 }, seed: 0, out: exp });
  } finally {
    model.dispose();
  }
  const out = ['json', 'html'].map((ext) => join(exp, 'reports', `report.${ext}`));
  data = (await runReportJob({ experiment: exp, out, sweeps: [], tableTransforms: [] })).data;
  expect(JSON.parse(await readFile(out[0]!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(data)));
  html = await readFile(out[1]!, 'utf8');
  const e = await openExperiment(exp);
  rows = (await readRunManifest(exp, e.runs[0]!)).images;
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report attack success', () => {
  it('the digital table counts success among originally correct images, with its interval, beside adversarial accuracy', () => {
    const correct = rows.filter((r) => r.cleanTop5[0]?.label === r.label);
    const fooled = correct.filter((r) => r.success).length;
    const raw = rows.filter((r) => r.success).length;
    expect(correct.length).toBeLessThanOrEqual(5);
    expect(raw).toBeGreaterThan(fooled);

    const digital = data.tables.find((t) => t.id === 'digital')!;
    expect(digital.columns.map((c) => c.key)).toEqual(expect.arrayContaining(['adv1', 'success', 'rawSuccess']));
    const row = digital.rows[0]!;
    expect(row.label).toBe('fgsm eps=16');
    expect(row.cells.success).toEqual({ value: fooled / correct.length, format: 'pct', numerator: fooled, denominator: correct.length, ci: wilsonInterval(fooled, correct.length) });
    expect(row.cells.rawSuccess).toMatchObject({ numerator: raw, denominator: 8 });
    expect(row.cells.adv1).toMatchObject({ numerator: rows.filter((r) => r.advTop5[0]?.label === r.label).length, denominator: 8 });
    expect(data.runs[0]!.attackSuccess).toEqual(row.cells.success);
    expect(digital.note).toMatch(/got right before the attack/);
  });

  it('the HTML shows the success cell with its count and interval', () => {
    const correct = rows.filter((r) => r.cleanTop5[0]?.label === r.label);
    const fooled = correct.filter((r) => r.success).length;
    const ci = wilsonInterval(fooled, correct.length)!;
    const pct = ((100 * fooled) / correct.length).toFixed(1);
    const small = `${fooled}/${correct.length} [${(ci.low * 100).toFixed(0)}–${(ci.high * 100).toFixed(0)}]`;
    const digital = html.slice(html.indexOf('Digital accuracy'));
    expect(digital).toContain(`<td>${pct}<small>${small}</small></td>`);
    expect(digital).toContain('raw, all images');
  });
});
