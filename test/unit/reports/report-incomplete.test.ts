/**
 * Complete runs only: a BIM run cancelled after its first batch (its partial images on disk, its
 * manifest listing them) is left out of every table, Fig. 6 and the examples of the report JSON,
 * and named, with its state and counts, in one note; `sheet` refuses to print it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../../src/reports';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runEvaluateJob } from '../../../src/services/evaluate-job';
import { runReportJob } from '../../../src/services/report-job';
import { runSheetJob } from '../../../src/services/sheet-job';
import { openImages, openModel } from '../../../src/services/sources';
import { openExperiment, readRunManifest, type RunRecord } from '../../../src/workspace';
import { buildFixtureExperiment, type FixtureExperiment } from '../../fixtures/experiment-fixture';

let fx: FixtureExperiment;
let data: ReportData;
let cancelled: RunRecord;
let complete: RunRecord;
let partial = 0;

beforeAll(async () => {
  fx = await buildFixtureExperiment({ perClass: 1, runs: [{ method: 'fgsm', eps: 16 }] });
  const model = await openModel('default');
  try {
    const exp = await openExperiment(fx.dir);
    const data0 = await openImages('samples', model);
    const wanted = new Set(exp.images.items.map((i) => i.relPath));
    const items = data0.items.filter((it) => wanted.has(it.relPath));
    const ctrl = new AbortController();
    await attackIntoExperiment(model, items, data0.root, {
      method: 'bim',
      params: { eps: 16 },
      seed: 0,
      batchSize: 2,
      out: fx.dir,
      signal: ctrl.signal,
      // Cancel once the first batch is recorded: the run keeps 2 of 10 images.
      onProgress: (p) => {
        if (p.imagesDone >= 2) ctrl.abort();
      },
    }).catch(() => undefined);
  } finally {
    model.dispose();
  }
  const runs = (await openExperiment(fx.dir)).runs;
  complete = runs.find((r) => r.method === 'fgsm')!;
  cancelled = runs.find((r) => r.method === 'bim')!;
  partial = (await readRunManifest(fx.dir, cancelled)).images.length;
  const out = join(fx.dir, 'reports', 'report.json');
  await runReportJob({ experiment: fx.dir, out: [out], sweeps: ['jpeg:quality=50'], tableTransforms: ['jpeg:quality=50'] });
  data = JSON.parse(await readFile(out, 'utf8')) as ReportData;
}, 180_000);

afterAll(() => fx?.cleanup());

describe('a cancelled run in the report JSON', () => {
  it('was really cancelled part-way: status cancelled, with some but not all images recorded', () => {
    expect(cancelled.status).toBe('cancelled');
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(10);
  });

  it('is left out of the runs, every table (Tables 1–3 included), Fig. 6 and the examples', () => {
    expect(data.runs.map((r) => r.id)).toEqual([complete.id]);
    const tableIds = data.tables.map((t) => t.id);
    expect(tableIds).toEqual(expect.arrayContaining(['digital', 'table1-jpeg:quality=50', 'table2-jpeg:quality=50', 'table3-jpeg:quality=50']));
    for (const t of data.tables) {
      for (const row of t.rows) {
        expect(row.run).not.toBe(cancelled.id);
        expect(row.method === 'bim' || /iter|bim/i.test(row.label)).toBe(false);
      }
    }
    expect(data.fig6.eps).toBe(16);
    expect(data.fig6.panels.length).toBeGreaterThan(0);
    const series = data.fig6.panels.flatMap((p) => p.series);
    expect(series.length).toBeGreaterThan(0);
    expect(series.every((s) => s.run !== cancelled.id && s.method === 'fgsm')).toBe(true);
    expect(data.examples.every((e) => e.method === 'fgsm')).toBe(true);
    expect(data.reproduce.commands.some((c) => c.includes('--method bim'))).toBe(false);
  });

  it('is named in one clearly marked note with its state, counts and the resume command', () => {
    expect(data.incompleteRuns).toEqual([
      expect.objectContaining({ id: cancelled.id, dir: cancelled.dir, method: 'bim', eps: 16, state: 'cancelled', done: partial, total: 10 }),
    ]);
    const notes = data.notes.filter((n) => n.includes(cancelled.dir));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^Incomplete runs, left out of every table, chart and figure: /);
    expect(notes[0]).toContain(`${cancelled.dir} (cancelled`);
    expect(notes[0]).toContain(`${partial} of 10 images`);
    expect(notes[0]).toContain(`printshot runs resume ${cancelled.id.slice(0, 8)} --experiment`);
  });
});

describe('a cancelled run and the readers handed one run', () => {
  it('evaluate refuses it with its state and the resume command', async () => {
    const run = runEvaluateJob({ clean: join(fx.dir, 'clean'), adversarial: join(fx.dir, cancelled.dir), transforms: [] });
    await expect(run).rejects.toMatchObject({
      message: `run ${cancelled.dir} is cancelled, ${partial} of 10 images: only complete runs are evaluated`,
      hint: expect.stringContaining(`runs resume ${cancelled.id.slice(0, 8)}`),
    });
  }, 60_000);

  it('sheet refuses it with its state and the resume command; without --run the one complete run is printed', async () => {
    const err = await runSheetJob({ experiment: fx.dir, run: cancelled.dir }).then(
      () => null,
      (e: unknown) => e as { message: string; hint?: string },
    );
    expect(err?.message).toBe(`run ${cancelled.dir} is cancelled, ${partial} of 10 images: only complete runs are printed`);
    expect(err?.hint).toContain(`runs resume ${cancelled.id.slice(0, 8)} --experiment ${fx.dir}`);
    const printed = await runSheetJob({ experiment: fx.dir, out: join(fx.dir, 'sheets', 'complete.pdf') });
    expect(printed.run).toBe(complete.dir);
    expect(printed.cells).toBeGreaterThan(0);
  }, 60_000);
});
