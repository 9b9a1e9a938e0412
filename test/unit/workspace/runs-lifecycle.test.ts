/**
 * The run lifecycle in the data layer: running (with its writer) → complete | cancelled | failed,
 * 'interrupted' derived by readers when the writer is gone, reopen for a resume, drop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrintshotError } from '../../../src/shared';
import {
  completeRun,
  createExperiment,
  dropRun,
  effectiveStatus,
  findRunByRef,
  listRunStates,
  openExperiment,
  reopenRun,
  runState,
  startRun,
  stopRun,
  writeAdversarialImage,
  writeCleanImages,
  writeRunManifest,
  type RunManifest,
  type RunRecord,
} from '../../../src/workspace';
import { pattern, tempDir } from '../../fixtures/images/make';
import { images, init } from '../../fixtures/images/experiment';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await createExperiment(dir, init());
  await writeCleanImages(dir, images());
});
afterEach(async () => cleanup());

async function failure(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  expect((err as PrintshotError).code).toBe(code);
  return (err as Error).message;
}

const manifestOf = (run: RunRecord): RunManifest => ({
  schemaVersion: 1, runId: run.id, method: run.method, params: { eps: run.eps }, seed: 0,
  modelFingerprint: init().model.fingerprint, backend: 'cpu', startedAt: run.createdAt, images: [], batchSize: 1, inputs: ['a/1.jpg', 'b/2.png'],
});

/** A running run with its first image recorded (one of two). */
async function halfDone(): Promise<RunRecord> {
  const run = await startRun(dir, { method: 'bim', eps: 8, total: 2, manifest: manifestOf });
  const { file, sha256 } = await writeAdversarialImage(dir, run, 'a/1.jpg', pattern(8, 8, 1, 5));
  const top = [{ label: 0, prob: 0.9 }];
  await writeRunManifest(dir, run, { ...manifestOf(run), images: [{ relPath: 'a/1.jpg', label: 0, file, sha256, cleanTop5: top, advTop5: top, success: false, linf: 8, l2: 3, steps: 1 }] });
  return run;
}

/** Rewrites the run's record in experiment.json, as another process would have left it. */
async function patchRecord(id: string, patch: Record<string, unknown>): Promise<void> {
  const path = join(dir, 'experiment.json');
  const json = JSON.parse(await readFile(path, 'utf8')) as { runs: Record<string, unknown>[] };
  const i = json.runs.findIndex((r) => r.id === id);
  json.runs[i] = { ...json.runs[i], ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete json.runs[i][k];
  await writeFile(path, JSON.stringify(json));
}

/** A live process on this host that is not this one (a second writer). */
function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
}

describe('run lifecycle', () => {
  it('a started run records its writer and counts, and is running while this process writes it', async () => {
    const run = await halfDone();
    expect(run.writer).toMatchObject({ pid: process.pid, host: hostname() });
    expect(run.counts).toEqual({ done: 0, total: 2 });
    expect(effectiveStatus(run)).toBe('running');
    expect(await runState(dir, run)).toMatchObject({ status: 'running', done: 1, total: 2, writer: { pid: process.pid } });
  });

  it('a running run whose writer is gone reads as interrupted: dead pid, no writer recorded, or a job of this process that died', async () => {
    const run = await halfDone();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    await patchRecord(run.id, { writer: { pid: dead.pid, host: hostname() } });
    let rec = (await openExperiment(dir)).runs[0];
    expect(rec.status).toBe('running');
    expect(effectiveStatus(rec)).toBe('interrupted');
    const state = await runState(dir, rec);
    expect(state).toMatchObject({ status: 'interrupted', done: 1, total: 2 });
    expect(state.reason).toContain(`pid ${dead.pid}`);

    await patchRecord(run.id, { writer: undefined });
    expect(effectiveStatus((await openExperiment(dir)).runs[0])).toBe('interrupted');

    // Another host cannot be probed: still 'running' there.
    await patchRecord(run.id, { writer: { pid: dead.pid, host: `${hostname()}-elsewhere` } });
    expect(effectiveStatus((await openExperiment(dir)).runs[0])).toBe('running');

    // This process's pid, but not a run this process is writing (a job that died by an exception).
    await patchRecord(run.id, { writer: { pid: process.pid, host: hostname() } });
    await stopRun(dir, run.id, 'failed', 'x');
    await patchRecord(run.id, { status: 'running', writer: { pid: process.pid, host: hostname() } });
    rec = (await openExperiment(dir)).runs[0];
    expect(effectiveStatus(rec)).toBe('interrupted');
  });

  it('a live writer in another process keeps the run running; it cannot be reopened or dropped', async () => {
    const run = await halfDone();
    const child = sleeper();
    try {
      await new Promise((r) => child.on('spawn', r));
      await patchRecord(run.id, { writer: { pid: child.pid, host: hostname() } });
      const rec = (await openExperiment(dir)).runs[0];
      expect(effectiveStatus(rec)).toBe('running');
      expect(await failure(reopenRun(dir, run.id), 'bad-experiment')).toContain(`being written by pid ${child.pid}`);
      expect(await failure(dropRun(dir, run.id, { force: true }), 'bad-experiment')).toContain(`pid ${child.pid}`);
      expect(await failure(writeRunManifest(dir, run, manifestOf(run)), 'bad-experiment')).toContain(`pid ${child.pid}`);
      // A reused pid (same number, later start) is not the writer.
      await patchRecord(run.id, { writer: { pid: child.pid, host: hostname(), startTicks: 1 } });
      if (existsSync('/proc/self/stat')) expect(effectiveStatus((await openExperiment(dir)).runs[0])).toBe('interrupted');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cancel records status, reason and counts; writes are refused until the run is reopened', async () => {
    const run = await halfDone();
    const stopped = await stopRun(dir, run.id, 'cancelled', 'cancelled by the user');
    expect(stopped).toMatchObject({ status: 'cancelled', reason: 'cancelled by the user', counts: { done: 1, total: 2 } });
    expect(stopped.writer).toBeUndefined();
    expect(await runState(dir, stopped)).toMatchObject({ status: 'cancelled', reason: 'cancelled by the user', done: 1, total: 2 });
    expect(await failure(writeRunManifest(dir, run, manifestOf(run)), 'bad-experiment')).toMatch(/is cancelled/);
    expect(await failure(writeAdversarialImage(dir, stopped, 'b/2.png', pattern(8, 8, 1)), 'bad-experiment')).toMatch(/is cancelled/);

    // A temp file of a write the killed writer never finished, and one of a live process.
    const deadTemp = join(dir, run.dir, 'a', `.1.png.tmp-${2 ** 22 + 4321}-00ff`);
    const liveTemp = join(dir, run.dir, 'a', `.9.png.tmp-${process.pid}-00ff`);
    const manifestTemp = join(dir, 'runs', `.${run.manifest.slice('runs/'.length)}.tmp-${2 ** 22 + 4321}-00ff`);
    for (const f of [deadTemp, liveTemp, manifestTemp]) await writeFile(f, 'x');
    const reopened = await reopenRun(dir, run.id);
    expect([existsSync(deadTemp), existsSync(liveTemp), existsSync(manifestTemp)]).toEqual([false, true, false]);
    expect(reopened).toMatchObject({ status: 'running', writer: { pid: process.pid } });
    expect(reopened.reason).toBeUndefined();
    await writeRunManifest(dir, reopened, { ...(JSON.parse(await readFile(join(dir, run.manifest), 'utf8')) as RunManifest) });
    const done = await completeRun(dir, run.id);
    expect(done).toMatchObject({ status: 'complete', counts: { done: 1, total: 2 } });
    expect(done.writer).toBeUndefined();
    expect(await failure(reopenRun(dir, run.id), 'bad-experiment')).toMatch(/is complete; there is nothing to resume/);
    // A complete run is never turned back by a late stop.
    expect((await stopRun(dir, run.id, 'failed', 'late')).status).toBe('complete');
  });

  it('drop removes an incomplete run atomically; a complete run only with force', async () => {
    const run = await halfDone();
    await stopRun(dir, run.id, 'failed', 'disk full');
    const other = await startRun(dir, { method: 'fgsm', eps: 4, manifest: manifestOf });
    await writeRunManifest(dir, other, manifestOf(other));
    await completeRun(dir, other.id);

    await dropRun(dir, run.id);
    expect(existsSync(join(dir, run.dir))).toBe(false);
    expect(existsSync(join(dir, run.manifest))).toBe(false);
    expect((await openExperiment(dir)).runs.map((r) => r.id)).toEqual([other.id]);
    expect(await failure(dropRun(dir, run.id), 'bad-experiment')).toMatch(/no run/);

    expect(await failure(dropRun(dir, other.id), 'bad-experiment')).toMatch(/is complete; not dropped/);
    await dropRun(dir, other.id, { force: true });
    expect((await openExperiment(dir)).runs).toEqual([]);
    expect(existsSync(join(dir, other.dir))).toBe(false);
    // The freed folder name is used again by the next run.
    expect((await startRun(dir, { method: 'bim', eps: 8 })).dir).toBe(run.dir);
  });

  it('records written before the lifecycle fields load, and count from their manifest', async () => {
    const run = await halfDone();
    await patchRecord(run.id, { writer: undefined, counts: undefined });
    const states = await listRunStates(dir);
    expect(states).toEqual([expect.objectContaining({ id: run.id, status: 'interrupted', done: 1, total: 2 })]);
    expect((await listRunStates(dir))[0].reason).toMatch(/earlier Printshot/);
  });

  it('finds a run by id, id prefix or folder, and names the runs when a reference matches none or several', async () => {
    const a = await startRun(dir, { method: 'bim', eps: 8 });
    const b = await startRun(dir, { method: 'bim', eps: 8 });
    const runs = (await openExperiment(dir)).runs;
    expect(findRunByRef(runs, a.id).id).toBe(a.id);
    expect(findRunByRef(runs, b.id.slice(0, 8)).id).toBe(b.id);
    expect(findRunByRef(runs, 'bim-eps8-2').id).toBe(b.id);
    expect(findRunByRef(runs, 'adversarial/bim-eps8').id).toBe(a.id);
    expect(() => findRunByRef(runs, 'nope')).toThrow(/no run 'nope'.*bim-eps8 \(/);
    expect(() => findRunByRef(runs, 'ab')).toThrow(PrintshotError);
  });
});
