/**
 * Serve mode with two workbench tabs (issue 14): each tab has its own open experiment, sent as
 * the x-printshot-tab header by the HTTP bridge, so an attack started in tab A lands in A's
 * experiment even after tab B opened another one. Real serve server (startServe) and real
 * bridges over HTTP; the engine runs in this process behind the real EngineHost. Also: engine
 * jobs take the experiment lock (a CLI attack holding it makes the workbench job fail with the
 * holder named), and a malformed tab id is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpBridge } from '../../../renderer/src/bridge/http';
import type { ExperimentDto, JobDto } from '../../../src/contract';
import { startServe, type ServeHandle } from '../../../src/serve';
import { inProcessTransport } from '../../support/in-process-engine';

const workspace = mkdtempSync(path.join(tmpdir(), 'ps-tabs-'));
let serve: ServeHandle;
const tab = (tabId: string) => httpBridge({ baseUrl: `http://127.0.0.1:${serve.port}`, token: serve.token, tabId });

beforeAll(async () => {
  serve = await startServe({ spawn: inProcessTransport, workspace, rendererDir: workspace });
}, 120_000);
afterAll(async () => {
  await serve.stop();
  await rm(workspace, { recursive: true, force: true });
});

async function finished(bridge: ReturnType<typeof tab>, jobId: string): Promise<JobDto> {
  const t0 = Date.now();
  for (;;) {
    const job = await bridge.call('job:status', { jobId });
    if (job.state !== 'running') return job;
    if (Date.now() - t0 > 120_000) throw new Error(`job ${jobId} did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runsOf(dir: string): Promise<{ method: string; eps: number }[]> {
  return (JSON.parse(await readFile(path.join(dir, 'experiment.json'), 'utf8')) as { runs: { method: string; eps: number }[] }).runs;
}

describe('serve mode: each tab its own experiment', () => {
  const a = () => tab('tab-aaaaaaaa');
  const b = () => tab('tab-bbbbbbbb');
  let expA: ExperimentDto;
  let expB: ExperimentDto;

  it('opens one experiment per tab, and experiment:current answers per tab', async () => {
    await a().call('model:load', { source: { kind: 'bundled' } });
    expA = await a().call('experiment:new', { location: { kind: 'scratch' }, name: 'A' });
    expB = await b().call('experiment:new', { location: { kind: 'scratch' }, name: 'B' });
    expect(expA.dir).not.toBe(expB.dir);
    expect((await a().call('experiment:current', {}))?.dir).toBe(expA.dir);
    expect((await b().call('experiment:current', {}))?.dir).toBe(expB.dir);
    // A new tab has none open: it never sees another tab's experiment.
    expect(await tab('tab-cccccccc').call('experiment:current', {})).toBeNull();
    await expect(tab('tab-cccccccc').call('run:images', { runId: 'x' })).rejects.toMatchObject({ code: 'no-experiment' });
  });

  it("lands each tab's attack in its own experiment, whichever tab opened last", async () => {
    // B opened last: before tabs, A's attack landed in B's experiment.
    const [ja, jb] = await Promise.all([
      a().call('attack:start', { method: 'fgsm', params: { eps: 8 }, images: { kind: 'bundled' }, limit: 4 }),
      b().call('attack:start', { method: 'fgsm', params: { eps: 4 }, images: { kind: 'bundled' }, limit: 4 }),
    ]);
    const [da, db] = [await finished(a(), ja.jobId), await finished(b(), jb.jobId)];
    expect([da.state, db.state], JSON.stringify([da.error, db.error])).toEqual(['done', 'done']);
    expect(await runsOf(expA.dir)).toEqual([expect.objectContaining({ method: 'fgsm', eps: 8 })]);
    expect(await runsOf(expB.dir)).toEqual([expect.objectContaining({ method: 'fgsm', eps: 4 })]);
    expect((await a().call('experiment:current', {}))?.runs.map((r) => r.eps)).toEqual([8]);
    expect((await b().call('experiment:current', {}))?.runs.map((r) => r.eps)).toEqual([4]);
    // File routes read from the tab's own folder too.
    const file = await a().call('file:read', { path: 'experiment.json' });
    expect((JSON.parse(new TextDecoder().decode(file.bytes)) as { name: string }).name).toBe('A');
  }, 180_000);

  it('fails a workbench job while another process holds the experiment lock, naming it', async () => {
    const holder: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const lock = { pid: holder.pid, host: hostname(), command: 'printshot attack', startedAt: new Date().toISOString(), token: 'cli' };
      await writeFile(path.join(expA.dir, '.printshot.lock'), JSON.stringify(lock));
      const job = await a().call('attack:start', { method: 'fgsm', params: { eps: 2 }, images: { kind: 'bundled' }, limit: 2 });
      const done = await finished(a(), job.jobId);
      expect(done.state).toBe('error');
      expect(done.error?.message).toMatch(new RegExp(`is locked by \`printshot attack\` \\(pid ${holder.pid} on host `));
      expect(await runsOf(expA.dir)).toHaveLength(1);
      // The holder's lock is untouched; once it is gone (its process ended), the job runs.
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
      const again = await finished(a(), (await a().call('attack:start', { method: 'fgsm', params: { eps: 2 }, images: { kind: 'bundled' }, limit: 2 })).jobId);
      expect(again.state).toBe('done');
      expect((await runsOf(expA.dir)).map((r) => r.eps)).toEqual([8, 2]);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 180_000);

  it('refuses a malformed tab id', async () => {
    const res = await fetch(`http://127.0.0.1:${serve.port}/api/experiment:current`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-printshot-token': serve.token, 'x-printshot-tab': '../../etc' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('x-printshot-tab');
  });
});
