/**
 * `printshot runs resume` on a stopped patch run (method 'patch', made by `printshot patch apply`):
 * it used to fail with "unknown attack method 'patch'" (the attack resume looked the method up in
 * the attack registry). Now it continues the run in place from the experiment alone (patch file,
 * placement, seed and inputs recorded in its manifest), ending with the bytes and placements of an
 * uninterrupted run, with random or given placements; it refuses, naming the file, when the
 * experiment's copy of the patch changed since; and the CLI prints the patch run's result.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPatchApplyJob, type GivenPlacement, type PatchApplyResult } from '../../../src/services/patch-apply';
import { resumeRunJob } from '../../../src/services/run-resume';
import { openModel } from '../../../src/services/sources';
import { openExperiment, readRunManifest, type RunRecord } from '../../../src/workspace';
import { writeFakePatch } from '../../support/patch-files';
import { runCliAsync } from '../cli/run-cli';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

afterAll(removeTempDirs);

let root = '';
let png = '';

beforeAll(async () => {
  const model = await openModel('default');
  const fingerprint = model.fingerprint;
  model.dispose();
  root = await tempDir();
  png = await writeFakePatch(join(root, 'p'), fingerprint);
});

/** A patch run of 40 images cancelled after its first batch of 32: the experiment's one run, stopped. */
async function stoppedRun(name: string, at?: GivenPlacement): Promise<{ dir: string; run: RunRecord }> {
  const dir = join(root, name);
  const controller = new AbortController();
  await expect(runPatchApplyJob({ patch: png, experiment: dir, limit: 40, sample: 'stratified', seed: 1, at, signal: controller.signal, onProgress: (p) => p.imagesDone >= 32 && controller.abort() })).rejects.toThrow(/cancel/);
  const [run] = (await openExperiment(dir)).runs;
  expect([run.method, run.status, run.counts?.done]).toEqual(['patch', 'cancelled', 32]);
  return { dir, run };
}

const rowsOf = (r: PatchApplyResult) => r.manifest.images.map((im) => [im.relPath, im.sha256, im.placement, im.advTop5[0].label]);

describe('runs resume of a patch run', () => {
  it('finishes the cancelled run in place, as an uninterrupted patch apply (random placements), leaving no tensor', async () => {
    const whole = await runPatchApplyJob({ patch: png, experiment: join(root, 'whole'), limit: 40, sample: 'stratified', seed: 1 });
    const { dir, run } = await stoppedRun('cut');
    const tensors = tf.memory().numTensors;
    const resumed = await resumeRunJob({ experiment: dir, run: run.id.slice(0, 8) });
    expect(tf.memory().numTensors, 'tensors left behind by the resume').toBe(tensors);
    if (resumed.kind !== 'patch') throw new Error(`resumed as ${resumed.kind}`);
    const r = resumed.result;
    expect(r.run.id).toBe(run.id);
    expect(r.run.status).toBe('complete');
    expect(r.resumedFrom).toBe(32);
    expect(r.patchFile).toBe('patches/patch-t5-s10.png');
    expect(rowsOf(r)).toEqual(rowsOf(whole));
    expect(r.success).toEqual(whole.success);
    expect((await readRunManifest(dir, r.run)).images).toHaveLength(40);
    expect((await openExperiment(dir)).runs).toHaveLength(1);
    await expect(resumeRunJob({ experiment: dir, run: run.id })).rejects.toThrow(/is already complete/);
  }, 120_000);

  it('keeps a given placement (--at) for the images it adds', async () => {
    const at = { cx: 14, cy: 13, rotationDeg: 30, side: 8 };
    const { dir, run } = await stoppedRun('at', at);
    const resumed = await resumeRunJob({ experiment: dir, run: run.dir });
    if (resumed.kind !== 'patch') throw new Error(`resumed as ${resumed.kind}`);
    expect(resumed.result.resumedFrom).toBe(32);
    const placements = resumed.result.manifest.images.map((im) => im.placement);
    expect(placements).toHaveLength(40);
    for (const p of placements) expect(p).toMatchObject({ cx: 14, cy: 13, side: 8, angle: (30 * Math.PI) / 180 });
  }, 120_000);

  it("refuses, naming the patch file, when the experiment's copy of the patch changed since the run started", async () => {
    const { dir, run } = await stoppedRun('changed');
    await writeFile(join(dir, 'patches', 'patch-t5-s10.png'), await (await import('../../../src/images')).encodePng({ width: 9, height: 9, channels: 1, data: new Uint8Array(81) }));
    await expect(resumeRunJob({ experiment: dir, run: run.id })).rejects.toMatchObject({
      code: 'bad-experiment',
      message: expect.stringContaining(`run ${run.id.slice(0, 8)} is not a stopped patch run of patches/patch-t5-s10.png`),
    });
    expect((await openExperiment(dir)).runs.map((r) => [r.status, r.counts?.done])).toEqual([['cancelled', 32]]);
  }, 120_000);

  it('through the CLI: prints the patch run it finished (JSON), where it used to fail on the attack registry', async () => {
    const { dir, run } = await stoppedRun('cli');
    const r = await runCliAsync(['runs', 'resume', run.id.slice(0, 8), '--experiment', dir, '--json']);
    expect(r.stderr).not.toContain("unknown attack method 'patch'");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { run: RunRecord; images: number; resumedFrom: number; patchFile: string };
    expect([out.run.id, out.run.status, out.images, out.resumedFrom, out.patchFile]).toEqual([run.id, 'complete', 40, 32, 'patches/patch-t5-s10.png']);
  }, 120_000);
});
