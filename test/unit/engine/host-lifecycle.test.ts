/**
 * The host's side of the run lifecycle, with a scripted engine: job:list adds the open
 * experiment's interrupted and cancelled runs that no job covers (as 'run:<id>' jobs with the
 * run's counts), never waits long on a busy engine, and job:resume on such an entry sends the
 * engine a resume without a request; a cancelled attack job is resumable.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExperimentDto, RunDto } from '../../../src/contract';
import { EngineHost, type EngineTransport } from '../../../src/engine';
import type { FromEngine, ToEngine } from '../../../src/engine/protocol';
import { recordCancel } from '../../../src/engine/runtime/attack-resume';
import { createExperiment, effectiveStatus, openExperiment, startRun } from '../../../src/workspace';
import { init } from '../../fixtures/images/experiment';
import { tempDir } from '../../fixtures/images/make';

const run = (id: string, status: RunDto['status'], done = 2): RunDto => ({
  id,
  method: 'bim',
  eps: 16,
  dir: `adversarial/bim-eps16-${id}`,
  status,
  counts: { done, total: 8 },
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(status === 'cancelled' ? { reason: 'cancelled by the user', stoppedAt: '2026-01-01T00:01:00.000Z' } : {}),
});

function scripted(runs: RunDto[], opts: { silent?: boolean; ignoreCancel?: boolean } = {}) {
  const received: ToEngine[] = [];
  let send: (m: FromEngine) => void = () => undefined;
  const experiment: ExperimentDto = { dir: '/exp', exists: true, name: 'exp', images: 8, runs, files: [] };
  const spawn = (): EngineTransport => {
    setTimeout(() => send({ t: 'ready', pid: 4242 }), 1);
    return {
      pid: 4242,
      send(msg) {
        received.push(msg);
        const reply = (value: unknown) => setTimeout(() => send({ t: 'reply', id: (msg as { id: number }).id, envelope: { ok: true, value } }), 1);
        if (msg.t === 'call' && msg.channel === 'experiment:current') {
          if (!opts.silent) reply(experiment);
        } else if (msg.t === 'call') reply(msg.jobId ? { jobId: msg.jobId } : msg.channel.startsWith('experiment:') ? experiment : { ok: 1 });
        else if (msg.t === 'resume') reply({ jobId: msg.jobId });
        else if (msg.t === 'cancel' && !opts.ignoreCancel) setTimeout(() => send({ t: 'failed', jobId: msg.jobId, error: { code: 'cancelled', message: 'cancelled by the user' } }), 1);
      },
      onMessage: (l) => void (send = l),
      onExit: () => undefined,
      kill: () => undefined,
    };
  };
  const host = new EngineHost(spawn, () => undefined);
  hosts.push(host);
  return { host, received, send: (m: FromEngine) => send(m) };
}

const hosts: EngineHost[] = [];
afterEach(() => hosts.splice(0).forEach((h) => h.stop()));

describe('engine host: stopped runs as jobs', () => {
  it('lists interrupted and cancelled runs of the open experiment, not complete, failed or running ones', async () => {
    const { host } = scripted([run('a', 'interrupted'), run('b', 'cancelled', 5), run('c', 'complete', 8), run('d', 'failed'), run('e', 'running')]);
    expect(await host.listJobs()).toEqual([]); // no experiment open yet
    await host.call('experiment:open', { location: { kind: 'path', path: '/exp' } });
    const jobs = await host.listJobs();
    expect(jobs.map((j) => [j.id, j.state, j.resumable, j.progress.stage])).toEqual([
      ['run:a', 'interrupted', true, '2/8 images'],
      ['run:b', 'cancelled', true, '5/8 images'],
    ]);
    expect(jobs[1]).toMatchObject({ kind: 'attack', label: 'bim eps=16 (bim-eps16-b)', error: { message: 'cancelled by the user' }, run: { id: 'b', experimentDir: '/exp', status: 'cancelled' } });
  });

  it('in serve mode lists the runs of the caller\'s experiment (its scope), and none for a tab without one', async () => {
    const { host, received } = scripted([run('a', 'interrupted')]);
    await host.start();
    expect(await host.listJobs({ experimentDir: null })).toEqual([]);
    expect(received.some((m) => m.t === 'call' && m.channel === 'experiment:current')).toBe(false);
    expect((await host.listJobs({ experimentDir: '/exp' })).map((j) => j.id)).toEqual(['run:a']);
    expect(received.filter((m) => m.t === 'call' && m.channel === 'experiment:current')).toEqual([expect.objectContaining({ scope: { experimentDir: '/exp' } })]);
    expect(await host.resume('run:a', { experimentDir: '/exp' })).toMatchObject({ state: 'running' });
  });

  it('resumes a listed run with a resume message that carries its run and no request', async () => {
    const { host, received, send } = scripted([run('a', 'interrupted')]);
    await host.call('experiment:open', { location: { kind: 'path', path: '/exp' } });
    expect(await host.resume('run:a')).toMatchObject({ id: 'run:a', state: 'running', resumable: false });
    const msg = received.find((m) => m.t === 'resume');
    expect(msg).toMatchObject({ jobId: 'run:a', kind: 'attack', meta: { experimentDir: '/exp', runId: 'a' } });
    expect(msg).not.toHaveProperty('request');
    send({ t: 'failed', jobId: 'run:a', error: { code: 'cancelled', message: 'cancelled by the user' } });
    expect(host.job('run:a')).toMatchObject({ state: 'cancelled', resumable: true });
    await expect(host.resume('run:zzz')).rejects.toMatchObject({ code: 'bad-request', message: 'no job run:zzz' });
  });

  it('a cancelled attack job is resumable, and its run is not listed a second time', async () => {
    const { host, send } = scripted([run('r1', 'cancelled')]);
    await host.call('experiment:open', { location: { kind: 'path', path: '/exp' } });
    const { jobId } = await host.call('attack:start', { method: 'bim', params: { eps: 16 }, images: { kind: 'bundled' }, seed: 0 });
    send({ t: 'meta', jobId, meta: { experimentDir: '/exp', runId: 'r1' } });
    expect(await host.cancel(jobId)).toMatchObject({ state: 'cancelled', resumable: true, run: { id: 'r1' } });
    expect((await host.listJobs()).map((j) => j.id)).toEqual([jobId]);
  });

  it('a job cancelled by killing a stuck engine has its run marked cancelled by the next engine', async () => {
    const { host, received, send } = scripted([], { ignoreCancel: true });
    const { jobId } = await host.call('attack:start', { method: 'bim', params: { eps: 16 }, images: { kind: 'bundled' }, seed: 0 });
    send({ t: 'meta', jobId, meta: { experimentDir: '/exp', runId: 'r1' } });
    expect(await host.cancel(jobId)).toMatchObject({ state: 'cancelled', resumable: true });
    await new Promise((r) => setTimeout(r, 50)); // the new engine starts, then is told
    expect(received.filter((m) => m.t === 'stop-run')).toEqual([{ t: 'stop-run', meta: { experimentDir: '/exp', runId: 'r1' }, reason: 'cancelled by the user (engine restarted to stop it)' }]);
  });

  it('does not wait for an engine busy inside a step: the list is the host\'s jobs', async () => {
    const { host } = scripted([run('a', 'interrupted')], { silent: true });
    await host.call('experiment:open', { location: { kind: 'path', path: '/exp' } });
    const t0 = Date.now();
    expect(await host.listJobs()).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('engine: recording the cancel of a killed job', () => {
  it('marks a run its dead engine left cancelled, and leaves a run with a live writer alone', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await createExperiment(dir, init());
      const left = await startRun(dir, { method: 'bim', eps: 8 });
      const live = await startRun(dir, { method: 'fgsm', eps: 8 });
      // The killed engine: a process of this host that has exited.
      const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      await once(dead, 'exit');
      const file = join(dir, 'experiment.json');
      const json = JSON.parse(await readFile(file, 'utf8')) as { runs: { id: string; writer: { pid: number } }[] };
      json.runs.find((r) => r.id === left.id)!.writer.pid = dead.pid!;
      await writeFile(file, JSON.stringify(json));
      const reason = 'cancelled by the user (engine restarted to stop it)';
      await recordCancel({ experimentDir: dir, runId: left.id }, reason);
      await recordCancel({ experimentDir: dir, runId: live.id }, reason);
      const runs = (await openExperiment(dir)).runs;
      expect(runs.find((r) => r.id === left.id)).toMatchObject({ status: 'cancelled', reason });
      expect(effectiveStatus(runs.find((r) => r.id === live.id)!)).toBe('running');
    } finally {
      await cleanup();
    }
  });
});
