/**
 * The demo's photo stage (print → simulate → register → evaluate → calibrate) on a small
 * experiment with a BIM and an EOT run at eps 16, which also checks the EOT acceptance ordering
 * on a small set: EOT examples keep fooling the model through the simulated channel where BIM
 * examples are destroyed more often (the full measurement: bench/eot-vs-bim.ts, docs/eot.md).
 */
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPhotoSection } from '../../../src/cli/demo-tables';
import type { LoadedClassifier } from '../../../src/model';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runDemoPhotos, type DemoPhotoResult } from '../../../src/services/demo-photos';
import { openImages, openModel } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';
import { tempDir } from '../../fixtures/images/make';

let model: LoadedClassifier;
let cleanup: () => Promise<void>;
let exp: string;
let result: DemoPhotoResult;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  exp = join(t.dir, 'exp');
  model = await openModel('default');
  const all = (await openImages('samples', model)).items;
  const items: LabeledImage[] = [];
  for (let c = 0; c < 10; c++) items.push(...all.filter((i) => i.label === c).slice(0, 5));
  const runs = [];
  for (const [method, params] of [['bim', { eps: 16 }], ['eot-pgd', { eps: 16, iterations: 30, samples: 8 }]] as const) {
    const job = await attackIntoExperiment(model, items, 'samples', { method, params, seed: 0, out: exp, batchSize: 32 });
    runs.push({ method, eps: 16, dir: job.run.dir });
  }
  result = await runDemoPhotos({ out: exp, runs, model, seed: 0 });
}, 180_000);
afterAll(async () => {
  model?.dispose();
  await cleanup?.();
});

describe('runDemoPhotos', () => {
  it('prints, photographs and registers every sheet of every run', async () => {
    expect(result.frame).toEqual({ width: 1920, height: 1080 });
    expect(result.runs.map((r) => [r.run, r.sheets, r.photos])).toEqual([
      ['adversarial/bim-eps16', 4, 4],
      ['adversarial/eot-pgd-eps16', 4, 4],
    ]);
    for (const r of result.runs) expect(r.accepted + r.rejected).toBe(r.photos);
    expect(result.captures.accepted).toBeGreaterThanOrEqual(7);
    expect((await readdir(join(exp, 'sheets'))).filter((n) => n.endsWith('.pdf')).sort()).toEqual(['bim-eps16.pdf', 'eot-pgd-eps16.pdf']);
    await access(join(exp, 'photos', 'bim-eps16', 'simulate.json'));
    expect(result.calibration.photos).toBe(result.captures.accepted);
    expect(result.calibration.fit!.channels).toHaveLength(3);
    expect(result.timings.simulate).toBeGreaterThan(0);
  });

  it('reports the photo destruction rate per run, with counts and intervals', () => {
    expect(result.destruction.map((d) => d.label)).toEqual(['bim eps=16', 'eot-pgd eps=16']);
    for (const d of result.destruction) {
      expect(d.avg1!.denominator).toBeGreaterThan(10);
      expect(d.avg1!.ci).not.toBeNull();
    }
    expect(result.tables.map((t) => t.id)).toEqual(['table1-photo', 'table2-photo', 'table3-photo']);
    const text = demoPhotoSection(result);
    expect(text).toMatch(/shaped like Kurakin et al\. Table 3/);
    expect(text).toMatch(/basic iter\.\s+16\s+\d+\.\d \(\d+\/\d+\)/);
    expect(text).toMatch(/Photos: \d+ accepted, \d+ discarded/);
    expect(text).toMatch(/calibration strips/);
  });

  // 50 images, seed 0, wasm: BIM 6/42 destroyed, EOT 1/31; photo adv. top-1 8/50 vs 4/50.
  it('EOT at eps 16 has a lower photo destruction rate than BIM at eps 16 (small set)', () => {
    const [bim, eot] = result.destruction;
    expect(eot.avg1!.value!).toBeLessThan(bim.avg1!.value!);
    // And, on every photographed image, fewer EOT examples are read correctly from the photo.
    const t1 = result.tables[0].rows;
    expect(t1[1].cells.chAdv1!.value!).toBeLessThan(t1[0].cells.chAdv1!.value!);
  });
});
