/**
 * reproduce:run as a workbench job, end to end on the real engine (in this process, behind the
 * real EngineHost and the shared route table, with serve mode's platform): refusals before a job
 * starts; szegedy-spectral on the bundled model with progress events, its report files under
 * reproduce/<template>/ readable through file:read; kurakin-table cancelled mid-way, then the same
 * request finishing and reusing the attack runs the cancelled job had completed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { events } from '../../../src/contract';
import { startInProcessEngine } from '../../support/in-process-engine';

const { host, seen, call, finished } = startInProcessEngine('ps-reproduce-job-', { jobTimeoutMs: 300_000 });
afterAll(() => host.stop());

const stagesOf = (jobId: string) => seen.flatMap((e) => (e.event === 'job:progress' && e.payload.jobId === jobId ? [e.payload.progress.stage] : []));

describe('reproduce:run in the workbench', () => {
  it('refuses a run without an experiment, and an unknown template', async () => {
    await call('model:load', { source: { kind: 'bundled' } });
    await expect(call('reproduce:run', { template: 'szegedy-spectral' })).rejects.toMatchObject({ code: 'no-experiment' });
    await call('experiment:new', { location: { kind: 'scratch' }, name: 'reproduce' });
    await expect(call('reproduce:run', { template: 'goodfellow-fig1' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('reproduce:run', { template: 'kurakin-fig6', limit: 0 })).rejects.toMatchObject({ code: 'bad-request' });
    expect((await host.listJobs()).filter((j) => j.kind === 'reproduce')).toEqual([]);
  });

  it('szegedy-spectral: a job with progress whose report files the workbench can read', async () => {
    const { jobId } = (await call('reproduce:run', { template: 'szegedy-spectral', limit: 20 })) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    expect(events['job:done'].safeParse({ job }).success).toBe(true);
    if (job.result?.kind !== 'reproduce') throw new Error('not a reproduce result');
    expect(job.result.template).toBe('szegedy-spectral');
    expect(job.result.dir).toBe('reproduce/szegedy-spectral');
    expect(job.result.files).toEqual(['reproduce/szegedy-spectral/reports/szegedy-spectral.html', 'reproduce/szegedy-spectral/reports/szegedy-spectral.csv', 'reproduce/szegedy-spectral/reports/szegedy-spectral.json']);
    expect(job.result.summary[0]).toMatch(/^product of the layer bounds \d/);
    expect(stagesOf(jobId)).toContain('gradient norms');
    const html = (await call('file:read', { path: job.result.files[0] })) as { mime: string; bytes: Uint8Array };
    expect(html.mime).toBe('text/html');
    expect(new TextDecoder().decode(html.bytes)).toContain('Table 5');
  });

  it('kurakin-table: cancelled after its first attack, the same request finishes and reuses the finished runs', async () => {
    // 12 attacks and 12 sheets, a progress report (a cancellation point) between each: a cancel sent
    // after the second attack started always lands before the end.
    const request = { template: 'kurakin-table', limit: 4 };
    const first = (await call('reproduce:run', request)) as { jobId: string };
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (stagesOf(first.jobId).some((s) => s.startsWith('attack') && s !== 'attack fgsm eps=2')) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    await call('job:cancel', { jobId: first.jobId });
    expect((await finished(first.jobId)).state).toBe('cancelled');
    const again = (await call('reproduce:run', request)) as { jobId: string };
    const job = await finished(again.jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    if (job.result?.kind !== 'reproduce') throw new Error('not a reproduce result');
    const reused = Number(/^12 attack runs \((\d+) reused\) on 4 images$/.exec(job.result.summary[0])?.[1]);
    expect(reused).toBeGreaterThanOrEqual(1);
    expect(reused).toBeLessThan(12);
    expect(job.result.files[0]).toBe('reproduce/kurakin-table/reports/kurakin-table.html');
  }, 300_000);
});
