/**
 * Report arithmetic without a model: Tables 1–3 from hand-made per-image outcomes (known
 * answers), the captures reader's tolerance, CSV quoting and chart geometry.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chartGeometry } from '../../../src/reports/chart';
import { photoPairsForRun, readCaptures } from '../../../src/reports/captures';
import { csvField, renderCsv } from '../../../src/reports/csv';
import type { RunOutcomes } from '../../../src/reports/outcomes';
import { paperTables, type RunEntry } from '../../../src/reports/tables';
import type { Fig6Panel, ReportData, RunInfo } from '../../../src/reports/types';
import { parseCsvRows } from './csv-parse';

const tmp: string[] = [];
afterAll(() => Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true }))));

/** 10 images of label 0; `c`, `a`, `t` give the rank of the label (0 = top-1, 9 = outside top-5). */
function outcomes(c: number[], a: number[], t: number[], conf = 0.9): RunOutcomes {
  const pred = (r: number) => ({ topK: r > 4 ? [1, 2, 3, 4, 5] : [1, 2, 3, 4, 5].map((x, i) => (i === r ? 0 : x)), topProb: conf });
  const n = c.length;
  return {
    key: 'k',
    relPaths: c.map((_, i) => `x/${i}.png`),
    labels: Array(n).fill(0),
    cleanFiles: [],
    advFiles: [],
    clean: c.map(pred),
    adversarial: a.map(pred),
    transformed: { 'jpeg:quality=50': t.map((r) => (r > 4 ? -1 : r)) },
    transformedClean: {},
    photo: null,
    perturbation: { linf: [], l2: [], psnr: [], ssim: [] },
    predictionsFrom: 'model',
  };
}

const info = { id: 'r1', method: 'fgsm', eps: 16 } as RunInfo;

describe('paper tables', () => {
  // clean right on 0..7; adversarial wrong (top-1) on 0..5, of which 1..5 also outside top-5;
  // T(adv) right again on 0, 1 (top-1) and 2 (top-5 only).
  const o = outcomes([0, 0, 0, 0, 0, 0, 0, 0, 9, 9], [2, 9, 9, 9, 9, 9, 0, 0, 9, 9], [0, 0, 3, 9, 9, 9, 0, 0, 9, 9]);
  const entries: RunEntry[] = [{ info, out: o, label: 'fast eps=16' }];
  const [t1, t2, t3] = paperTables(entries, 'jpeg:quality=50', 'jpeg:quality=50', { n: null, seed: 0, confidenceOn: 'both' });

  it('Table 3: Eq. (1) numerators and denominators', () => {
    // top-1: denominator = clean right & adv wrong = images 0..5 → 6; T right at top-1: 0, 1 → 2.
    expect(t3.rows[0].cells.avg1).toMatchObject({ numerator: 2, denominator: 6 });
    // top-5: adv outside top-5 among clean-right: 1..5 → 5; T in top-5: 1, 2 → 2.
    expect(t3.rows[0].cells.avg5).toMatchObject({ numerator: 2, denominator: 5 });
    // prefiltered: clean right, adv wrong in top-1 and top-5 → 1..5.
    expect(t3.rows[0].cells.pre1).toMatchObject({ numerator: 1, denominator: 5 });
  });

  it('Tables 1 and 2: accuracies, and the prefiltered identity d = channel adv. accuracy', () => {
    expect(t1.rows[0].cells.srcClean1).toMatchObject({ numerator: 8, denominator: 10 });
    expect(t1.rows[0].cells.chAdv1).toMatchObject({ numerator: 4, denominator: 10 });
    expect(t1.rows[0].cells.chClean1).toBeNull(); // T(clean) not computed for this setting
    expect(t2.rows[0].cells.srcAdv5).toMatchObject({ numerator: 0, denominator: 5 });
    for (const [d, acc] of [['pre1', 'chAdv1'], ['pre5', 'chAdv5']]) {
      expect(t3.rows[0].cells[d]).toMatchObject({ numerator: t2.rows[0].cells[acc]!.numerator, denominator: t2.rows[0].cells[acc]!.denominator });
    }
  });

  it('n draws that many images per case, reproducibly', () => {
    const sel = { n: 4, seed: 3, confidenceOn: 'both' as const };
    const a = paperTables(entries, 'jpeg:quality=50', 'q', sel);
    expect(a[0].rows[0].cells.srcClean1?.denominator).toBe(4);
    expect(paperTables(entries, 'jpeg:quality=50', 'q', sel)).toEqual(a);
  });

  it('the confidence filter empties the prefiltered case when nothing is confident', () => {
    const low = paperTables([{ info, out: outcomes([0, 0], [9, 9], [0, 9], 0.5), label: 'x' }], 'jpeg:quality=50', 'q', { n: null, seed: 0, confidenceOn: 'both' });
    expect(low[2].rows[0].cells.pre1).toMatchObject({ numerator: 0, denominator: 0, value: null, ci: null });
    // An all-empty Table 2 says why instead of showing only dashes (issue 22); one with values does not.
    expect(Object.values(low[1].rows[0].cells).every((c) => c === null || c.value === null)).toBe(true);
    expect(low[1].note).toMatch(/Empty: no image passed the prefilter in any run/);
    expect(t2.note).not.toMatch(/Empty/);
  });
});

describe('captures.json reader', () => {
  const exp = async (json: unknown | string) => {
    const dir = await mkdtemp(join(tmpdir(), 'printshot-cap-'));
    tmp.push(dir);
    await mkdir(join(dir, 'captures'));
    await writeFile(join(dir, 'captures', 'captures.json'), typeof json === 'string' ? json : JSON.stringify(json));
    return dir;
  };

  it('no file: "no photos yet"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'printshot-cap-'));
    tmp.push(dir);
    const c = await readCaptures(dir);
    expect(c.log).toMatchObject({ present: false, accepted: 0 });
    expect(c.log.source).toMatch(/no photos yet/);
  });

  it('a corrupt log is reported, not thrown', async () => {
    const c = await readCaptures(await exp('{ not json'));
    expect(c.log.present).toBe(false);
    expect(c.log.source).toMatch(/unreadable/);
  });

  it('tolerates accepted:boolean, a bare array and crop aliases; pairs crops by photo and relPath', async () => {
    const dir = await exp([
      { photo: 'a.jpg', accepted: true, crops: [{ relPath: 'x/1.png', crop: 'c/1.png', role: 'clean' }, { relPath: 'x/1.png', cropFile: 'c/2.png', cell: { role: 'adversarial', run: 'fgsm-eps16' } }] },
      { photo: 'b.jpg', accepted: false, reasons: ['blurry', 'dark'] },
    ]);
    const c = await readCaptures(dir);
    expect(c.log).toMatchObject({ present: true, accepted: 1, rejected: 1, duplicates: 0 });
    expect(c.log.photos[1].reason).toBe('blurry; dark');
    expect([...photoPairsForRun(c.crops, 'adversarial/fgsm-eps16')]).toEqual([['x/1.png', { adversarial: 'c/2.png', clean: 'c/1.png' }]]);
    expect(photoPairsForRun(c.crops, 'adversarial/bim-eps16').size).toBe(0);
  });
});

describe('CSV and charts', () => {
  it('quotes commas, quotes and newlines (RFC 4180) and round-trips', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(null)).toBe('');
    const data = {
      tables: [{ id: 't', number: 'Table 3', title: 'x, "y"\nz', columns: [{ key: 'c', label: 'top-1' }], rows: [{ key: 'r', label: 'fast, eps=16', cells: { c: { value: 0.5, format: 'pct', numerator: 1, denominator: 2, ci: { low: 0.1, high: 0.9 } } } }] }],
      fig6: { eps: null, panels: [] },
    } as unknown as ReportData;
    const [header, row] = parseCsvRows(renderCsv(data));
    expect(row[header.indexOf('title')]).toBe('x, "y"\nz');
    expect(row[header.indexOf('row_label')]).toBe('fast, eps=16');
    expect(Number(row[header.indexOf('ci_high')])).toBe(0.9);
  });

  it('chart geometry: x ticks at the sweep values, points inside the plot, y axis above the data', () => {
    const rate = (v: number) => ({ value: v, format: 'pct' as const, numerator: 1, denominator: 2, ci: { low: v / 2, high: Math.min(1, v * 1.5) } });
    const panel: Fig6Panel = {
      transform: 'jpeg',
      title: 'JPEG',
      param: 'quality',
      paperRange: { min: 10, max: 100 },
      series: [{ run: 'r', method: 'fgsm', eps: 16, k: 'top1', points: [10, 50, 100].map((x, i) => ({ x, rate: rate([0.3, 0.1, 0][i]) })) }],
    };
    const g = chartGeometry(panel);
    expect(g.xTicks.map((t) => t.label)).toEqual(['10', '50', '100']);
    expect(g.yTicks.at(-1)?.label).toBe('30%');
    for (const p of g.lines[0].points) {
      expect(p.x).toBeGreaterThanOrEqual(g.plot.x);
      expect(p.x).toBeLessThanOrEqual(g.plot.x + g.plot.w);
      expect(p.y).toBeGreaterThanOrEqual(g.plot.y);
      expect(p.y).toBeLessThanOrEqual(g.plot.y + g.plot.h);
    }
  });
});
