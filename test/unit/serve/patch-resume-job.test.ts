/**
 * The workbench's resume of a stopped patch run, end to end on the real engine (in this process,
 * behind the real EngineHost and the shared route table, with serve mode's platform): the host lists
 * every cancelled run of the open experiment as a resumable attack job 'run:<id>' (the Attack view's
 * Stopped runs), and job:resume of a patch run (method 'patch') used to fail in the engine with
 * "unknown attack method 'patch'". It now continues the run in place, ending as an uninterrupted
 * `patch apply`, and notes the run beside its patch in results/patch.json as patch:apply does.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATCH_RESULT_FILE, PatchReportDto } from '../../../src/contract';
import { runPatchApplyJob } from '../../../src/services/patch-apply';
import { openModel } from '../../../src/services/sources';
import { openExperiment, readRunManifest } from '../../../src/workspace';
import { fakePatchReport } from '../../support/fake-bridge/fake-patch';
import { startInProcessEngine } from '../../support/in-process-engine';
import { writeFakePatch } from '../../support/patch-files';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

const { host, call, finished } = startInProcessEngine('ps-patch-resume-job-');
afterAll(() => host.stop());
afterAll(removeTempDirs);

describe('job:resume of a stopped patch run (Attack view, Stopped runs)', () => {
  it('continues the run in place, as an uninterrupted patch apply, and records it in results/patch.json', async () => {
    await call('model:load', { source: { kind: 'bundled' } });
    const dir = ((await call('experiment:new', { location: { kind: 'scratch' }, name: 'patch-resume' })) as { dir: string }).dir;
    const model = await openModel('default');
    const fingerprint = model.fingerprint;
    model.dispose();
    // A patch of the workbench's last training (under patches/, listed in results/patch.json), applied and cancelled after 32 of 40 images.
    const png = await writeFakePatch(join(dir, 'patches', 'sandal-0123456789'), fingerprint);
    await mkdir(join(dir, 'results'), { recursive: true });
    await writeFile(join(dir, PATCH_RESULT_FILE), JSON.stringify(fakePatchReport()));
    const controller = new AbortController();
    const request = { patch: png, limit: 40, sample: 'stratified' as const, seed: 1 };
    await expect(runPatchApplyJob({ ...request, experiment: dir, signal: controller.signal, onProgress: (p) => p.imagesDone >= 32 && controller.abort() })).rejects.toThrow(/cancel/);
    const [run] = (await openExperiment(dir)).runs;
    expect([run.method, run.status]).toEqual(['patch', 'cancelled']);

    const listed = (await host.listJobs()).find((j) => j.id === `run:${run.id}`);
    expect(listed).toMatchObject({ kind: 'attack', state: 'cancelled', resumable: true, progress: { done: 32, total: 40 } });
    await call('job:resume', { jobId: `run:${run.id}` });
    const job = await finished(`run:${run.id}`);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    if (job.result?.kind !== 'attack') throw new Error(`not an attack result: ${job.result?.kind}`);
    expect(job.result).toMatchObject({ experimentDir: dir, runId: run.id, runDir: run.dir, method: 'patch' });
    expect(job.result.summary.images).toBe(40);

    const done = (await openExperiment(dir)).runs;
    expect(done.map((r) => [r.id, r.status])).toEqual([[run.id, 'complete']]);
    const whole = await runPatchApplyJob({ ...request, patch: png, experiment: await tempDir() });
    const rows = (await readRunManifest(dir, done[0])).images.map((im) => [im.relPath, im.sha256, im.placement]);
    expect(rows).toEqual(whole.manifest.images.map((im) => [im.relPath, im.sha256, im.placement]));
    const entry = PatchReportDto.parse(JSON.parse(await readFile(join(dir, PATCH_RESULT_FILE), 'utf8'))).patches.find((p) => p.png === 'patches/sandal-0123456789/patch-t5-s10.png');
    expect(entry).toMatchObject({ runId: run.id, runSuccess: whole.success });
    expect((await host.listJobs()).some((j) => j.id === `run:${run.id}` && j.resumable)).toBe(false);
  }, 120_000);
});
