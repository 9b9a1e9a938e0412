/**
 * Resuming attack runs in the services layer. A cancelled job (abort signal) records 'cancelled'
 * with its counts, an error records 'failed' with its message, and rerunning the same job into
 * the same folder resumes the run in place: one run, complete, byte-identical to a run that was
 * never interrupted, for BIM (deterministic) and PGD (a random start drawn per batch). A run
 * listed without a manifest (by an older version) starts over through the engine's adapter.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAttack, type AttackJobProgress } from '../../../src/attacks';
import { encodePng } from '../../../src/images';
import { attackImagesPartitioned } from '../../../src/parallel';
import { resumeAttackRun } from '../../../src/engine/runtime/resume';
import type { LoadedClassifier } from '../../../src/model';
import { attackIntoExperiment, type AttackJobSpec } from '../../../src/services/attack-job';
import { openImages, openModel } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';
import { effectiveStatus, openExperiment, readRunManifest, sha256, type RunRecord } from '../../../src/workspace';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

let model: LoadedClassifier;
let items: LabeledImage[];
let root: string;
const bim = { method: 'bim', params: { eps: 8, iterations: 3 }, seed: 1, batchSize: 2 };
const pgd = { method: 'pgd', params: { eps: 8, iterations: 3 }, seed: 7, batchSize: 2 };
type Job = typeof bim;
const reference = new Map<string, Map<string, string>>();

const run = (dir: string, job: Job, extra: Partial<AttackJobSpec> = {}) => attackIntoExperiment(model, items, root, { ...job, out: dir, ...extra });

async function shaByRel(dir: string, runId: string): Promise<Map<string, string>> {
  const r = (await openExperiment(dir)).runs.find((x) => x.id === runId)!;
  return new Map((await readRunManifest(dir, r)).images.map((im) => [im.relPath, im.sha256]));
}

/** Runs `job` and aborts it once `after` images are done; returns the stopped run. */
async function cancelledAfter(dir: string, job: Job, after: number): Promise<RunRecord> {
  const ctl = new AbortController();
  const onProgress = (p: AttackJobProgress) => {
    if (p.imagesDone >= after) ctl.abort();
  };
  await expect(run(dir, job, { signal: ctl.signal, onProgress })).rejects.toThrow(/cancel/i);
  return (await openExperiment(dir)).runs[0];
}

/** Makes the run look like its process was SIGKILLed: 'running', written by a pid that is gone. */
async function asKilled(dir: string, runId: string): Promise<void> {
  const path = join(dir, 'experiment.json');
  const json = JSON.parse(await readFile(path, 'utf8')) as { runs: Record<string, unknown>[] };
  const rec = json.runs.find((r) => r.id === runId)!;
  Object.assign(rec, { status: 'running', writer: { pid: 2 ** 22 + 12345, host: hostname() } });
  for (const k of ['reason', 'stoppedAt', 'counts']) delete rec[k];
  await writeFile(path, JSON.stringify(json));
}

beforeAll(async () => {
  model = await openModel('default');
  const data = await openImages('samples', model);
  items = data.items.slice(0, 6);
  root = data.root;
  const dir = join(await tempDir(), 'ref-bim');
  reference.set('bim', await shaByRel(dir, (await run(dir, bim)).run.id));
  // PGD's reference comes straight from the partitioned attack, not through the job under test.
  const results = await attackImagesPartitioned(getAttack('pgd'), pgd.params, items, { classifier: model, seed: pgd.seed, batchSize: pgd.batchSize });
  reference.set('pgd', new Map(await Promise.all(results.map(async (r) => [r.relPath, sha256(await encodePng(r.adversarial))] as const))));
}, 120_000);
afterAll(async () => {
  model?.dispose();
  await removeTempDirs();
});

describe('run lifecycle in the attack job', () => {
  it('a cancelled BIM job records cancelled with its counts; the same job again resumes it in place, byte-identical', async () => {
    const dir = join(await tempDir(), 'cancel');
    const stopped = await cancelledAfter(dir, bim, 2);
    const m = await readRunManifest(dir, stopped);
    expect(stopped).toMatchObject({ status: 'cancelled', reason: 'cancelled by the user', counts: { done: m.images.length, total: 6 } });
    expect(m.images.length).toBeGreaterThanOrEqual(2);
    expect(m.images.length).toBeLessThan(6);
    expect(m).toMatchObject({ batchSize: 2, inputs: items.map((it) => it.relPath) });

    const again = await run(dir, bim);
    expect(again.resumedFrom).toBe(m.images.length);
    const exp = await openExperiment(dir);
    expect(exp.runs).toHaveLength(1);
    expect(exp.runs[0]).toMatchObject({ id: stopped.id, status: 'complete', counts: { done: 6, total: 6 } });
    expect(exp.runs[0].reason).toBeUndefined();
    expect(await shaByRel(dir, stopped.id)).toEqual(reference.get('bim'));
    expect(again.summary.images).toBe(6);
  }, 60_000);

  it('a cancelled BIM run resumed on 2 workers (only its missing images go to the pool) gives the uninterrupted bytes', async () => {
    const dir = join(await tempDir(), 'workers');
    const stopped = await cancelledAfter(dir, bim, 2);
    const again = await run(dir, bim, { workers: 2 });
    expect(again.resumedFrom).toBe(stopped.counts!.done);
    expect((await openExperiment(dir)).runs.map((r) => r.status)).toEqual(['complete']);
    expect(await shaByRel(dir, stopped.id)).toEqual(reference.get('bim'));
  }, 90_000);

  it('PGD, whose random start is drawn per batch, resumed after a kill gives the uninterrupted bytes', async () => {
    const dir = join(await tempDir(), 'pgd');
    const stopped = await cancelledAfter(dir, pgd, 2);
    await asKilled(dir, stopped.id);
    expect(effectiveStatus((await openExperiment(dir)).runs[0])).toBe('interrupted');
    await run(dir, pgd);
    const exp = await openExperiment(dir);
    expect(exp.runs.map((r) => r.status)).toEqual(['complete']);
    expect(await shaByRel(dir, stopped.id)).toEqual(reference.get('pgd'));
  }, 60_000);

  it('a job killed before its first batch is persisted is resumed by the same job; another job starts its own run', async () => {
    const dir = join(await tempDir(), 'early');
    let listed: RunRecord | undefined;
    await expect(run(dir, bim, { onRun: (r) => ((listed = r), (() => { throw new Error('killed'); })()) })).rejects.toThrow('killed');
    expect((await openExperiment(dir)).runs[0]).toMatchObject({ status: 'failed', reason: 'killed', counts: { done: 0, total: 6 } });
    await asKilled(dir, listed!.id);
    // Other parameters or another seed: not the same job.
    await run(dir, { ...bim, seed: 2 });
    await run(dir, { ...bim, params: { eps: 8, iterations: 4 } });
    await run(dir, bim);
    const runs = (await openExperiment(dir)).runs;
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.status === 'complete')).toBe(true);
    expect(await shaByRel(dir, listed!.id)).toEqual(reference.get('bim'));
  }, 90_000);

  it('an error records failed with its message; a failed run is resumed only on request', async () => {
    const dir = join(await tempDir(), 'fail');
    const onProgress = (p: AttackJobProgress) => {
      if (p.imagesDone >= 2) throw new Error('disk on fire');
    };
    await expect(run(dir, bim, { onProgress })).rejects.toThrow('disk on fire');
    const failed = (await openExperiment(dir)).runs[0];
    expect(failed).toMatchObject({ status: 'failed', reason: 'disk on fire' });
    const done = failed.counts!.done;
    expect(done % 2).toBe(0);

    const resumed = await resumeAttackRun(model, dir, failed.id, items, {});
    expect(resumed.run.status).toBe('complete');
    expect((await openExperiment(dir)).runs).toHaveLength(1);
    expect(await shaByRel(dir, failed.id)).toEqual(reference.get('bim'));
  }, 60_000);
});

describe('the engine adapter', () => {
  it('a run listed without a manifest (older versions) starts over with the job\'s parameters; without them it is reported', async () => {
    const dir = join(await tempDir(), 'legacy');
    let listed: RunRecord | undefined;
    await expect(run(dir, bim, { onRun: (r) => ((listed = r), (() => { throw new Error('killed'); })()) })).rejects.toThrow('killed');
    await asKilled(dir, listed!.id);
    // An older version listed the run before writing any manifest, and recorded no writer.
    await rm(join(dir, listed!.manifest));
    const path = join(dir, 'experiment.json');
    const json = JSON.parse(await readFile(path, 'utf8')) as { runs: Record<string, unknown>[] };
    delete json.runs[0].writer;
    await writeFile(path, JSON.stringify(json));

    await expect(resumeAttackRun(model, dir, listed!.id, items, { batchSize: 2 })).rejects.toThrow(/not found/);
    await expect(resumeAttackRun(model, dir, listed!.id, items, { fresh: { method: 'fgsm', params: bim.params, seed: 1 } })).rejects.toThrow(/not fgsm/);
    const progress: number[] = [];
    const resumed = await resumeAttackRun(model, dir, listed!.id, items, {
      batchSize: 2,
      fresh: { method: 'bim', params: bim.params, seed: 1, backend: 'cpu' },
      onProgress: (p) => progress.push(p.alreadyDone),
    });
    expect(resumed.run.status).toBe('complete');
    expect(resumed.summary.images).toBe(items.length);
    expect(progress.every((d) => d === 0)).toBe(true);
    expect(await shaByRel(dir, listed!.id)).toEqual(reference.get('bim'));
  }, 60_000);
});
