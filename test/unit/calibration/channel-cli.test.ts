/**
 * `printshot channel fit` end to end: sheets photographed through a known channel profile (JPEG
 * files), registered by the register job, then fitted by the real CLI in a child process.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelProfileSchema, fitChannel, measurePatches, sampleCell } from '../../../src/calibration';
import { decodeImage } from '../../../src/images';
import { selectBackend } from '../../../src/model/backend';
import { runRegisterJob } from '../../../src/services/register-job';
import { createRng } from '../../../src/shared';
import { DEFAULT_PROFILE_SIMULATE, simulateProfilePhoto } from '../../../src/simulate/profile-adapter';
import { createExperiment } from '../../../src/workspace';
import { KNOWN, testSheet } from '../../fixtures/channel';
import { init } from '../../fixtures/images/experiment';
import { tempDir } from '../../fixtures/images/make';
import { runCli } from '../cli/run-cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup?.());

describe('printshot channel fit', () => {
  it('fits the known channel back from registered JPEG photos and writes EXP/channel/profile.json', async () => {
    const exp = join(dir, 'exp');
    const e = await createExperiment(exp, init());
    const r0 = runCli(['channel', 'fit', '--experiment', exp]);
    expect(r0.code).toBe(1);
    expect(r0.stderr.trim().split('\n')).toHaveLength(1);
    expect(r0.stderr).toMatch(/no accepted photo .* to fit a channel from.*printshot register/);

    const { sheet, cells, files } = await testSheet(e.id);
    for (const [f, bytes] of files) {
      await mkdir(join(exp, f, '..'), { recursive: true });
      await writeFile(join(exp, f), bytes);
    }
    await mkdir(join(exp, 'sheets'), { recursive: true });
    await writeFile(join(exp, 'sheets', 'a.layout.json'), JSON.stringify([sheet]));
    const photos = join(dir, 'photos');
    await mkdir(photos);
    const rng = createRng('channel-cli');
    for (let k = 0; k < 2; k++) {
      const sim = await simulateProfilePhoto(sheet, cells, KNOWN, { ...DEFAULT_PROFILE_SIMULATE, frame: { width: 1920, height: 1080 } }, rng.fork());
      await writeFile(join(photos, `p${k}.jpg`), sim.jpeg!);
    }
    await runRegisterJob({ experiment: exp, photos });

    const r = runCli(['channel', 'fit', '--experiment', exp, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { file, profile } = JSON.parse(r.stdout);
    expect(file).toBe(join(exp, 'channel', 'profile.json'));
    const stored = ChannelProfileSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(stored).toEqual(profile);
    profile.matrix.forEach((row: number[], i: number) => row.forEach((v, j) => expect(Math.abs(v - KNOWN.matrix[i][j])).toBeLessThan(0.05)));
    expect(Math.abs(profile.blurSigma / KNOWN.blurSigma - 1)).toBeLessThan(0.2);
    expect(profile.jpegQuality).toBe(KNOWN.jpegQuality);
    // Every accepted photo is used (a second photo of the same sheet may be logged as a duplicate).
    const log = JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')) as { photos: { id: string; status: string }[] };
    const accepted = log.photos.filter((p) => p.status === 'accepted').map((p) => p.id);
    expect(accepted.length).toBeGreaterThan(0);
    expect(profile.provenance).toMatchObject({ experimentId: e.id, photos: accepted, cells: accepted.length * sheet.cells.length, patches: accepted.length * 14 });

    const out = join(dir, 'elsewhere.json');
    const text = runCli(['channel', 'fit', '--experiment', exp, '--out', out]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/blur sigma\s+1\.\d+ cell px/);
    expect(text.stdout).toMatch(/JPEG quality\s+92/);
    expect(text.stdout).toContain(`wrote ${out}`);

    // simulate --channel photographs through the fitted profile: fitting its photo gives the profile back.
    const again = join(dir, 'again');
    const sim = runCli(['simulate', '--sheets', join(exp, 'sheets'), '--experiment', exp, '--channel', file, '--count', '1', '--width', '1920', '--height', '1080', '--lossless', '--out', again, '--json']);
    expect(sim.code, sim.stderr).toBe(0);
    const [rec] = JSON.parse(sim.stdout).photos;
    expect(JSON.parse(await readFile(join(again, 'simulate.json'), 'utf8')).channel).toBe(file);
    const truth = JSON.parse(await readFile(join(again, rec.truth), 'utf8')) as { homography: number[] };
    const photo = await decodeImage(await readFile(join(again, rec.photo)), {}, rec.photo);
    const refit = fitChannel({
      cells: sheet.cells.map((c) => ({ digital: cells.get(c.index)!, photo: sampleCell(photo, truth.homography, c) })),
      patches: measurePatches(photo, truth.homography, sheet.calibration!),
      jpegQuality: null,
    });
    refit.matrix.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - profile.matrix[i][j])).toBeLessThan(0.05)));
    expect(Math.abs(refit.blurSigma / profile.blurSigma - 1)).toBeLessThan(0.2);
    const bad = runCli(['simulate', '--sheets', join(exp, 'sheets'), '--experiment', exp, '--channel', join(exp, 'experiment.json'), '--count', '1', '--out', join(dir, 'bad')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a channel profile v1 .*printshot channel fit/);
  }, 300_000);
});
