import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/images';
import { PrintshotError } from '../../../src/shared';
import {
  completeRun,
  createExperiment,
  listRuns,
  openExperiment,
  pendingImages,
  readRunManifest,
  sha256,
  startRun,
  writeAdversarialImage,
  writeCleanImages,
  writeRunManifest,
  type RunManifest,
  type RunRecord,
} from '../../../src/workspace';
import { pattern, tempDir } from '../../fixtures/images/make';
import { images, init, snapshot } from '../../fixtures/images/experiment';

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

/** The attack command's whole sequence for one run; returns the run and its manifest. */
async function fullRun(method: string, eps: number, seed: number): Promise<{ run: RunRecord; manifest: RunManifest }> {
  const run = await startRun(dir, { method, eps });
  const startedAt = new Date().toISOString();
  const rows = [];
  for (const { relPath, label } of images()) {
    const { file, sha256: sha } = await writeAdversarialImage(dir, run, relPath, pattern(8, 8, 1, seed));
    const top5 = [{ label, prob: 0.9 }, { label: 1 - label, prob: 0.1 }];
    rows.push({ relPath, label, file, sha256: sha, cleanTop5: top5, advTop5: top5, success: false, linf: eps, l2: 3.5, steps: 1 });
  }
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId: run.id,
    method,
    params: { eps },
    seed,
    modelFingerprint: init().model.fingerprint,
    backend: 'cpu',
    startedAt,
    finishedAt: new Date().toISOString(),
    images: rows,
  };
  await writeRunManifest(dir, run, manifest);
  await completeRun(dir, run.id);
  return { run, manifest };
}

describe('runs', () => {
  it('start → write → manifest → complete', async () => {
    const run = await startRun(dir, { method: 'fgsm', eps: 16 });
    expect(run).toMatchObject({ method: 'fgsm', eps: 16, dir: 'adversarial/fgsm-eps16', status: 'running' });
    expect(run.manifest).toBe(`runs/fgsm-eps16-${run.id.slice(0, 8)}.json`);
    expect((await listRuns(dir)).map((r) => r.status)).toEqual(['running']);

    const rels = images().map((i) => i.relPath);
    expect(await pendingImages(dir, run, rels)).toEqual(rels);
    const adv = pattern(8, 8, 1, 42);
    const { file, sha256: sha } = await writeAdversarialImage(dir, run, 'a/1.jpg', adv);
    expect(file).toBe('adversarial/fgsm-eps16/a/1.png');
    const bytes = await readFile(join(dir, file));
    expect(sha256(bytes)).toBe(sha);
    expect(Buffer.from((await decodePng(bytes)).data).equals(Buffer.from(adv.data))).toBe(true);
    expect(await pendingImages(dir, run, rels)).toEqual(['b/2.png']);

    expect(await failure(completeRun(dir, run.id), 'bad-experiment')).toMatch(/write its manifest/);
    await writeCleanImages(dir, images()); // re-running the clean step mid-run is harmless
    const { manifest } = await fullRunFrom(run);
    const done = (await listRuns(dir))[0];
    expect(done.status).toBe('complete');
    expect(done.completedAt).toBeDefined();
    expect(await readRunManifest(dir, done)).toEqual(manifest);
    expect(await completeRun(dir, run.id)).toEqual(done); // idempotent
  });

  it('a second run with the same name gets its own folder and leaves the first byte-identical', async () => {
    const first = await fullRun('fgsm', 16, 1);
    // The first run's PNGs, its manifest and the clean images, hashed byte for byte.
    const firstFiles = async (): Promise<Record<string, string>> => ({
      ...(await snapshot(dir, first.run.dir)),
      ...(await snapshot(dir, 'clean')),
      [first.run.manifest]: sha256(await readFile(join(dir, first.run.manifest))),
    });
    const before = await firstFiles();
    expect(Object.keys(before)).toHaveLength(5);

    const second = await fullRun('fgsm', 16, 2);
    expect(second.run.dir).toBe('adversarial/fgsm-eps16-2');
    expect(second.run.manifest).not.toBe(first.run.manifest);
    expect((await fullRun('fgsm', 16, 3)).run.dir).toBe('adversarial/fgsm-eps16-3');
    expect((await fullRun('bim', 2.5, 3)).run.dir).toBe('adversarial/bim-eps2.5');

    expect(await firstFiles()).toEqual(before);
    expect(await readRunManifest(dir, first.run)).toEqual(first.manifest);
    expect((await openExperiment(dir)).runs.map((r) => r.dir)).toEqual([
      'adversarial/fgsm-eps16',
      'adversarial/fgsm-eps16-2',
      'adversarial/fgsm-eps16-3',
      'adversarial/bim-eps2.5',
    ]);
  });

  it('refuses to touch a completed run', async () => {
    const { run, manifest } = await fullRun('fgsm', 8, 1);
    const stale = { ...run, status: 'running' as const };
    expect(await failure(writeAdversarialImage(dir, { ...run, status: 'complete' }, 'a/1.jpg', pattern(8, 8, 1)), 'bad-experiment')).toMatch(/is complete/);
    expect(await failure(writeRunManifest(dir, stale, manifest), 'bad-experiment')).toMatch(/is complete/);
  });

  it('skips a leftover folder and serialises concurrent starts', async () => {
    await mkdir(join(dir, 'adversarial', 'pgd-eps4'));
    const runs = await Promise.all([1, 2, 3].map(() => startRun(dir, { method: 'pgd', eps: 4 })));
    expect(runs.map((r) => r.dir).sort()).toEqual(['adversarial/pgd-eps4-2', 'adversarial/pgd-eps4-3', 'adversarial/pgd-eps4-4']);
    expect((await listRuns(dir)).length).toBe(3);
  });

  it('validates arguments and manifests', async () => {
    expect(await failure(startRun(dir, { method: '../x', eps: 1 }), 'bad-argument')).toMatch(/folder name/);
    expect(await failure(startRun(dir, { method: 'fgsm', eps: -1 }), 'bad-argument')).toMatch(/eps/);
    const run = await startRun(dir, { method: 'fgsm', eps: 1 });
    expect(await failure(writeAdversarialImage(dir, run, '../escape.png', pattern(2, 2, 1)), 'bad-argument')).toMatch(/relative path/);
    const bad = { schemaVersion: 1, runId: run.id } as unknown as RunManifest;
    expect(await failure(writeRunManifest(dir, run, bad), 'bad-argument')).toMatch(/invalid run manifest/);
    expect(await failure(completeRun(dir, '00000000-0000-4000-8000-000000000000'), 'bad-experiment')).toMatch(/no run/);
    expect(await failure(readRunManifest(dir, run), 'bad-experiment')).toMatch(/not found/);
  });

  it('with a first manifest, lists the run only once its manifest is on disk (an invalid one lists nothing)', async () => {
    const first = (r: RunRecord): RunManifest => ({
      schemaVersion: 1,
      runId: r.id,
      method: 'bim',
      params: { eps: 4 },
      seed: 7,
      modelFingerprint: init().model.fingerprint,
      backend: 'cpu',
      startedAt: new Date().toISOString(),
      images: [],
    });
    const run = await startRun(dir, { method: 'bim', eps: 4, manifest: first });
    expect(await readRunManifest(dir, run)).toMatchObject({ runId: run.id, params: { eps: 4 }, seed: 7, images: [] });
    const other = await failure(startRun(dir, { method: 'bim', eps: 4, manifest: (r) => ({ ...first(r), runId: run.id }) }), 'bad-argument');
    expect(other).toMatch(/is not run/);
    expect((await listRuns(dir)).map((r) => r.id)).toEqual([run.id]);
  });
});

/** Finishes an already started run the way fullRun does. */
async function fullRunFrom(run: RunRecord): Promise<{ manifest: RunManifest }> {
  const rows = [];
  for (const { relPath, label } of images()) {
    const { file, sha256: sha } = await writeAdversarialImage(dir, run, relPath, pattern(8, 8, 1, 42));
    rows.push({ relPath, label, file, sha256: sha, cleanTop5: [{ label, prob: 1 }], advTop5: [{ label, prob: 1 }], success: false, linf: 1, l2: 1, steps: 1 });
  }
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId: run.id,
    method: run.method,
    params: {},
    seed: 0,
    modelFingerprint: init().model.fingerprint,
    backend: 'cpu',
    startedAt: run.createdAt,
    images: rows,
  };
  await writeRunManifest(dir, run, manifest);
  await completeRun(dir, run.id);
  return { manifest };
}
