/** Experiment management: list, rename, duplicate, archive to .zip and open it again. */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrintshotError } from '../../../src/shared';
import { checkExperiment } from '../../../src/workspace/check';
import { archiveExperiment, duplicateExperiment, folderNameFor, listExperiments, renameExperiment, unarchiveExperiment } from '../../../src/workspace/manage';
import { readZipEntries } from '../../../src/workspace/zipfile';
import {
  completeRun,
  createExperiment,
  openExperiment,
  startRun,
  writeAdversarialImage,
  writeCleanImages,
  writeRunManifest,
} from '../../../src/workspace';
import { images, init, snapshot } from '../../fixtures/images/experiment';
import { pattern, tempDir } from '../../fixtures/images/make';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

async function failure(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  expect((err as PrintshotError).code).toBe(code);
  return (err as Error).message;
}

/** An experiment with one complete run, one interrupted run and a results file. */
async function makeExperiment(dir: string, name?: string): Promise<void> {
  await createExperiment(dir, { ...init(), name });
  await writeCleanImages(dir, images());
  const run = await startRun(dir, { method: 'fgsm', eps: 4 });
  const rows = [];
  for (const { relPath, label } of images()) {
    const { file, sha256 } = await writeAdversarialImage(dir, run, relPath, pattern(8, 8, 1, 5));
    rows.push({ relPath, label, file, sha256, cleanTop5: [{ label, prob: 1 }], advTop5: [{ label, prob: 1 }], success: false, linf: 4, l2: 9, steps: 1 });
  }
  const base = { schemaVersion: 1 as const, method: 'fgsm', params: {}, seed: 0, modelFingerprint: init().model.fingerprint, backend: 'cpu', startedAt: run.createdAt };
  await writeRunManifest(dir, run, { ...base, runId: run.id, images: rows, finishedAt: new Date().toISOString() });
  await completeRun(dir, run.id);
  const killed = await startRun(dir, { method: 'bim', eps: 4 });
  await writeAdversarialImage(dir, killed, 'a/1.jpg', pattern(8, 8, 1, 6));
  await writeFile(join(dir, 'results', 'demo.json'), JSON.stringify({ accuracy: 0.5 }));
}

describe('list', () => {
  it('finds experiments in subfolders, lists broken ones, skips hidden and plain folders', async () => {
    await makeExperiment(join(root, 'b-exp'), 'Beta');
    await makeExperiment(join(root, 'group', 'a-exp'), 'Alpha');
    await makeExperiment(join(root, '.hidden'));
    await mkdir(join(root, 'plain'));
    await mkdir(join(root, 'broken'));
    await writeFile(join(root, 'broken', 'experiment.json'), '{');
    const list = await listExperiments(root);
    expect(list.map((e) => [e.dir.slice(root.length + 1), e.ok, e.name])).toEqual([
      ['b-exp', true, 'Beta'],
      ['broken', false, undefined],
      [join('group', 'a-exp'), true, 'Alpha'],
    ]);
    expect(list[0]).toMatchObject({ model: 'fashion-cnn', images: 2, runs: { total: 2, complete: 1, incomplete: 1 } });
    expect(list[1].error).toMatch(/corrupt/);
    expect((await listExperiments(root, 1)).map((e) => e.name)).toEqual(['Beta', undefined]);
    expect((await listExperiments(join(root, 'b-exp'))).map((e) => e.name)).toEqual(['Beta']);
    expect(await failure(listExperiments(join(root, 'nope')), 'bad-argument')).toMatch(/not a folder/);
  });
});

describe('rename', () => {
  it('renames the experiment, and with folder its folder too', async () => {
    const dir = join(root, 'exp');
    await makeExperiment(dir);
    const r = await renameExperiment(dir, '  Paper reproduction  ');
    expect(r.dir).toBe(dir);
    expect((await openExperiment(dir)).name).toBe('Paper reproduction');

    const moved = await renameExperiment(dir, 'Fig 6: eps/16?', { folder: true });
    expect(moved.dir).toBe(join(root, 'Fig 6- eps-16'));
    expect(existsSync(dir)).toBe(false);
    expect((await openExperiment(moved.dir)).name).toBe('Fig 6: eps/16?');
    expect((await checkExperiment(moved.dir)).ok).toBe(true);

    await mkdir(join(root, 'taken'));
    expect(await failure(renameExperiment(moved.dir, 'taken', { folder: true }), 'bad-argument')).toMatch(/already exists/);
    expect((await openExperiment(moved.dir)).name).toBe('Fig 6: eps/16?'); // nothing changed
    expect(await failure(renameExperiment(moved.dir, '   '), 'bad-argument')).toMatch(/empty/);
    expect(() => folderNameFor('...')).toThrow(/cannot be used/);
  });
});

describe('duplicate', () => {
  it('copies every file with a new id and leaves the original untouched', async () => {
    const src = join(root, 'src');
    await makeExperiment(src, 'Original');
    await writeFile(join(src, 'clean', '.x.png.tmp-1-abcdef'), 'stray');
    const before = await snapshot(src, '.');
    const copy = await duplicateExperiment(src, join(root, 'copy'));
    const orig = await openExperiment(src);
    expect(copy.id).not.toBe(orig.id);
    expect(copy.name).toBe('Original (copy)');
    expect(copy.runs).toEqual(orig.runs);
    expect(await snapshot(src, '.')).toEqual(before);
    const { ['experiment.json']: _a, ['clean/.x.png.tmp-1-abcdef']: _b, ...rest } = before;
    const { ['experiment.json']: _c, ...copied } = await snapshot(join(root, 'copy'), '.');
    expect(copied).toEqual(rest);
    const report = await checkExperiment(join(root, 'copy'));
    expect(report).toMatchObject({ ok: true, warnings: 0, id: copy.id });
    expect(report.runs.map((r) => r.status)).toEqual(['complete', 'incomplete']);
    expect((await duplicateExperiment(src, join(root, 'named'), { name: 'B' })).name).toBe('B');
    expect(await failure(duplicateExperiment(src, join(root, 'copy')), 'bad-argument')).toMatch(/already exists/);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('archive / unarchive', () => {
  it('round-trips an experiment through one .zip, verifying every sha256', async () => {
    const src = join(root, 'my-exp');
    await makeExperiment(src, 'Zipped');
    await writeFile(join(src, 'adversarial', '.y.png.tmp-1-abcdef'), 'stray');
    const zip = join(root, 'my-exp.zip');
    const progress: number[] = [];
    const index = await archiveExperiment(src, zip, { onProgress: (d) => progress.push(d) });
    expect(index.files.map((f) => f.path)).not.toContain('adversarial/.y.png.tmp-1-abcdef');
    expect(progress.at(-1)).toBe(index.files.length);

    // A standard unzip sees one top folder, '/' separators, PNGs stored and JSON deflated.
    const entries = await readZipEntries(zip);
    expect(entries.every((e) => e.name.startsWith('my-exp/') && !e.name.includes('\\'))).toBe(true);
    expect(entries.find((e) => e.name === 'my-exp/clean/a/1.png')?.method).toBe(0);
    expect(entries.find((e) => e.name === 'my-exp/experiment.json')?.method).toBe(8);
    const all = unzipSync(new Uint8Array(await readFile(zip)));
    expect(JSON.parse(strFromU8(all['my-exp/experiment.json'])).name).toBe('Zipped');

    const dest = join(root, 'elsewhere', 'opened');
    const r = await unarchiveExperiment(zip, dest);
    expect(r.experiment.id).toBe((await openExperiment(src)).id);
    expect(r.report).toMatchObject({ ok: true, warnings: 0, dir: dest });
    expect(r.report.runs.map((x) => x.status)).toEqual(['complete', 'incomplete']);
    const { ['adversarial/.y.png.tmp-1-abcdef']: _t, ...expected } = await snapshot(src, '.');
    expect(await snapshot(dest, '.')).toEqual(expected);

    expect(await failure(unarchiveExperiment(zip, dest), 'bad-argument')).toMatch(/not empty/);
    await mkdir(join(root, 'empty'));
    expect((await unarchiveExperiment(zip, join(root, 'empty'))).report.ok).toBe(true);
    expect(await failure(archiveExperiment(src, zip), 'bad-argument')).toMatch(/already exists/);
    await archiveExperiment(src, zip, { overwrite: true });
    expect(await failure(archiveExperiment(src, join(src, 'reports', 'x.zip')), 'bad-argument')).toMatch(/inside the experiment/);
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses a damaged archive and leaves nothing behind', async () => {
    const src = join(root, 'exp');
    await makeExperiment(src);
    const zip = join(root, 'exp.zip');
    await archiveExperiment(src, zip);
    const png = (await readZipEntries(zip)).find((e) => e.name === 'exp/clean/b/2.png');
    const bytes = await readFile(zip);
    const start = (png?.offset ?? 0) + 30 + bytes.readUInt16LE((png?.offset ?? 0) + 26) + bytes.readUInt16LE((png?.offset ?? 0) + 28);
    bytes[start + 20] ^= 0xff;
    await writeFile(zip, bytes);
    const dest = join(root, 'out');
    expect(await failure(unarchiveExperiment(zip, dest), 'bad-experiment')).toMatch(/clean\/b\/2\.png is damaged/);
    expect(existsSync(dest)).toBe(false);
    expect((await readdir(root)).sort()).toEqual(['exp', 'exp.zip']);
  });

  it('refuses archives that are not experiment archives or that escape their folder', async () => {
    const plain = join(root, 'plain.zip');
    await writeFile(plain, zipSync({ 'a.txt': new TextEncoder().encode('hi') }));
    expect(await failure(unarchiveExperiment(plain, join(root, 'o1')), 'bad-experiment')).toMatch(/not a Printshot experiment archive/);
    await writeFile(join(root, 'junk.zip'), 'not a zip at all');
    expect(await failure(unarchiveExperiment(join(root, 'junk.zip'), join(root, 'o2')), 'bad-experiment')).toMatch(/not a zip/);

    const evil = new TextEncoder().encode('owned');
    const index = { format: 'printshot-experiment-archive', version: 1, experiment: { id: 'x', name: 'x' }, createdAt: new Date().toISOString(), files: [{ path: '../evil.txt', size: 5, sha256: '0'.repeat(64) }] };
    await writeFile(join(root, 'slip.zip'), zipSync({ 'e/../evil.txt': evil, 'e/.printshot-archive.json': new TextEncoder().encode(JSON.stringify(index)) }));
    expect(await failure(unarchiveExperiment(join(root, 'slip.zip'), join(root, 'o3')), 'bad-experiment')).toMatch(/damaged archive index/);
    expect(existsSync(join(root, 'evil.txt'))).toBe(false);
    expect(existsSync(join(root, 'o3'))).toBe(false);
  });
});
