/**
 * Patches as workbench jobs, end to end on the real engine (in this process, behind the real
 * EngineHost and the shared route table, with serve mode's platform) on the bundled model and
 * samples: refusals before a job starts; patch:train with progress events that carry the step,
 * loss and hit rate; the files and results/patch.json it leaves; the same request again reusing
 * the finished patch; cancel, then the same request resuming from the checkpoint; patch:preview
 * (engine-made composites with top-1 before and after); and patch:apply making a normal run.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { events, PATCH_RESULT_FILE, PatchReportDto, type ExperimentDto, type PatchPreviewDto } from '../../../src/contract';
import { startInProcessEngine } from '../../support/in-process-engine';

const { host, seen, call, finished } = startInProcessEngine('ps-patch-job-');
afterAll(() => host.stop());

/** The metrics of a job's progress events, in order. */
const metricsOf = (jobId: string) =>
  seen.flatMap((e) => (e.event === 'job:progress' && e.payload.jobId === jobId && e.payload.progress.metrics ? [e.payload.progress.metrics] : []));

const TRAIN = { target: 'Sandal', sizes: [0.1], steps: 6, batch: 8, draws: 1, holdout: 0.25, seed: 3 };
let experiment = '';
let report: PatchReportDto;

describe('patch:train in the workbench', () => {
  it('refuses what it cannot run before starting a job', async () => {
    await call('model:load', { source: { kind: 'bundled' } });
    experiment = ((await call('experiment:new', { location: { kind: 'scratch' }, name: 'patches' })) as { dir: string }).dir;
    await expect(call('patch:train', { ...TRAIN, target: 'Unicorn' })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining("'Unicorn' is not one of the model's classes"), hint: expect.stringContaining('Sandal') });
    await expect(call('patch:train', { ...TRAIN, channel: 'profile' })).rejects.toMatchObject({ code: 'bad-argument', hint: expect.stringContaining('printshot channel fit') });
    await expect(call('patch:train', { ...TRAIN, palette: 'measured' })).rejects.toMatchObject({ code: 'bad-argument', hint: expect.stringContaining('printshot calibrate') });
    await expect(call('patch:train', { ...TRAIN, sizes: [0.7] })).rejects.toMatchObject({ code: 'bad-request' });
    expect((await host.listJobs()).filter((j) => j.kind === 'patch')).toEqual([]);
  });

  it('trains: progress carries step, loss and hit rate; the patch, its JSON and results/patch.json', async () => {
    const { jobId } = (await call('patch:train', TRAIN)) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    expect(events['job:done'].safeParse({ job }).success).toBe(true);
    if (job.result?.kind !== 'patch') throw new Error('not a patch result');
    report = job.result.report;
    expect(job.result.file).toBe(PATCH_RESULT_FILE);
    const m = metricsOf(jobId);
    expect(m.length).toBeGreaterThan(0);
    for (const x of m) {
      expect(x.size).toBe(0.1);
      expect(x.steps).toBe(6);
      expect(x.success).toBeGreaterThanOrEqual(0);
      expect(x.success).toBeLessThanOrEqual(1);
      expect(Number.isFinite(x.loss)).toBe(true);
    }
    expect(m.map((x) => x.step)).toEqual([...m.map((x) => x.step)].sort((a, b) => a - b));
    expect(report).toMatchObject({ model: 'fashion-cnn', images: 'samples', target: { index: 5, name: 'Sandal' }, channel: 'default', train: 150, heldOut: 50 });
    const [p] = report.patches;
    expect(p.history).toHaveLength(6);
    expect(p.finalLoss).toBe(p.history[5].loss);
    // The last step's figures reached the page as they are in the saved history.
    const last = m.find((x) => x.step === 6);
    if (last) expect(last.loss).toBeCloseTo(p.history[5].loss, 6);
    // 10 % of 28×28: a side of √78.4 ≈ 8.85 image pixels, a 9×9 PNG.
    expect(p.sidePx).toBeCloseTo(Math.sqrt(78.4), 6);
    expect(p.patchPx).toBe(9);
    const png = await readFile(path.join(experiment, p.png));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([9, 9]);
    // Counted among held-out images not of the target class, one placement each.
    expect(p.evaluation.success.total).toBe(p.evaluation.images * 1);
    expect(p.evaluation.cleanAccuracy.total).toBe(50);
    expect(p.evaluation.images).toBeGreaterThan(30); // the held-out images that are not sandals
    expect(p.evaluation.images).toBeLessThan(50);
    const saved = PatchReportDto.parse(JSON.parse(await readFile(path.join(experiment, PATCH_RESULT_FILE), 'utf8')));
    expect(saved).toEqual(report);
    const exp = (await call('experiment:current', {})) as ExperimentDto;
    expect(exp.files).toContain(PATCH_RESULT_FILE);
  });

  it('the same request again reuses the finished patch instead of training it again', async () => {
    const png = path.join(experiment, report.patches[0].png);
    const before = (await stat(png)).mtimeMs;
    const { jobId } = (await call('patch:train', TRAIN)) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state).toBe('done');
    expect(metricsOf(jobId)).toEqual([]); // no training step ran
    if (job.result?.kind !== 'patch') throw new Error('not a patch result');
    expect(job.result.report).toEqual(report);
    expect((await stat(png)).mtimeMs).toBe(before);
  });

  it('cancelled, the same request resumes from the checkpoint', async () => {
    const long = { ...TRAIN, sizes: [0.15], steps: 60 };
    const first = (await call('patch:train', long)) as { jobId: string };
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (metricsOf(first.jobId).some((x) => x.step >= 30)) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    await call('job:cancel', { jobId: first.jobId });
    const stopped = await finished(first.jobId);
    expect(stopped.state).toBe('cancelled');
    // Stopped between steps soon after the cancel (the engine yields after every step), not at the end.
    expect(Math.max(...metricsOf(first.jobId).map((x) => x.step))).toBeLessThan(45);
    const again = (await call('patch:train', long)) as { jobId: string };
    const job = await finished(again.jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    // The checkpoint is written every 25 steps: the resumed job starts after one, not at step 1.
    expect(metricsOf(again.jobId)[0].step).toBeGreaterThan(25);
    if (job.result?.kind !== 'patch') throw new Error('not a patch result');
    expect(job.result.report.patches.map((p) => [p.size, p.history.length])).toEqual([[0.15, 60]]);
    report = job.result.report;
  });
});

describe('patch:preview', () => {
  it('pastes the patch on distinct images, with top-1 before and after, as 28×28 PNGs', async () => {
    const p = report.patches[0];
    await call('patch:preview', { patch: p.json, count: 5, seed: 2 }); // warm: the image folder is cached by the first call
    const tensors = tf.memory().numTensors;
    const preview = (await call('patch:preview', { patch: p.json, count: 5, seed: 2 })) as PatchPreviewDto;
    expect(tf.memory().numTensors).toBe(tensors); // the engine runs in this process: no tensor left behind
    expect(preview.target).toEqual({ index: 5, name: 'Sandal' });
    expect(preview.items).toHaveLength(5);
    for (const it of preview.items) {
      const png = Buffer.from(it.bytes);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([28, 28]);
      expect(it.hit).toBe(it.patched.name === 'Sandal');
      expect(it.clean.p).toBeGreaterThan(0);
      expect(it.patched.p).toBeLessThanOrEqual(1);
    }
    // Same seed, same preview; another seed, other images or placements.
    const again = (await call('patch:preview', { patch: p.json, count: 5, seed: 2 })) as PatchPreviewDto;
    expect(again.items.map((i) => Buffer.from(i.bytes).toString('base64'))).toEqual(preview.items.map((i) => Buffer.from(i.bytes).toString('base64')));
    const other = (await call('patch:preview', { patch: p.json, count: 5, seed: 3 })) as PatchPreviewDto;
    expect(other.items.map((i) => Buffer.from(i.bytes).toString('base64'))).not.toEqual(preview.items.map((i) => Buffer.from(i.bytes).toString('base64')));
    await expect(call('patch:preview', { patch: 'patches/none.json' })).rejects.toMatchObject({ code: 'io', hint: expect.stringContaining('train the patch') });
  });
});

describe('patch:apply', () => {
  it('makes a normal run of the experiment from the patch and records it beside the patch', async () => {
    const p = report.patches[0];
    const { jobId } = (await call('patch:apply', { patch: p.json, limit: 10, sample: 'stratified' })) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    if (job.result?.kind !== 'patch' || !job.result.run) throw new Error('not a patch run result');
    const { run } = job.result;
    expect(run.success.total).toBeLessThanOrEqual(10);
    const exp = (await call('experiment:current', {})) as ExperimentDto;
    const made = exp.runs.find((r) => r.id === run.id);
    expect(made).toMatchObject({ method: 'patch', status: 'complete', counts: { done: 10, total: 10 } });
    const saved = PatchReportDto.parse(JSON.parse(await readFile(path.join(experiment, PATCH_RESULT_FILE), 'utf8')));
    expect(saved.patches[0]).toMatchObject({ runId: run.id, runSuccess: run.success });
    // The run's pairs are there for the sheet step like any run's.
    const pairs = (await call('run:images', { runId: run.id })) as { total: number };
    expect(pairs.total).toBe(10);
    await expect(call('patch:apply', { patch: 'patches/other.json' })).rejects.toMatchObject({ code: 'bad-argument' });
  });
});
