/**
 * A report built from a fixture experiment (bundled model, 20 images, two runs, a captures log
 * with crops, a transfer target) in all four formats: every section is there, pdftotext shows
 * the tables, the CSV holds the same numbers as the JSON, and the HTML opens in a browser that
 * blocks every non-file request without attempting one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage8 } from '../../../src/images';
import { cellText, SECTIONS, type Cell, type ReportData } from '../../../src/reports';
import { runReportJob } from '../../../src/services/report-job';
import { buildFixtureExperiment, type FixtureExperiment } from '../../fixtures/experiment-fixture';
import { parseCsv } from './csv-parse';

const CHROMIUM = '/usr/bin/chromium';
const SWEEPS = ['jpeg:quality=10', 'jpeg:quality=50', 'gaussian-blur:sigma=1', 'gaussian-blur:sigma=2'];

let fx: FixtureExperiment;
let data: ReportData;
let out: string;

beforeAll(async () => {
  fx = await buildFixtureExperiment();
  out = join(fx.dir, 'reports');
  const result = await runReportJob({
    experiment: fx.dir,
    out: ['json', 'csv', 'pdf', 'html'].map((ext) => join(out, `report.${ext}`)),
    transferModels: [fx.otherModel],
    sweeps: SWEEPS,
    tableTransforms: ['jpeg:quality=50'],
  });
  data = result.data;
}, 120_000);

afterAll(() => fx?.cleanup());

/** Opens a file with every non-file request aborted; returns the URLs the page tried to fetch. */
async function openBlocked(browser: import('@playwright/test').Browser, file: string): Promise<string[]> {
  const page = await browser.newPage();
  const attempted: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    attempted.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.close();
  return attempted;
}

const pctCells = (d: ReportData): Cell[] => d.tables.flatMap((t) => t.rows.flatMap((r) => Object.values(r.cells))).filter((c): c is Cell => c !== null && c.format === 'pct');

describe('report data', () => {
  it('has every section', () => {
    expect(data.model).toMatchObject({ name: 'fashion-cnn', input: '28×28×1' });
    expect(data.model.labels).toHaveLength(10);
    expect(data.imageSet.count).toBe(20);
    expect(data.imageSet.classes.every((c) => c.count === 2)).toBe(true);
    expect(data.runs.map((r) => [r.method, r.eps, r.params.alpha ?? null])).toEqual([
      ['fgsm', 8, null],
      ['bim', 16, 1],
    ]);
    const ids = data.tables.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['digital', 'perturbation', 'transfer-matrix', 'transfer-runs']));
    for (const ch of ['photo', 'jpeg:quality=50']) for (const n of [1, 2, 3]) expect(ids).toContain(`table${n}-${ch}`);
    expect(data.fig6.eps).toBe(16);
    expect(data.fig6.panels.map((p) => p.transform)).toEqual(['gaussian-blur', 'jpeg']);
    expect(data.examples.some((e) => e.photo?.prediction)).toBe(true);
    expect(data.captures).toMatchObject({ present: true, accepted: 1, rejected: 1, duplicates: 1 });
    expect(data.captures.reasons.map((r) => r.reason).sort()).toEqual(['duplicate-photo', 'missing-marker']);
    expect(data.environment.versions.pdfkit).toBeDefined();
    expect(data.reproduce.commands[0]).toMatch(/^printshot attack --model default --images samples --method fgsm --eps 8 --seed 0 --out /);
    expect(data.reproduce.commands.at(-1)).toMatch(/^printshot report --experiment /);
  });

  it('gives a confidence interval for every rate with a denominator', () => {
    const cells = pctCells(data).filter((c) => c.denominator);
    expect(cells.length).toBeGreaterThan(50);
    for (const c of cells) expect(c.ci).not.toBeNull();
  });

  it('photo rows exist only for the photographed run; prefiltered Table 3 equals Table 2 photo adv. (paper sanity check)', () => {
    const t2 = data.tables.find((t) => t.id === 'table2-photo')!;
    const t3 = data.tables.find((t) => t.id === 'table3-photo')!;
    expect(t3.rows.map((r) => r.method)).toEqual(['bim']);
    // In the prefiltered case every image is in the denominator, so d = photo accuracy on adv.
    for (const [d, a] of [['pre1', 'chAdv1'], ['pre5', 'chAdv5']]) {
      expect(t3.rows[0].cells[d]).toMatchObject({ numerator: t2.rows[0].cells[a]!.numerator, denominator: t2.rows[0].cells[a]!.denominator });
    }
  });

  it('transfer: the source column has zero transfer destruction; the unknown class is reported', () => {
    const byRun = data.tables.find((t) => t.id === 'transfer-runs')!;
    const own = byRun.rows.filter((r) => r.label.endsWith('→ fashion-cnn'));
    expect(own).toHaveLength(2);
    for (const r of own) expect(r.cells.d1?.numerator).toBe(0);
    const digital = data.tables.find((t) => t.id === 'digital')!;
    expect(own.map((r) => r.cells.adv1?.numerator)).toEqual(digital.rows.map((r) => r.cells.adv1?.numerator));
    expect(byRun.rows.filter((r) => r.label.endsWith('fashion-cnn-perturbed')).every((r) => r.cells.adv1?.denominator === 18)).toBe(true);
    expect(data.notes.join(' ')).toMatch(/lacks 1 of the 10 source classes/);
  });

  it('caches the evaluation in results/ and reproduces the same tables from it', async () => {
    const cached = (await readdir(join(fx.dir, 'results'))).filter((f) => f.startsWith('report-'));
    expect(cached).toHaveLength(2);
    const mtimes = await Promise.all(cached.map((f) => stat(join(fx.dir, 'results', f)).then((s) => s.mtimeMs)));
    const again = await runReportJob({ experiment: fx.dir, out: [join(out, 'again.json')], transferModels: [fx.otherModel], sweeps: SWEEPS, tableTransforms: ['jpeg:quality=50'] });
    expect(again.data.tables).toEqual(data.tables);
    expect(await Promise.all(cached.map((f) => stat(join(fx.dir, 'results', f)).then((s) => s.mtimeMs)))).toEqual(mtimes);
  });
});

describe('writers', () => {
  it('JSON is the ReportData', async () => {
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('CSV totals match the JSON, table by table', async () => {
    const rows = parseCsv(await readFile(join(out, 'report.csv'), 'utf8'));
    const sums = new Map<string, { cells: number; num: number; den: number }>();
    const add = (k: string, num: number, den: number) => {
      const s = sums.get(k) ?? { cells: 0, num: 0, den: 0 };
      sums.set(k, { cells: s.cells + 1, num: s.num + num, den: s.den + den });
    };
    for (const r of rows) add(r.table, Number(r.numerator || 0), Number(r.denominator || 0));
    const expected = new Map<string, { cells: number; num: number; den: number }>();
    const addE = (k: string, c: Cell) => {
      const s = expected.get(k) ?? { cells: 0, num: 0, den: 0 };
      expected.set(k, { cells: s.cells + 1, num: s.num + (c.numerator ?? 0), den: s.den + (c.denominator ?? 0) });
    };
    for (const t of data.tables) for (const r of t.rows) for (const c of t.columns) if (r.cells[c.key]) addE(t.id, r.cells[c.key]!);
    for (const p of data.fig6.panels) for (const s of p.series) for (const pt of s.points) addE(`fig6-${p.transform}`, pt.rate);
    expect(Object.fromEntries(sums)).toEqual(Object.fromEntries(expected));
    const d = rows.find((r) => r.table === 'digital' && r.column === 'clean1')!;
    expect(Number(d.value)).toBeCloseTo(data.tables[0].rows[0].cells.clean1!.value!, 12);
  });

  it('PDF: pdftotext shows the sections and the tables with their numbers', async () => {
    const pdf = join(out, 'report.pdf');
    expect((await readFile(pdf)).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, ' ');
    for (const s of SECTIONS) expect(flat).toContain(s.title);
    for (const title of ['Table 1. Accuracy, average case — photos', 'Table 2. Accuracy, prefiltered case — photos', 'Table 3. Destruction rate — photos', 'Table 3. Destruction rate — synthetic transform jpeg:quality=50']) {
      expect(flat).toContain(title);
    }
    const t3 = data.tables.find((t) => t.id === 'table3-photo')!.rows[0].cells.avg1!;
    expect(flat).toContain(`${cellText(t3)}`);
    expect(flat).toContain(`${t3.numerator}/${t3.denominator}`);
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans\s+CID TrueType\s+Identity-H\s+yes/);
  });

  it('PDF: example images are embedded losslessly (extracted pixels = experiment PNG)', async () => {
    const pdf = join(out, 'report.pdf');
    expect(execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' })).toMatch(/\s28\s+28\s+gray\s+1\s+8\s+image\s/);
    const prefix = join(out, 'extracted');
    execFileSync('pdfimages', ['-png', pdf, prefix]);
    const first = await readImage8(`${prefix}-000.png`);
    const source = await readImage8(join(fx.dir, data.examples[0].clean.file));
    expect(first.width).toBe(source.width);
    expect(Buffer.compare(Buffer.from(first.data), Buffer.from(source.data))).toBe(0);
  });

  it('HTML has every section and table', async () => {
    const html = await readFile(join(out, 'report.html'), 'utf8');
    for (const s of SECTIONS) expect(html).toContain(`data-section="${s.id}"`);
    for (const t of data.tables) expect(html).toContain(`data-table="${t.id}"`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it.skipIf(!existsSync(CHROMIUM))('HTML opens offline with no network request (Playwright, non-file requests blocked)', async () => {
    const { chromium } = await import('@playwright/test');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      // Open the report as written, and a copy without its Content-Security-Policy: the CSP would
      // stop the browser before it requests anything, hiding an external reference from the route.
      const html = await readFile(join(out, 'report.html'), 'utf8');
      const noCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
      expect(noCsp).not.toBe(html);
      await writeFile(join(out, 'report-no-csp.html'), noCsp);
      // Negative control: the same check does see a request the page makes.
      await writeFile(join(out, 'control.html'), noCsp.replace('</body>', '<img src="http://example.invalid/x.png"></body>'));
      expect(await openBlocked(browser, join(out, 'control.html'))).toEqual(['http://example.invalid/x.png']);
      for (const f of ['report.html', 'report-no-csp.html']) expect(await openBlocked(browser, join(out, f))).toEqual([]);
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(out, 'report-no-csp.html')).href, { waitUntil: 'load' });
      expect(await page.locator('section[data-section]').count()).toBe(SECTIONS.length);
      // Fig. 6 and, above it, the run comparison (success and accuracy against eps).
      expect(await page.locator('svg.chart').count()).toBe(data.fig6.panels.length + (data.comparison?.panels.length ?? 0));
      // Every example image decoded from its data: URI.
      expect(await page.locator('img').count()).toBeGreaterThan(0);
      expect(await page.$$eval('img', (imgs) => imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).length)).toBe(0);
    } finally {
      await browser.close();
    }
  });
});
