import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeImage8, PrintshotError } from '../../../src/shared';
import {
  createExperiment,
  EXPERIMENT_DIRS,
  ExperimentSchema,
  openExperiment,
  openOrCreateExperiment,
  sha256,
  sha256File,
  writeCleanImages,
} from '../../../src/workspace';
import { pattern, tempDir } from '../../fixtures/images/make';
import { images, init } from '../../fixtures/images/experiment';

let root: string;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  dir = join(root, 'exp1');
});
afterEach(async () => cleanup());

async function failure(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  expect((err as PrintshotError).code).toBe(code);
  expect((err as Error).message).not.toContain('\n');
  return (err as Error).message;
}

describe('create / open', () => {
  it('creates the layout and a valid experiment.json', async () => {
    const exp = await createExperiment(dir, init());
    expect((await readdir(dir)).sort()).toEqual([...EXPERIMENT_DIRS, 'experiment.json'].sort());
    expect(exp).toMatchObject({ schemaVersion: 1, name: 'exp1', images: { count: 0, items: [] }, runs: [] });
    const onDisk = JSON.parse(await readFile(join(dir, 'experiment.json'), 'utf8'));
    expect(ExperimentSchema.parse(onDisk)).toEqual(exp);
    expect(await openExperiment(dir)).toEqual(exp);
  });

  it('refuses an existing experiment and a non-empty unrelated folder', async () => {
    await createExperiment(dir, init());
    expect(await failure(createExperiment(dir, init()), 'bad-experiment')).toMatch(/already holds an experiment/);
    await writeFile(join(root, 'notes.txt'), 'x');
    expect(await failure(createExperiment(root, init()), 'bad-experiment')).toMatch(/not empty.*notes\.txt/);
  });

  it('reports missing, corrupt, wrong-version and invalid experiment.json with its path', async () => {
    const path = join(dir, 'experiment.json');
    expect(await failure(openExperiment(dir), 'bad-experiment')).toContain(`${path}: not found`);
    await createExperiment(dir, init());
    const good = JSON.parse(await readFile(path, 'utf8'));

    await writeFile(path, '{"schemaVersion": 1, "id": ');
    expect(await failure(openExperiment(dir), 'bad-experiment')).toMatch(new RegExp(`^${path}: corrupt, not valid JSON`));

    await writeFile(path, JSON.stringify({ ...good, schemaVersion: 2 }));
    expect(await failure(openExperiment(dir), 'bad-experiment')).toBe(`${path}: schemaVersion 2 is not supported (this Printshot reads version 1)`);

    await writeFile(path, JSON.stringify({ ...good, runs: [{ id: 'x' }] }));
    expect(await failure(openExperiment(dir), 'bad-experiment')).toMatch(new RegExp(`^${path}: invalid \\(runs\\.0\\.id`));
  });

  it('openOrCreate reuses an experiment only with the same model', async () => {
    const a = await openOrCreateExperiment(dir, init());
    expect((await openOrCreateExperiment(dir, init())).id).toBe(a.id);
    expect(await failure(openOrCreateExperiment(dir, init(sha256('model-b'))), 'bad-experiment')).toMatch(/made with model 'fashion-cnn'/);
  });
});

describe('writeCleanImages', () => {
  it('stores PNGs under clean/ with sorted, hashed items', async () => {
    await createExperiment(dir, init());
    const exp = await writeCleanImages(dir, images());
    expect(exp.images.count).toBe(2);
    expect(exp.images.items.map((i) => [i.relPath, i.file, i.label])).toEqual([
      ['a/1.jpg', 'clean/a/1.png', 0],
      ['b/2.png', 'clean/b/2.png', 1],
    ]);
    for (const it of exp.images.items) expect(await sha256File(join(dir, it.file))).toBe(it.sha256);
    expect(await openExperiment(dir)).toEqual(exp);
  });

  it('is a no-op for the same images, restores a missing file, adds new ones', async () => {
    await createExperiment(dir, init());
    const first = await writeCleanImages(dir, images());
    expect(await writeCleanImages(dir, images())).toEqual(first);
    await rm(join(dir, 'clean/a/1.png'));
    await writeCleanImages(dir, images());
    expect(await sha256File(join(dir, 'clean/a/1.png'))).toBe(first.images.items[0].sha256);
    const more = await writeCleanImages(dir, [{ relPath: 'a/0.png', label: 0, image: pattern(8, 8, 1, 9) }]);
    expect(more.images.items.map((i) => i.relPath)).toEqual(['a/0.png', 'a/1.jpg', 'b/2.png']);
  });

  it('refuses changed pixels, changed labels and colliding PNG names', async () => {
    await createExperiment(dir, init());
    await writeCleanImages(dir, images());
    const changed = images();
    changed[0] = { ...changed[0], image: makeImage8(8, 8, 1) };
    expect(await failure(writeCleanImages(dir, changed), 'bad-experiment')).toMatch(/b\/2\.png: differs from the clean image/);
    const relabelled = images();
    relabelled[1] = { ...relabelled[1], label: 1 };
    expect(await failure(writeCleanImages(dir, relabelled), 'bad-experiment')).toMatch(/a\/1\.jpg: label 1 differs from label 0/);
    const clash = [{ relPath: 'a/1.png', label: 0, image: pattern(8, 8, 1) }];
    expect(await failure(writeCleanImages(dir, clash), 'bad-dataset')).toMatch(/already holds 'a\/1\.jpg'/);
    const both = [...clash, { relPath: 'a/1.JPEG', label: 0, image: pattern(8, 8, 1) }];
    expect(await failure(writeCleanImages(dir, both), 'bad-dataset')).toMatch(/would both be stored as clean\/a\/1\.png/);
  });
});
