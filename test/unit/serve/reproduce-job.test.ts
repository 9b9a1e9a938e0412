/**
 * reproduce:run as a workbench job, end to end on the real engine (in this process, behind the
 * real EngineHost and the shared route table, with serve mode's platform): refusals before a job
 * starts; szegedy-spectral on the bundled model with progress events, its report files under
 * reproduce/<template>/ readable through file:read; kurakin-table cancelled mid-way, then the same
 * request finishing and reusing the attack runs the cancelled job had completed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch, events, type EventMessage, type JobDto, type Routes } from '../../../src/contract';
import { createRoutes, EngineHost, type EngineTransport, type FromEngine } from '../../../src/engine';
import { createEngine } from '../../../src/engine/runtime/engine';
import { servePlatform } from '../../../src/serve';

function inProcess(): EngineTransport {
  let listener: (m: FromEngine) => void = () => undefined;
  const deliver = (m: FromEngine) => setImmediate(() => listener(structuredClone(m)));
  const engine = createEngine({ send: deliver, onMessage: () => undefined });
  setImmediate(() => listener({ t: 'ready', pid: process.pid }));
  return { pid: process.pid, send: (msg) => engine.handle(structuredClone(msg)), onMessage: (l) => void (listener = l), onExit: () => undefined, kill: () => undefined };
}

const seen: EventMessage[] = [];
const host = new EngineHost(inProcess, (m) => seen.push(m));
const workspace = mkdtempSync(path.join(tmpdir(), 'ps-reproduce-job-'));
const routes: Routes = createRoutes(host, servePlatform({ workspace, version: 'test' }));
afterAll(() => host.stop());

async function call(channel: string, payload: unknown): Promise<unknown> {
  const envelope = await dispatch(routes, channel, payload);
  if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), envelope.error);
  return envelope.value;
}

function finished(jobId: string, timeoutMs = 300_000): Promise<JobDto> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = seen.find((e) => (e.event === 'job:done' || e.event === 'job:error') && e.payload.job.id === jobId);
      if (m) {
        clearInterval(poll);
        resolve((m.payload as { job: JobDto }).job);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`job ${jobId} did not finish`));
      }
    }, 20);
  });
}

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
