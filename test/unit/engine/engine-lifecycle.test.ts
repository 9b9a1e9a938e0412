/**
 * The run lifecycle through the real engine (a child process, as in serve mode) on the bundled
 * model: an engine SIGKILLed before its first batch is recorded, or after it, and a cancelled
 * attack. After an app restart (a fresh host: empty job table) job:list shows the experiment's
 * interrupted or cancelled run as a resumable job, and job:resume finishes it through the
 * services' resume: one complete run whose PNGs are byte-identical to an uninterrupted run's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, JobDto, ParsedRequestOf } from '../../../src/contract';
import { EngineHost } from '../../../src/engine';
import { forkEngine } from '../../../src/engine/fork';
import { effectiveStatus, openExperiment, readRunManifest, startRun, stopRun } from '../../../src/workspace';

const ATTACK: ParsedRequestOf<'attack:start'> = { method: 'bim', params: { eps: 8, iterations: 12 }, images: { kind: 'bundled' }, seed: 3, limit: 48, batchSize: 16 };
const hosts: EngineHost[] = [];
let root: string;
let reference: Map<string, string>;

interface Session {
  host: EngineHost;
  /** Resolves with the job once it ends (done, error, cancelled or interrupted). */
  ended(jobId: string): Promise<JobDto>;
}

async function session(dir: string, create: boolean): Promise<Session> {
  const waiters = new Map<string, (j: JobDto) => void>();
  const onEvent = (m: EventMessage) => {
    if (m.event === 'job:done' || m.event === 'job:error') waiters.get(m.payload.job.id)?.(m.payload.job);
  };
  const host = new EngineHost(forkEngine({ quiet: true }), onEvent);
  hosts.push(host);
  await host.call('model:load', { source: { kind: 'bundled' } });
  await host.call(create ? 'experiment:new' : 'experiment:open', { location: { kind: 'path', path: dir } } as never);
  return { host, ended: (jobId) => new Promise((resolve) => waiters.set(jobId, resolve)) };
}

/** Polls the host's view of a job until `until` holds (progress arrives every 100 ms). */
async function waitFor(host: EngineHost, jobId: string, until: (j: JobDto) => boolean | Promise<boolean>): Promise<JobDto> {
  for (;;) {
    const j = host.job(jobId);
    if (await until(j)) return j;
    if (j.state !== 'running') throw new Error(`job ended (${j.state}) before the awaited moment`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function shaByRel(dir: string): Promise<Map<string, string>> {
  const exp = await openExperiment(dir);
  expect(exp.runs).toHaveLength(1);
  const m = await readRunManifest(dir, exp.runs[0]);
  return new Map(m.images.map((im) => [im.relPath, im.sha256]));
}

/** Images the run's manifest lists so far (batches are recorded whole, after their PNGs). */
async function recordedImages(dir: string): Promise<number> {
  const run = (await openExperiment(dir).catch(() => null))?.runs[0];
  return run ? ((await readRunManifest(dir, run).catch(() => null))?.images.length ?? 0) : 0;
}

const imagesDone = (j: JobDto) => Number(/^(\d+)\//.exec(j.progress.stage)?.[1] ?? -1);

/** Starts the attack in a new experiment, stops it at `stopAt` by `how`; returns the dir and recorded image count. */
async function stopped(name: string, stopAt: (j: JobDto, dir: string) => boolean | Promise<boolean>, how: 'kill' | 'cancel') {
  const dir = path.join(root, name);
  const s = await session(dir, true);
  const { jobId } = await s.host.call('attack:start', ATTACK);
  const end = s.ended(jobId);
  await waitFor(s.host, jobId, async (j) => j.run !== undefined && (await stopAt(j, dir)));
  if (how === 'kill') process.kill(s.host.state().pid!, 'SIGKILL');
  else await s.host.cancel(jobId);
  const job = await end;
  expect(job).toMatchObject({ state: how === 'kill' ? 'interrupted' : 'cancelled', resumable: true });
  if (how === 'cancel') {
    // The engine still runs: the run on disk is the job already listed, not a second entry.
    expect((await s.host.listJobs()).filter((j) => j.run?.id === job.run?.id).map((j) => j.id)).toEqual([jobId]);
  }
  s.host.stop();
  const exp = await openExperiment(dir);
  expect(exp.runs).toHaveLength(1);
  expect(effectiveStatus(exp.runs[0])).toBe(how === 'kill' ? 'interrupted' : 'cancelled');
  return { dir, run: exp.runs[0], recorded: (await readRunManifest(dir, exp.runs[0])).images.length };
}

/** An app restart: a fresh host lists the stopped run as a resumable job and resumes it to completion. */
async function resumeAfterRestart(dir: string, runId: string, state: 'interrupted' | 'cancelled') {
  const s = await session(dir, false);
  const listed = (await s.host.listJobs()).filter((j) => j.run?.id === runId);
  expect(listed).toEqual([expect.objectContaining({ id: `run:${runId}`, kind: 'attack', state, resumable: true })]);
  const end = s.ended(listed[0].id);
  expect(await s.host.resume(listed[0].id)).toMatchObject({ state: 'running' });
  const job = await end;
  expect(job.state).toBe('done');
  expect(job.result).toMatchObject({ kind: 'attack', runId, summary: { images: ATTACK.limit } });
  expect((await s.host.listJobs()).filter((j) => j.run?.id === runId && j.state !== 'done')).toEqual([]);
  const exp = await openExperiment(dir);
  expect(exp.runs.map((r) => [r.id, r.status])).toEqual([[runId, 'complete']]);
  expect(await shaByRel(dir)).toEqual(reference);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ps-lifecycle-'));
  const dir = path.join(root, 'reference');
  const s = await session(dir, true);
  const { jobId } = await s.host.call('attack:start', ATTACK);
  expect((await s.ended(jobId)).state).toBe('done');
  reference = await shaByRel(dir);
  expect(reference.size).toBe(ATTACK.limit);
  s.host.stop();
}, 120_000);

afterAll(async () => {
  hosts.forEach((h) => h.stop());
  await rm(root, { recursive: true, force: true });
});

describe('engine run lifecycle', () => {
  it('engine killed before its first batch is recorded: listed after a restart, resumed byte-identical', async () => {
    const { dir, run, recorded } = await stopped('before', (j) => imagesDone(j) === 0 && j.progress.done > 0, 'kill');
    expect(recorded).toBe(0);
    await resumeAfterRestart(dir, run.id, 'interrupted');
  }, 120_000);

  it('engine killed after its first batch: listed after a restart, resumed byte-identical', async () => {
    const { dir, run, recorded } = await stopped('after', (_j, dir) => recordedImages(dir).then((n) => n >= ATTACK.batchSize!), 'kill');
    expect(recorded).toBeGreaterThanOrEqual(ATTACK.batchSize!);
    expect(recorded).toBeLessThan(ATTACK.limit!);
    await resumeAfterRestart(dir, run.id, 'interrupted');
  }, 120_000);

  it('a run listed without a manifest (older versions) is listed, and resuming it says why it cannot be', async () => {
    const dir = path.join(root, 'reference');
    const legacy = await startRun(dir, { method: 'bim', eps: 8 }); // no manifest: listed as older versions did
    await stopRun(dir, legacy.id, 'cancelled', 'cancelled by the user', 0);
    const s = await session(dir, false);
    const listed = (await s.host.listJobs()).find((j) => j.run?.id === legacy.id);
    expect(listed).toMatchObject({ id: `run:${legacy.id}`, state: 'cancelled', resumable: true });
    await expect(s.host.resume(listed!.id)).rejects.toMatchObject({
      code: 'bad-experiment',
      message: `run ${legacy.dir} was stopped before it recorded its parameters (${legacy.manifest} was never written)`,
      hint: expect.stringContaining(`runs drop ${legacy.id.slice(0, 8)}`),
    });
    expect(s.host.job(listed!.id)).toMatchObject({ state: 'cancelled', resumable: true });
  }, 60_000);

  it('a cancelled attack marks its run cancelled; after a restart it is listed and resumed byte-identical', async () => {
    const { dir, run } = await stopped('cancelled', (j) => imagesDone(j) >= ATTACK.batchSize!, 'cancel');
    await resumeAfterRestart(dir, run.id, 'cancelled');
  }, 120_000);
});
