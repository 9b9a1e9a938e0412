/**
 * Schema migrations: a synthetic version-0 experiment.json (images.items[] without `file`) is
 * read as version 1, left untouched by reads, and stored as version 1 (atomically) on a write.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrintshotError } from '../../../src/shared';
import { checkExperiment } from '../../../src/workspace/check';
import { renameExperiment } from '../../../src/workspace/manage';
import { EXPERIMENT_MIGRATIONS, migrateExperimentJson, type Migration } from '../../../src/workspace/migrate';
import { createExperiment, ExperimentSchema, openExperiment, writeCleanImages } from '../../../src/workspace';
import { images, init } from '../../fixtures/images/experiment';
import { tempDir } from '../../fixtures/images/make';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

/** Turns the current experiment.json of `dir` into what version 0 looked like. */
async function downgradeToV0(): Promise<string> {
  const json = JSON.parse(await readFile(join(dir, 'experiment.json'), 'utf8'));
  json.schemaVersion = 0;
  for (const it of json.images.items) delete it.file;
  const text = JSON.stringify(json, null, 2);
  await writeFile(join(dir, 'experiment.json'), text);
  return text;
}

describe('migrateExperimentJson', () => {
  it('v0 → v1 derives images.items[].file from relPath', async () => {
    await createExperiment(dir, init());
    await writeCleanImages(dir, images());
    const v1 = JSON.parse(await readFile(join(dir, 'experiment.json'), 'utf8'));
    const v0 = JSON.parse(await downgradeToV0());
    const r = migrateExperimentJson(v0);
    expect(r.fromVersion).toBe(0);
    expect(r.applied).toEqual(['v0→v1: record each clean image file (images.items[].file)']);
    expect(r.json).toEqual(v1);
    expect(ExperimentSchema.safeParse(r.json).success).toBe(true);
    expect(v0.schemaVersion).toBe(0); // the input is not mutated
    const current = migrateExperimentJson(v1);
    expect(current).toEqual({ json: v1, fromVersion: 1, applied: [] });
    expect(current.json).toBe(v1);
  });

  it('refuses files that are too new, unversioned or have no migration path', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(PrintshotError);
        return (e as PrintshotError).message;
      }
      throw new Error('did not throw');
    };
    expect(err(() => migrateExperimentJson({ schemaVersion: 2 }))).toMatch(/schemaVersion 2 is not supported/);
    expect(err(() => migrateExperimentJson({ name: 'x' }))).toMatch(/schemaVersion undefined is not supported/);
    expect(err(() => migrateExperimentJson([]))).toMatch(/not a JSON object/);
    expect(err(() => migrateExperimentJson({ schemaVersion: -1 }))).toMatch(/no migration from schemaVersion -1/);
  });

  it('chains steps in order (synthetic table up to a v3)', () => {
    const table: Migration[] = [
      ...EXPERIMENT_MIGRATIONS,
      { from: 1, describe: 'add a', up: (j) => ({ ...j, schemaVersion: 2, a: 1 }) },
      { from: 2, describe: 'rename a to b', up: ({ a, ...j }) => ({ ...j, schemaVersion: 3, b: a }) },
    ];
    const r = migrateExperimentJson({ schemaVersion: 1 }, 'x.json', table, 3);
    expect(r.json).toEqual({ schemaVersion: 3, b: 1 });
    expect(r.applied.map((s) => s.slice(0, 6))).toEqual(['v1→v2:', 'v2→v3:']);
  });
});

describe('an experiment stored as v0', () => {
  beforeEach(async () => {
    await createExperiment(dir, init());
    await writeCleanImages(dir, images());
  });

  it('opens as v1 and is not rewritten by reading it', async () => {
    const text = await downgradeToV0();
    const exp = await openExperiment(dir);
    expect(exp.schemaVersion).toBe(1);
    expect(exp.images.items.map((i) => i.file)).toEqual(['clean/a/1.png', 'clean/b/2.png']);
    await checkExperiment(dir);
    expect(await readFile(join(dir, 'experiment.json'), 'utf8')).toBe(text);
  });

  it('is stored as v1, atomically, on the next write', async () => {
    await downgradeToV0();
    await renameExperiment(dir, 'renamed');
    const stored = JSON.parse(await readFile(join(dir, 'experiment.json'), 'utf8'));
    expect(stored).toMatchObject({ schemaVersion: 1, name: 'renamed' });
    expect(stored.images.items[0].file).toBe('clean/a/1.png');
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('check passes it with an info, and --repair stores it as v1', async () => {
    await downgradeToV0();
    const r = await checkExperiment(dir);
    expect(r).toMatchObject({ ok: true, warnings: 0, schemaVersion: 0, images: { verified: 2 } });
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'migratable', severity: 'info', repairable: true })]);
    const fixed = await checkExperiment(dir, { repair: true });
    expect(fixed.repaired).toEqual(['stored experiment.json as schemaVersion 1 (was 0)']);
    expect(fixed).toMatchObject({ ok: true, schemaVersion: 1, problems: [] });
  });
});
