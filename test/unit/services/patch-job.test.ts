/**
 * `printshot patch`'s service on the bundled model and samples, with few steps: the PNG and JSON
 * it writes, a cancelled run that resumes from its checkpoint to the same patch as an
 * uninterrupted one, and clear errors for a wrong target, size or palette.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/images';
import { runPatchJob, type PatchJobRequest } from '../../../src/services/patch-job';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

afterAll(removeTempDirs);

const base = (out: string): PatchJobRequest => ({
  model: 'default', images: 'samples', out, target: 'Sandal', sizes: [0.1], channel: 'none', palette: 'default',
  holdout: 0.5, draws: 1, seed: 3, params: { steps: 6, batch: 8 }, checkpointEvery: 2,
});

describe('runPatchJob', () => {
  it('writes the patch as a PNG in [0, 255] with its parameters, history and held-out evaluation', async () => {
    const out = await tempDir();
    const r = await runPatchJob(base(out));
    expect(r.target).toEqual({ index: 5, name: 'Sandal' });
    expect(r.train + r.heldOut).toBe(200);
    const [p] = r.patches;
    const png = await decodePng(await readFile(p.file));
    expect([png.width, png.height]).toEqual([p.patchPx, p.patchPx]);
    expect(p.patchPx).toBe(Math.round(Math.sqrt(0.1 * 28 * 28)));
    const json = JSON.parse(await readFile(join(out, 'patch-t5-s10.json'), 'utf8'));
    expect(json.history).toHaveLength(6);
    expect(json.params).toMatchObject({ target: 5, size: 0.1, steps: 6 });
    // Held-out images not of the target class, one placement each.
    expect(p.evaluation.success.total).toBe(p.evaluation.images);
    expect(p.evaluation.images).toBeLessThanOrEqual(r.heldOut);
    expect(existsSync(join(out, 'patch-t5-s10.checkpoint.json'))).toBe(false);
  }, 120_000);

  it('resumes a cancelled run from its checkpoint and ends with the same patch', async () => {
    const whole = await tempDir();
    await runPatchJob(base(whole));
    const cut = await tempDir();
    const controller = new AbortController();
    await expect(runPatchJob({ ...base(cut), signal: controller.signal, onProgress: (p) => { if (p.step === 4) controller.abort(); } })).rejects.toThrow();
    expect(existsSync(join(cut, 'patch-t5-s10.checkpoint.json'))).toBe(true);
    const steps: number[] = [];
    await runPatchJob({ ...base(cut), onProgress: (p) => { steps.push(p.step); } });
    expect(steps[0]).toBe(5);
    const [a, b] = await Promise.all([readFile(join(whole, 'patch-t5-s10.png')), readFile(join(cut, 'patch-t5-s10.png'))]);
    expect(b.equals(a)).toBe(true);
  }, 180_000);

  it('measures every patch on the --transfer models too, on the same held-out images', async () => {
    const out = await tempDir();
    const r = await runPatchJob({ ...base(out), params: { steps: 2, batch: 8 }, transfer: ['assets/models/fashion-cnn-hardened', 'default'] });
    const [p] = r.patches;
    expect(r.model).toBe('fashion-cnn');
    expect(p.transfer.map((t) => t.model)).toEqual(['fashion-cnn-hardened', 'fashion-cnn']);
    p.transfer.forEach((t) => expect(t.evaluation.success.total).toBe(p.evaluation.success.total));
    expect(p.transfer[0].fingerprint).not.toBe(p.transfer[1].fingerprint);
    const json = JSON.parse(await readFile(join(out, 'patch-t5-s10.json'), 'utf8'));
    expect(json.transfer).toHaveLength(2);
    await expect(runPatchJob({ ...base(out), transfer: [join(out, 'no-such-model')] })).rejects.toThrow(/no-such-model/);
  }, 120_000);

  it('refuses an unknown target, a size out of range and a palette without calibration, with a fix', async () => {
    const out = await tempDir();
    await expect(runPatchJob({ ...base(out), target: 'Banana' })).rejects.toThrow(/not one of the model's classes/);
    await expect(runPatchJob({ ...base(out), sizes: [0.9] })).rejects.toThrow(/\(0, 0.5\]/);
    await expect(runPatchJob({ ...base(out), palette: out })).rejects.toThrow(/no calibration records/);
  }, 60_000);
});
