/**
 * Colour calibration on simulated photos: the measured patch colours match what the simulator's
 * print model and camera (exposure, lighting, colour cast) make of each nominal colour, the fit
 * recovers the white balance, and records are stored in the experiment.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateCaptures, calibratePhoto, calibrationText, fitResponse, measurePatches } from '../../../src/calibration/node';
import { encodePng } from '../../../src/images';
import { selectBackend } from '../../../src/model/backend';
import { applyHomography } from '../../../src/registration';
import { runRegisterJob } from '../../../src/services/register-job';
import { createRng, makeImage8 } from '../../../src/shared';
import { layoutSheets } from '../../../src/sheets/layout';
import type { SheetLayout } from '../../../src/sheets/types';
import { applyPrintModel, DEFAULT_SIMULATE, IDEAL_SIMULATE, simulateOptions, simulatePhoto, type SimulatedPhoto } from '../../../src/simulate';
import { createExperiment } from '../../../src/workspace';
import { init } from '../../fixtures/images/experiment';
import { tempDir } from '../../fixtures/images/make';

const gray = (v: number) => makeImage8(28, 28, 1, new Uint8Array(28 * 28).fill(v));

function sheetFor(experimentId: string, calibration = true): SheetLayout {
  const refs = Array.from({ length: 4 }, (_, i) => ({ relPath: `c/${i}.png`, file: `clean/c/${i}.png`, sha256: '', label: i, pixelWidth: 28, pixelHeight: 28 }));
  return layoutSheets({
    experimentId,
    pairs: refs.map((r) => [r, { ...r, file: `adversarial/x/${r.relPath}`, run: 'adversarial/x' }] as const),
    header: { experiment: 'calibration test', date: '2024-01-01' },
    createdAt: '2024-01-01T00:00:00.000Z',
    calibration,
  })[0];
}

/** The simulator's value for a nominal colour at a photo position, before blur, noise and JPEG. */
function expected(sim: SimulatedPhoto, nominal: readonly number[], at: { x: number; y: number }): number[] {
  const printed = applyPrintModel(makeImage8(1, 1, 3, Uint8Array.from(nominal)), sim.truth.print).data;
  const { width, height } = sim.truth.frame;
  const cam = sim.truth.camera;
  const a = (cam.lighting.angleDeg * Math.PI) / 180;
  const light = 1 + (cam.lighting.amount * ((at.x - width / 2) * Math.cos(a) + (at.y - height / 2) * Math.sin(a))) / (Math.hypot(width, height) / 2);
  return [0, 1, 2].map((c) => Math.min(255, Math.max(0, printed[c] * light * cam.cast[c] * cam.exposure + cam.brightness)));
}

let sheet: SheetLayout;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
  sheet = sheetFor('3f2a9c01-b7e4-4c5d-9e8f-0123456789ab');
});

describe('measurePatches on simulated photos', () => {
  it('reads each patch as the simulated print + camera made it (within 4 levels)', async () => {
    expect(sheet.calibration).toHaveLength(14);
    const rng = createRng('calibration');
    for (let k = 0; k < 3; k++) {
      const sim = await simulatePhoto(sheet, () => gray(128), simulateOptions({ camera: { frame: { width: 1920, height: 1080 } } }), rng.fork());
      const m = measurePatches(sim.photo, sim.truth.homography, sheet.calibration!);
      for (const p of m) {
        expect(p.samples).toBeGreaterThan(30);
        const want = expected(sim, p.nominal, applyHomography(sim.truth.homography, { x: sheet.calibration![p.index].xMm + sheet.calibration![p.index].sizeMm / 2, y: sheet.calibration![p.index].yMm + sheet.calibration![p.index].sizeMm / 2 }));
        p.measured.forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThan(4));
      }
      // The white balance of the white patch recovers cast × paper tint.
      const fit = fitResponse(m);
      const paper = sim.truth.print.paperWhite.map((v, c) => v * sim.truth.camera.cast[c]);
      const mean = (paper[0] + paper[1] + paper[2]) / 3;
      fit.whiteBalance.forEach((v, c) => expect(Math.abs(v - paper[c] / mean)).toBeLessThan(0.012));
      // Dot gain darkens midtones: the fitted gamma is above 1, the black level is the toner's.
      for (const ch of fit.channels) {
        expect(ch.gamma.gamma).toBeGreaterThan(1.05);
        expect(ch.gamma.rmse).toBeLessThan(4);
      }
    }
  }, 60_000);

  // Exposure 0.8 keeps the brightest channel of the white patch (255 × up to 1.12) below clipping.
  it('recovers a strong colour cast on a perfect print (white balance = cast)', async () => {
    const opts = simulateOptions({ camera: { colourCast: 0.12, exposure: [0.8, 0.8], frame: { width: 1920, height: 1080 } } }, IDEAL_SIMULATE);
    const sim = await simulatePhoto(sheet, () => gray(128), opts, createRng('cast'));
    const fit = fitResponse(measurePatches(sim.photo, sim.truth.homography, sheet.calibration!));
    fit.whiteBalance.forEach((v, c) => expect(Math.abs(v - sim.truth.camera.cast[c])).toBeLessThan(0.01));
    expect(Math.max(...sim.truth.camera.cast) - Math.min(...sim.truth.camera.cast)).toBeGreaterThan(0.03);
    // A perfect print has no dot gain: the response is linear (γ ≈ 1).
    fit.channels.forEach((ch) => expect(Math.abs(ch.gamma.gamma - 1)).toBeLessThan(0.05));
  }, 30_000);
});

describe('calibration records in an experiment', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let exp: string;
  afterAll(async () => cleanup?.());

  it('measures registered photos, stores calibration/<id>.json and skips them next time', async () => {
    ({ dir, cleanup } = await tempDir());
    exp = join(dir, 'exp');
    const e = await createExperiment(exp, init());
    const s = sheetFor(e.id);
    const bare = sheetFor(e.id, false);
    expect(bare.sheetId).not.toBe(s.sheetId);
    await mkdir(join(exp, 'sheets'), { recursive: true });
    await writeFile(join(exp, 'sheets', 'a.layout.json'), JSON.stringify([s]));
    const photos = join(dir, 'photos');
    await mkdir(photos);
    const sim = await simulatePhoto(s, () => gray(90), DEFAULT_SIMULATE, createRng('job'));
    await writeFile(join(photos, 'p1.jpg'), sim.jpeg!);
    await runRegisterJob({ experiment: exp, photos });
    const [res] = await calibrateCaptures(exp);
    expect(res.file).toBe('calibration/p1.json');
    const stored = JSON.parse(await readFile(join(exp, res.file), 'utf8'));
    expect(stored).toMatchObject({ schemaVersion: 1, experimentId: e.id, sheetId: s.sheetId, homographyFrom: 'captures-log', photo: { id: 'p1', file: 'captures/originals/p1.jpg' } });
    expect(stored.patches).toHaveLength(14);
    expect(await calibrateCaptures(exp)).toEqual([]);
    expect((await calibrateCaptures(exp, { redo: true })).map((r) => r.file)).toEqual(['calibration/p1.json']);
    expect(calibrationText(res.record)).toMatch(/nominal RGB\s+measured RGB/);
    // By id, and an unregistered photo is registered on the fly without touching the log.
    expect((await calibratePhoto(exp, 'p1')).record.homographyFrom).toBe('captures-log');
    const other = await simulatePhoto(s, () => gray(90), DEFAULT_SIMULATE, createRng('other'));
    const loose = join(dir, 'loose.png');
    await writeFile(loose, await encodePng(other.photo));
    const r2 = await calibratePhoto(exp, loose);
    expect(r2).toMatchObject({ file: 'calibration/loose.json', record: { homographyFrom: 'registered' } });
    // A sheet printed without the strip cannot be calibrated.
    await writeFile(join(exp, 'sheets', 'b.layout.json'), JSON.stringify([bare]));
    const noStrip = await simulatePhoto(bare, () => gray(90), DEFAULT_SIMULATE, createRng('bare'));
    const nf = join(dir, 'nostrip.png');
    await writeFile(nf, await encodePng(noStrip.photo));
    await expect(calibratePhoto(exp, nf)).rejects.toThrow(/has no calibration strip/);
    await expect(calibratePhoto(exp, join(dir, 'missing.png'))).rejects.toThrow(/not a registered photo/);
  }, 60_000);
});
