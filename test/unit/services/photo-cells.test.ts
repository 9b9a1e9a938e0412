/**
 * capture:photos' data (src/services/photo-cells.ts) on a real loop: FGSM on 8 samples, a sheet, a
 * simulated photo, registration. Every registered cell comes back with its triptych (the very
 * clean, adversarial and crop bytes on disk), the manifest's top-5, the crop's top-5 from the
 * model (checked against classifying the crop directly), and the photo with its marker quads and
 * rectified page. Through the engine handler too, with and without a model loaded.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, readImage8 } from '../../../src/images';
import { predict } from '../../../src/inference';
import type { LoadedClassifier } from '../../../src/model';
import { CapturesLogSchema } from '../../../src/registration/captures-log';
import { captureHandlers } from '../../../src/engine/runtime/capture-handlers';
import { photoCells } from '../../../src/services/photo-cells';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runRegisterJob } from '../../../src/services/register-job';
import { runSheetJob } from '../../../src/services/sheet-job';
import { runSimulateJob } from '../../../src/services/simulate-job';
import { openImages, openModel } from '../../../src/services/sources';
import { listRuns, readRunManifest } from '../../../src/workspace';
import { tempDir } from '../../fixtures/images/make';

let model: LoadedClassifier;
let cleanup: () => Promise<void>;
let exp: string;

beforeAll(async () => {
  let root: string;
  ({ dir: root, cleanup } = await tempDir());
  exp = join(root, 'exp');
  model = await openModel('default');
  const items = (await openImages('samples', model)).items.filter((_, i) => i % 25 === 0);
  const job = await attackIntoExperiment(model, items, 'samples', { method: 'fgsm', params: { eps: 16 }, seed: 0, out: exp });
  const sheet = await runSheetJob({ experiment: exp, run: job.run.dir });
  await runSimulateJob({ sheets: sheet.layoutFile, experiment: exp, count: 1, seed: 3, out: join(root, 'photos'), overrides: { camera: { frame: { width: 1600, height: 1200 } } } });
  await runRegisterJob({ experiment: exp, photos: join(root, 'photos') });
}, 120_000);
afterAll(async () => {
  model?.dispose();
  await cleanup?.();
});

const log = async () => CapturesLogSchema.parse(JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')));

describe('photoCells', () => {
  it('gives every registered cell a triptych: the bytes on disk and top-5 for clean, adversarial and photo crop', async () => {
    const r = await photoCells(exp, { model });
    const entry = (await log()).photos.find((p) => p.status === 'accepted')!;
    expect(r.accepted).toBe(1);
    expect(r.note).toBeNull();
    expect(r.cells).toHaveLength(entry.crops.length);
    expect(r.cells.filter((c) => c.role === 'adversarial')).toHaveLength(8);
    const manifest = await readRunManifest(exp, (await listRuns(exp))[0]);
    for (const c of r.cells) {
      const crop = entry.crops.find((x) => x.cell === c.cell)!;
      expect(Buffer.compare(Buffer.from(c.photoCrop), await readFile(join(exp, crop.file)))).toBe(0);
      const im = manifest.images.find((x) => x.relPath === c.relPath)!;
      expect(Buffer.compare(Buffer.from(c.adversarial!), await readFile(join(exp, im.file)))).toBe(0);
      expect((await decodePng(c.clean!)).width).toBe(28);
      expect(c.runLabel).toBe('fgsm eps=16');
      expect(c.advTop5!.map((t) => t.label)).toEqual(im.advTop5.map((t) => t.label));
      expect(c.cleanTop5!.map((t) => t.label)).toEqual(im.cleanTop5.map((t) => t.label));
      expect(c.photoTop5).toHaveLength(5);
      // Ranked, and what the model says about the crop itself.
      expect(c.photoTop5!.every((t, i, a) => i === 0 || a[i - 1].prob >= t.prob)).toBe(true);
      const [direct] = await predict(model, [await readImage8(join(exp, crop.file), { ...model.inputSpec })], { top: 5 });
      expect(c.photoTop5!.map((t) => t.label)).toEqual(direct.top.map((t) => t.label));
      expect(c.labelName).toBe(model.labels[c.label]);
    }
  });

  it('returns the photo with its four marker quads inside the frame and its rectified page', async () => {
    const { photos } = await photoCells(exp, { model, predict: false });
    expect(photos).toHaveLength(1);
    const p = photos[0];
    expect(p.markerQuads.map((m) => m.corner).sort()).toEqual([0, 1, 2, 3]);
    for (const q of p.markerQuads) for (const pt of q.corners) expect(pt.x >= 0 && pt.x <= p.width! && pt.y >= 0 && pt.y <= p.height!).toBe(true);
    expect([p.width, p.height]).toEqual([1600, 1200]);
    const sheet = await decodePng(await readFile(join(exp, p.rectified!)));
    expect([sheet.width, sheet.height]).toEqual([840, 1188]);
  });

  it('leaves the crop predictions out, with the reason, without the experiment model', async () => {
    const r = await photoCells(exp, { model: null });
    expect(r.cells.every((c) => c.photoTop5 === null && c.advTop5 !== null)).toBe(true);
    expect(r.note).toMatch(/No model is loaded/);
    const state = { experimentDir: exp, model: null } as never;
    const viaEngine = await captureHandlers['capture:photos']({ predict: false }, { state } as never);
    expect(viaEngine.cells).toHaveLength(r.cells.length);
    expect(viaEngine.note).toBeNull();
  });
});
