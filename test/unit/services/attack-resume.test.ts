/**
 * An attack job killed before its first batch is persisted leaves a run that can be resumed: the
 * run's manifest (no images yet) is written before experiment.json lists it, so resuming attacks
 * every image and completes the run with the bytes an uninterrupted run writes. A run listed
 * without a manifest (by a version before that) starts over with the job's parameters.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeAttackRun } from '../../../src/engine/runtime/resume';
import type { LoadedClassifier } from '../../../src/model';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { openImages, openModel } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';
import { openExperiment, readRunManifest, type RunRecord } from '../../../src/workspace';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

let model: LoadedClassifier;
let items: LabeledImage[];
let root: string;
let reference: Map<string, string>;
const params = { eps: 8, iterations: 3 };

/** Starts a BIM job into `dir` and kills it (as a crash would) the moment its run is listed. */
async function killedAtStart(dir: string): Promise<RunRecord> {
  let listed: RunRecord | undefined;
  await expect(
    attackIntoExperiment(model, items, root, {
      method: 'bim',
      params,
      seed: 1,
      batchSize: 2,
      out: dir,
      onRun: (run) => {
        listed = run;
        throw new Error('killed');
      },
    }),
  ).rejects.toThrow('killed');
  return listed!;
}

async function shaByRel(dir: string, runId: string): Promise<Map<string, string>> {
  const run = (await openExperiment(dir)).runs.find((r) => r.id === runId)!;
  const m = await readRunManifest(dir, run);
  return new Map(m.images.map((im) => [im.relPath, im.sha256]));
}

beforeAll(async () => {
  model = await openModel('default');
  const data = await openImages('samples', model);
  items = data.items.slice(0, 6);
  root = data.root;
  const dir = join(await tempDir(), 'ref');
  const r = await attackIntoExperiment(model, items, root, { method: 'bim', params, seed: 1, batchSize: 2, out: dir });
  reference = await shaByRel(dir, r.run.id);
}, 120_000);
afterAll(async () => {
  model?.dispose();
  await removeTempDirs();
});

describe('resuming an attack killed before its first batch is persisted', () => {
  it('the listed run already has its manifest (no images), and resuming completes it with the uninterrupted bytes', async () => {
    const dir = join(await tempDir(), 'exp');
    const run = await killedAtStart(dir);
    const listed = (await openExperiment(dir)).runs.find((r) => r.id === run.id)!;
    expect(listed.status).toBe('running');
    const manifest = await readRunManifest(dir, listed);
    expect(manifest).toMatchObject({ runId: run.id, method: 'bim', params, seed: 1, images: [] });

    const resumed = await resumeAttackRun(model, dir, run.id, items, { batchSize: 2 });
    expect(resumed.run.status).toBe('complete');
    expect(resumed.summary.images).toBe(items.length);
    expect(await shaByRel(dir, run.id)).toEqual(reference);
  }, 60_000);

  it('a run listed without a manifest (older versions) starts over with the job\'s parameters; without them it is reported', async () => {
    const dir = join(await tempDir(), 'legacy');
    const run = await killedAtStart(dir);
    await rm(join(dir, run.manifest));
    await expect(resumeAttackRun(model, dir, run.id, items, { batchSize: 2 })).rejects.toThrow(/not found/);
    await expect(resumeAttackRun(model, dir, run.id, items, { fresh: { method: 'fgsm', params, seed: 1 } })).rejects.toThrow(/not fgsm/);

    const resumed = await resumeAttackRun(model, dir, run.id, items, { batchSize: 2, fresh: { method: 'bim', params, seed: 1, backend: 'cpu' } });
    expect(resumed.run.status).toBe('complete');
    expect(resumed.summary.images).toBe(items.length);
    const manifest = JSON.parse(await readFile(join(dir, run.manifest), 'utf8')) as { params: unknown; seed: unknown; summary: { resumed: boolean } };
    expect(manifest).toMatchObject({ params, seed: 1, summary: { resumed: true } });
    expect(await shaByRel(dir, run.id)).toEqual(reference);
  }, 60_000);
});
