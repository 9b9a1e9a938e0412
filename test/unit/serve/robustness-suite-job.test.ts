/**
 * robustness:suite as a workbench job, end to end on the real engine (in this process, behind the
 * real EngineHost and the shared route table, with serve mode's platform): the standard suite at
 * two eps on the bundled model and its adversarially trained version, on three images. Checks the
 * result DTO against the suite's own numbers (the report's curve and suite table, the CSV), that
 * it is saved where a reload and the experiment's report find it, refusals before the job starts,
 * and cancel.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RobustnessReportDto, type JobDto } from '../../../src/contract';
import { HARDENED_MODEL_DIR } from '../../../src/services/demo-defended';
import { runReportJob } from '../../../src/services/report-job';
import { startInProcessEngine } from '../../support/in-process-engine';

const { host, workspace, seen, call, finished } = startInProcessEngine('ps-suite-job-', { jobTimeoutMs: 150_000 });
afterAll(() => host.stop());

const MODELS = [{ kind: 'loaded' }, { kind: 'path', path: HARDENED_MODEL_DIR }];

describe('robustness:suite in the workbench', () => {
  it('refuses a bad eps list or a missing model before starting a job', async () => {
    await call('model:load', { source: { kind: 'bundled' } });
    await call('experiment:new', { location: { kind: 'scratch' }, name: 'suite' });
    await expect(call('robustness:suite', { models: MODELS, eps: [] })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('robustness:suite', { models: MODELS, eps: [0] })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('robustness:suite', { models: MODELS, eps: [8], suite: 'strong' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('robustness:suite', { models: [{ kind: 'path', path: workspace }], eps: [8] })).rejects.toMatchObject({ code: 'bad-model' });
    expect((await host.listJobs()).filter((j) => j.kind === 'robustness')).toEqual([]);
  });

  it('runs the standard suite: curves per model, suite table, CSV, saved for a reload and the report', async () => {
    const { jobId } = (await call('robustness:suite', { models: MODELS, eps: [16, 4], limit: 3 })) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    if (job.result?.kind !== 'robustness') throw new Error('not a robustness result');
    const { report } = job.result;
    const attacks = report.models[0].suite!.attacks;
    expect(attacks.slice(0, 2)).toEqual(['apgd-ce', 'apgd-t']);
    expect(attacks.at(-1)).toBe('square');
    expect(report.request).toEqual({ methods: attacks, eps: [4, 16], transforms: [], photos: false, limit: 3, suite: 'standard' });
    expect(report.models.map((m) => m.name)).toEqual(['fashion-cnn', 'fashion-cnn-hardened']);

    // One curve chart per model, built by the report's robustnessPanels: the worst case at eps 0 (clean), 4, 16.
    expect(report.panels.map((p) => p.transform)).toEqual(['robustness-fashion-cnn', 'robustness-fashion-cnn-hardened']);
    for (const [k, m] of report.models.entries()) {
      const points = m.suite!.points;
      expect(points.map((p) => p.eps)).toEqual([4, 16]);
      const curve = report.panels[k].series.find((s) => s.method === 'suite-standard')!;
      expect(curve.points.map((p) => p.x)).toEqual([0, 4, 16]);
      expect(curve.points.slice(1).map((p) => p.rate.numerator)).toEqual(points.map((p) => p.robust.count));
      for (const p of points) {
        // The worst case never beats FGSM alone or clean accuracy; every lost image is attributed once.
        expect(p.robust.count).toBeLessThanOrEqual(Math.min(p.fgsm.count, p.clean.count));
        expect(Object.values(p.brokenBy).reduce((s, v) => s + v, 0)).toBe(3 - p.robust.count);
        expect(p.robust.ci).not.toBeNull();
      }
    }
    const suiteTable = report.tables.find((t) => t.id === 'robustness-suite')!;
    expect(suiteTable.rows.map((r) => r.label)).toEqual(['fashion-cnn · eps=4', 'fashion-cnn · eps=16', 'fashion-cnn-hardened · eps=4', 'fashion-cnn-hardened · eps=16']);
    expect(suiteTable.columns.map((c) => c.key)).toEqual(expect.arrayContaining(['robust', ...attacks.map((a) => `by:${a}`), 'seconds', 'queries']));

    // The CSV the view offers for download, readable through the file route.
    expect(report.curvesFile).toMatch(/^robustness\/suite-[0-9a-f]{12}\/results\/robustness-curves\.csv$/);
    const csv = (await call('file:read', { path: report.curvesFile })) as { bytes: Uint8Array };
    const lines = new TextDecoder().decode(csv.bytes).trim().split('\n');
    expect(lines).toHaveLength(1 + 2 * 2);
    expect(lines[0].split(',').slice(0, 8)).toEqual(['model', 'defence', 'suite', 'eps', 'images', 'clean_correct', 'robust', 'robust_accuracy']);

    // results/robustness.json: what a reload shows, in the shape the report reads.
    const { dir } = (await call('experiment:current', {})) as { dir: string };
    const saved = RobustnessReportDto.parse(JSON.parse(await readFile(path.join(dir, 'results', 'robustness.json'), 'utf8')));
    expect(saved).toEqual(report);
    // The experiment's report picks the saved suite up: its curves and its suite table.
    const { data } = await runReportJob({ experiment: dir, out: [path.join(dir, 'reports', 'suite.json')], sweeps: [], tableTransforms: [] });
    expect(data.robustness!.panels).toEqual(report.panels);
    expect(data.tables.find((t) => t.id === 'robustness-suite')!.rows.map((r) => r.cells.robust)).toEqual(suiteTable.rows.map((r) => r.cells.robust));
  }, 300_000);

  it('cancels through the job signal', async () => {
    const { jobId } = (await call('robustness:suite', { models: [{ kind: 'loaded' }], eps: [2, 4], limit: 96 })) as { jobId: string };
    const deadline = Date.now() + 60_000;
    while (!seen.some((e) => e.event === 'job:progress' && e.payload.jobId === jobId && e.payload.progress.stage.includes('suite eps=')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = Date.now();
    const cancelled = (await call('job:cancel', { jobId })) as JobDto;
    expect(cancelled.state).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(cancelled.error?.message).toBe('cancelled by the user');
  }, 120_000);
});
