/**
 * Photo evaluation (`printshot evaluate --experiment DIR --photos`): Tables 1–3 for the
 * photographed cells, checked against Kurakin's Eq. (1) computed by hand from the crops, the
 * capture log's counts, the --select filter, the CLI, and the failure modes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage8 } from '../../../src/images';
import { predict } from '../../../src/inference';
import type { LoadedClassifier } from '../../../src/model';
import { CapturesLogSchema } from '../../../src/registration/captures-log';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { evaluatePhotos } from '../../../src/services/photo-eval';
import { runRegisterJob } from '../../../src/services/register-job';
import { runSheetJob } from '../../../src/services/sheet-job';
import { runSimulateJob } from '../../../src/services/simulate-job';
import { openImages, openModel } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';
import { resolveInExperiment } from '../../../src/workspace';
import { tempDir } from '../../fixtures/images/make';
import { runCliAsync } from '../cli/run-cli';

let model: LoadedClassifier;
let root: string;
let cleanup: () => Promise<void>;
let exp: string;
let items: LabeledImage[];

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  exp = join(root, 'exp');
  model = await openModel('default');
  const all = (await openImages('samples', model)).items;
  items = [];
  for (let c = 0; c < 10; c++) items.push(...all.filter((i) => i.label === c).slice(0, 2));
  const job = await attackIntoExperiment(model, items, 'samples', { method: 'fgsm', params: { eps: 16 }, seed: 0, out: exp });
  // A second run that is never photographed: it must not appear in the photo tables.
  await attackIntoExperiment(model, items.slice(0, 4), 'samples', { method: 'bim', params: { eps: 4 }, seed: 0, out: exp });
  const sheet = await runSheetJob({ experiment: exp, run: job.run.dir });
  await runSimulateJob({ sheets: sheet.layoutFile, experiment: exp, count: 1, seed: 1, out: join(root, 'photos'), overrides: { camera: { frame: { width: 1920, height: 1080 } } } });
  await runRegisterJob({ experiment: exp, photos: join(root, 'photos') });
}, 120_000);
afterAll(async () => {
  model?.dispose();
  await cleanup?.();
});

describe('evaluatePhotos', () => {
  it("reports Tables 1–3 for the photographed run, with Eq. (1) as computed by hand from the crops", async () => {
    const ev = await evaluatePhotos({ experiment: exp, model });
    expect(ev.tables.map((t) => t.id)).toEqual(['table1-photo', 'table2-photo', 'table3-photo']);
    expect(ev.destruction).toHaveLength(1);
    const row = ev.destruction[0];
    expect(row).toMatchObject({ run: 'adversarial/fgsm-eps16', method: 'fgsm', eps: 16, label: 'fgsm eps=16' });

    // By hand: digital predictions of the PNGs, photo predictions of the adversarial crops.
    const log = CapturesLogSchema.parse(JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')));
    const crops = log.photos.flatMap((p) => (p.status === 'accepted' ? p.crops : [])).filter((c) => c.role === 'adversarial');
    expect(crops).toHaveLength(items.length);
    const read = (f: string) => readImage8(resolveInExperiment(exp, f), { channels: 1, width: 28, height: 28 });
    const photo = await predict(model, await Promise.all(crops.map((c) => read(c.file))), { top: 5 });
    const clean = await predict(model, await Promise.all(crops.map((c) => read(`clean/${c.relPath}`))), { top: 5 });
    const adv = await predict(model, await Promise.all(crops.map((c) => read(c.source))), { top: 5 });
    let num = 0;
    let den = 0;
    crops.forEach((c, i) => {
      if (clean[i].top[0].label === c.label && adv[i].top[0].label !== c.label) {
        den++;
        if (photo[i].top[0].label === c.label) num++;
      }
    });
    expect([row.avg1!.numerator, row.avg1!.denominator]).toEqual([num, den]);
    expect(den).toBeGreaterThan(5);
    expect(row.avg1!.ci!.low).toBeLessThanOrEqual(row.avg1!.value!);
    // Table 1: photo adversarial top-1 accuracy over every photographed image.
    const t1 = ev.tables[0].rows[0].cells;
    const photoAcc = crops.filter((c, i) => photo[i].top[0].label === c.label).length;
    expect([t1.chAdv1!.numerator, t1.chAdv1!.denominator]).toEqual([photoAcc, items.length]);
    expect(t1.srcClean1!.denominator).toBe(items.length);
    expect(ev.tables[0].columns.map((c) => c.group)).toContain('Photos clean');
    // The capture log's counts, as the paper reports them.
    expect(ev.captures).toMatchObject({ present: true, accepted: 2, rejected: 0 });
  });

  it('--select keeps Table 1 or Table 2 (Table 3 always)', async () => {
    expect((await evaluatePhotos({ experiment: exp, model, select: 'average' })).tables.map((t) => t.id)).toEqual(['table1-photo', 'table3-photo']);
    expect((await evaluatePhotos({ experiment: exp, model, select: 'prefiltered' })).tables.map((t) => t.id)).toEqual(['table2-photo', 'table3-photo']);
  });

  it('refuses a model the experiment was not made with', async () => {
    const other = { ...model, fingerprint: 'f'.repeat(64) } as LoadedClassifier;
    await expect(evaluatePhotos({ experiment: exp, model: other })).rejects.toThrow(/is not the one this experiment was made with/);
  });
});

describe('printshot evaluate --experiment DIR --photos', () => {
  it('prints the tables and the photo counts', async () => {
    const r = await runCliAsync(['evaluate', '--experiment', exp, '--photos']);
    // Nothing on stderr but the progress lines a non-terminal gets.
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('evaluate photos: '))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Table 1: Accuracy, average case — photos/);
    expect(r.stdout).toMatch(/Table 3: Destruction rate — photos/);
    expect(r.stdout).toMatch(/fgsm eps=16 .*\(\d+\/\d+\) \[\d+–\d+\]/);
    expect(r.stdout).toMatch(/Photos: 2 accepted, 0 discarded, 0 duplicate; discard rate 0\.0% \(0\/2\)/);
  }, 60_000);

  it('--json gives the same numbers; bad combinations are one-line errors', async () => {
    const r = await runCliAsync(['evaluate', '--experiment', exp, '--photos', '--json', '--select', 'prefiltered']);
    const ev = JSON.parse(r.stdout);
    expect(ev.tables.map((t: { id: string }) => t.id)).toEqual(['table2-photo', 'table3-photo']);
    expect(ev.destruction[0].avg1.denominator).toBeGreaterThan(5);
    const bad = await runCliAsync(['evaluate', '--experiment', exp]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('error: --experiment and --photos go together');
    const none = await runCliAsync(['evaluate']);
    expect(none.stderr.trim()).toBe('error: give --clean DIR and --adversarial DIR, or --experiment DIR --photos');
  }, 60_000);
});
