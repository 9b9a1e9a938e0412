/**
 * The report's "Patches" section (issue 19 §3): the size-curve table and chart from patch records
 * (known answers), the photo tables from photo results, and end to end on an experiment whose patch
 * run was printed, photographed by the simulator and registered: the report JSON holds the curve,
 * per-image photo results for two capture conditions that agree with the crops, and examples; the HTML and CSV
 * carry the same numbers.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rateOf } from '../../../src/metrics';
import type { ReportData } from '../../../src/reports';
import { patchPhotoTables, pickPatchExamples, sizeCurvePanels, sizeCurveTable, type PatchCurvePoint } from '../../../src/reports/patch-section';
import type { PatchPhotoResults } from '../../../src/reports/patch-photos';
import { runPatchApplyJob } from '../../../src/services/patch-apply';
import { runRegisterJob } from '../../../src/services/register-job';
import { runReportJob } from '../../../src/services/report-job';
import { runPatchSheetJob } from '../../../src/services/patch-sheet';
import { runSheetJob } from '../../../src/services/sheet-job';
import { runSimulateJob } from '../../../src/services/simulate-job';
import { openModel } from '../../../src/services/sources';
import { encodePng } from '../../../src/images';
import { createRng } from '../../../src/shared';
import { removeTempDirs, tempDir } from '../model/model-fixtures';
import { parseCsv } from './csv-parse';

afterAll(removeTempDirs);

const point = (size: number, count: number, total: number, targetName = 'Sandal'): PatchCurvePoint => ({
  file: `patches/patch-t5-s${size * 100}.json`, png: `patches/patch-t5-s${size * 100}.png`, size, target: 5, targetName,
  success: rateOf(count, total), images: total / 5, draws: 5, channel: 'default', palette: 'default', counts: 'predictions of the target class 5',
});

describe('patch section, pure', () => {
  it('size curve: rows by size with counts and Wilson intervals, one chart line per target in percent of the image', () => {
    const pts = [point(0.2, 30, 50), point(0.05, 2, 50), point(0.1, 9, 50)];
    const t = sizeCurveTable(pts);
    expect(t.id).toBe('patch-size-curve');
    expect(t.rows.map((r) => r.label)).toEqual(['Sandal · 5%', 'Sandal · 10%', 'Sandal · 20%']);
    expect(t.note).toContain('Sandal 20%: 10 images × 5 placements, channel default, palette default');
    expect(t.rows[2].cells.success).toMatchObject({ value: 0.6, numerator: 30, denominator: 50 });
    expect(t.rows[2].cells.success!.ci!.low).toBeCloseTo(0.4618, 3);
    const [panel] = sizeCurvePanels([...pts, point(0.1, 1, 50, 'untargeted')]);
    expect(panel.series.map((s) => s.label)).toEqual(['target Sandal', 'untargeted']);
    expect(panel.series[0].points.map((p) => [p.x, p.rate.numerator])).toEqual([[5, 2], [10, 9], [20, 30]]);
    expect(panel.paperRange).toEqual({ min: 5, max: 25 });
    expect(sizeCurvePanels([])).toEqual([]);
  });

  it('photo tables: per image by condition and full frame, each cell a rate with its counts', () => {
    const photos: PatchPhotoResults = {
      schemaVersion: 1, counts: 'per image: x; full frame: y', crops: [],
      perImage: [{ condition: 'light=dim', run: 'adversarial/patch-eps255', target: 5, targetName: 'Sandal', photos: 2, success: rateOf(3, 10), digital: rateOf(6, 10), cleanAccuracy: rateOf(9, 10), located: 10 }],
      fullFrame: [{ condition: '', patch: 'patches/p.png', target: 5, targetName: 'Sandal', view: 'frame', success: rateOf(1, 4), mode: { label: 8, name: 'Bag' } }],
    };
    const [a, b] = patchPhotoTables(photos);
    expect(a.rows[0].cells).toMatchObject({ photo: { numerator: 3, denominator: 10 }, digital: { numerator: 6 }, clean: { numerator: 9 } });
    expect(a.rows[0].label).toBe('light=dim · Sandal');
    expect(a.note).toContain('light=dim · Sandal: run patch-eps255, 2 photo(s), 10 patch(es) located');
    expect(b.rows[0].label).toBe('(no condition) · whole photo');
    expect(b.note).toContain('(no condition) · whole photo: p.png, target Sandal, most frequent Bag');
    expect(patchPhotoTables(null)).toEqual([]);
  });

  it('examples: successes first, one per image', () => {
    const e = (relPath: string, success: boolean) => ({ condition: '', photo: 'a', relPath, labelName: 'Bag', predictionName: 'Sandal', success, clean: null, patched: 'x', crop: 'y' });
    expect(pickPatchExamples([e('1', false), e('2', true), e('2', true), e('3', true)], 3).map((x) => x.relPath)).toEqual(['2', '3', '1']);
  });
});

describe('patch section in a report', () => {
  it('holds the size curve, the photo results by condition and examples, in JSON, HTML and CSV', async () => {
    const root = await tempDir();
    const model = await openModel('default');
    const fingerprint = model.fingerprint;
    model.dispose();
    // A patch record as `printshot patch` writes it (two sizes: a curve), without training.
    const rng = createRng('report-patch');
    for (const [size, p, hits] of [[0.1, 9, 4], [0.2, 13, 11]] as const) {
      const stem = `patch-t5-s${size * 100}`;
      await writeFile(join(root, `${stem}.png`), await encodePng({ width: p, height: p, channels: 1, data: Uint8Array.from({ length: p * p }, () => Math.floor(rng.next() * 256)) }));
      await writeFile(join(root, `${stem}.json`), JSON.stringify({
        model: { name: 'bundled', fingerprint }, target: { index: 5, name: 'Sandal' }, params: { size, scaleJitter: 0.1, rotationDeg: 20 }, png: `${stem}.png`, channel: 'default', palette: { source: 'default' },
        evaluation: { counts: 'predictions of the target class 5', success: rateOf(hits, 20), images: 10, draws: 2 },
      }));
    }
    const exp = join(root, 'exp');
    await runPatchApplyJob({ patch: join(root, 'patch-t5-s20.png'), experiment: exp, limit: 6, sample: 'stratified', seed: 2 });
    const sheet = await runSheetJob({ experiment: exp, method: 'patch' });
    await runPatchSheetJob({ experiment: exp, sizeMm: 50 });
    const photos = join(root, 'photos');
    await runSimulateJob({ sheets: join(exp, 'sheets'), experiment: exp, count: 1, out: photos, overrides: { camera: { frame: { width: 1920, height: 1080 } } } });
    await runRegisterJob({ experiment: exp, photos, condition: { light: 'dim' } });
    // A second capture condition: the patched sheet again, another seeded pose and lighting.
    const bright = join(root, 'photos-bright');
    await runSimulateJob({ sheets: sheet.layoutFile, experiment: exp, count: 1, seed: 7, out: bright, overrides: { camera: { frame: { width: 1920, height: 1080 } } } });
    await runRegisterJob({ experiment: exp, photos: bright, condition: { light: 'bright' } });

    const out = join(root, 'r');
    const { data } = await runReportJob({ experiment: exp, out: [`${out}.json`, `${out}.html`, `${out}.csv`], sweeps: [], tableTransforms: [], examplesPerRun: 1 });
    const json = JSON.parse(await readFile(`${out}.json`, 'utf8')) as ReportData;
    const p = json.patches!;
    expect(p.patches.map((x) => [x.size, x.success.count])).toEqual([[0.1, 4], [0.2, 11]]);
    expect(p.panels[0].series[0].points.map((x) => x.x)).toEqual([10, 20]);
    expect(p.photos!.perImage.map((x) => [x.condition, x.photos, x.located])).toEqual([['light=dim', 1, 6], ['light=bright', 1, 6]]);
    const g = p.photos!.perImage[0];
    expect(g).toMatchObject({ condition: 'light=dim', target: 5 });
    const eligible = p.photos!.crops.filter((c) => c.eligible && c.condition === 'light=dim');
    expect(g.success).toMatchObject({ count: eligible.filter((c) => c.success).length, total: eligible.length });
    expect(eligible.every((c) => c.label !== 5)).toBe(true);
    expect(p.examples.length).toBeGreaterThan(0);
    expect(p.examples[0].crop).toMatch(/^captures\/.+\/cell-\d+\.png$/);
    expect(p.photos!.fullFrame.map((f) => [f.view, f.targetName, f.success.total])).toEqual([['frame', 'Sandal', 1], ['page', 'Sandal', 1]]);
    // The patch-alone cell (label −1) does not make the capture log unreadable for the rest of the report.
    expect(json.captures).toMatchObject({ present: true, accepted: 3 });
    expect(json.tables.find((t) => t.id === 'table1-photo')?.rows).toHaveLength(1);
    // …and its whole frame is not scored as an accuracy against the class −1 in the conditions table.
    expect(json.conditions?.wholeFrame).toEqual([]);
    const table = data.tables.find((t) => t.id === 'patch-photos')!;
    expect(table.rows[0].cells.photo).toMatchObject({ numerator: g.success.count, denominator: g.success.total });

    const html = await readFile(`${out}.html`, 'utf8');
    expect(html).toContain('data-section="patches"');
    expect(html).toContain('data-table="patch-size-curve"');
    expect(html).toContain('Patch success against patch size');
    const csv = parseCsv(await readFile(`${out}.csv`, 'utf8'));
    const curve = csv.filter((r) => r.table === 'patch-size-curve');
    expect(curve.map((r) => `${r.numerator}/${r.denominator}`)).toEqual(['4/20', '11/20']);
  }, 180_000);
});
