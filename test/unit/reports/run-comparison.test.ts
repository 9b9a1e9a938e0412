/**
 * The run comparison (issue 17): every run of an experiment on one chart, attack success among
 * the originally correct images and adversarial accuracy against eps, a line per method. Known
 * answers from a hand-made digital table, then end to end: three real runs into an experiment,
 * and the report's JSON and HTML carry the panels with exactly the digital table's numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cell, ReportTable } from '../../../src/reports';
import { comparisonPanels } from '../../../src/reports/run-comparison';
import { ratioCell } from '../../../src/reports/stats';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runReportJob } from '../../../src/services/report-job';
import { openImages, openModel } from '../../../src/services/sources';

const row = (run: string, method: string, eps: number, success: Cell, adv1: Cell) => ({ key: run, label: `${method} eps=${eps}`, run, method, eps, cells: { success, adv1 } });

describe('comparisonPanels', () => {
  const table: ReportTable = {
    id: 'digital',
    number: 'Digital',
    title: 'digital',
    columns: [],
    rows: [
      row('f8', 'fgsm', 8, ratioCell(3, 5), ratioCell(2, 6)),
      row('f4', 'fgsm', 4, ratioCell(1, 5), ratioCell(4, 6)),
      row('b8', 'bim', 8, ratioCell(5, 5), ratioCell(0, 6)),
      row('b8again', 'bim', 8, ratioCell(4, 5), ratioCell(1, 6)),
      // A minimum-norm attack with no eps cap has no place on an eps axis.
      row('cw', 'cw-l2', 255, ratioCell(5, 5), ratioCell(0, 6)),
    ],
  };

  it('draws success and accuracy against eps, a line per method, points in eps order, the table cells as they are', () => {
    const [success, accuracy] = comparisonPanels(table);
    expect(success.transform).toBe('runs-success');
    expect(accuracy.transform).toBe('runs-accuracy');
    const fgsm = success.series.find((s) => s.method === 'fgsm')!;
    expect(fgsm.points).toEqual([
      { x: 4, rate: ratioCell(1, 5) },
      { x: 8, rate: ratioCell(3, 5) },
    ]);
    expect(accuracy.series.find((s) => s.method === 'fgsm')!.points.map((p) => [p.x, p.rate.numerator])).toEqual([
      [4, 4],
      [8, 2],
    ]);
    expect(success.series.some((s) => s.method === 'cw-l2')).toBe(false);
    expect(success.paperRange).toEqual({ min: 0, max: 16 });
    expect(success.yMax).toBe(1);
  });

  it('keeps two runs of one method at the same eps apart instead of merging them', () => {
    const bim = comparisonPanels(table)[0].series.filter((s) => s.method === 'bim');
    expect(bim.map((s) => [s.run, s.points.map((p) => p.rate.numerator)])).toEqual([
      ['b8', [5]],
      ['b8again', [4]],
    ]);
    expect(new Set(bim.map((s) => s.label)).size).toBe(2);
  });

  it('is empty without runs on an eps axis', () => {
    expect(comparisonPanels({ ...table, rows: [table.rows[4]] })).toEqual([]);
  });
});

describe('the report carries the run comparison', () => {
  const exp = join(mkdtempSync(join(tmpdir(), 'printshot-run-comparison-')), 'exp');
  afterAll(() => rmSync(join(exp, '..'), { recursive: true, force: true }));

  it('in its JSON and HTML, with the digital table numbers of three real runs', async () => {
    const model = await openModel('default');
    try {
      const set = await openImages('samples', model);
      const items = set.items.slice(0, 8);
      for (const [method, eps] of [['fgsm', 4], ['fgsm', 16], ['bim', 16]] as const) {
        await attackIntoExperiment(model, items, set.root, { method, params: { eps }, seed: 0, out: exp });
      }
    } finally {
      model.dispose();
    }
    const out = ['json', 'html'].map((ext) => join(exp, 'reports', `report.${ext}`));
    const { data } = await runReportJob({ experiment: exp, out, sweeps: [], tableTransforms: [] });
    const saved = JSON.parse(await readFile(out[0], 'utf8')) as typeof data;
    const panels = saved.comparison!.panels;
    expect(panels.map((p) => p.transform)).toEqual(['runs-success', 'runs-accuracy']);
    const digital = data.tables.find((t) => t.id === 'digital')!;
    const cell = (method: string, eps: number, key: string) => digital.rows.find((r) => r.method === method && r.eps === eps)!.cells[key];
    const fgsm = panels[0].series.find((s) => s.method === 'fgsm')!;
    expect(fgsm.points).toEqual([
      { x: 4, rate: cell('fgsm', 4, 'success') },
      { x: 16, rate: cell('fgsm', 16, 'success') },
    ]);
    expect(panels[1].series.find((s) => s.method === 'bim')!.points).toEqual([{ x: 16, rate: cell('bim', 16, 'adv1') }]);
    const html = await readFile(out[1], 'utf8');
    expect(html).toContain('Attack success against eps (originally correct images)');
    expect(html).toContain('Adversarial accuracy against eps (top-1, all images)');
  }, 240_000);
});
