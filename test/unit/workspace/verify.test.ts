/**
 * The verified reader: a recorded file whose bytes differ, that is missing, or that is a link
 * out of the experiment is one error naming the file, both hashes and the `check` fix; an
 * unchanged file passes, and a file changed later in the same process is hashed again.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src/images';
import { experimentRunPairs } from '../../../src/services/evaluate-job';
import { completeRun, createExperiment, openExperiment, sha256, startRun, writeAdversarialImage, writeCleanImages, writeRunManifest, type RunRecord } from '../../../src/workspace';
import { fileState, readVerified, readVerifiedImage, recordedInputs, verifyFiles, verifyFolder } from '../../../src/workspace/verify';
import { images, init } from '../../fixtures/images/experiment';
import { pattern, tempDir } from '../../fixtures/images/make';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await createExperiment(dir, init());
  await writeCleanImages(dir, images());
});
afterEach(async () => cleanup());

const recs = async () => recordedInputs(await openExperiment(dir), []);

describe('verified reader', () => {
  it('returns the recorded bytes and pixels of an intact file', async () => {
    const [a] = await recs();
    expect(a.file).toBe('clean/a/1.png');
    expect(sha256(await readVerified(dir, a))).toBe(a.sha256);
    const img = await readVerifiedImage(dir, a);
    expect(Buffer.from(img.data)).toEqual(Buffer.from(images()[1].image.data));
    await expect(verifyFiles(dir, await recs())).resolves.toBeUndefined();
  });

  it('names a replaced file with both hash prefixes and the check --repair fix', async () => {
    const [a, b] = await recs();
    const replacement = await encodePng(pattern(8, 8, 1, 42));
    await writeFile(join(dir, a.file), replacement);
    const message = `clean image ${a.file} was modified after it was recorded: sha256 ${sha256(replacement).slice(0, 12)}…, recorded ${a.sha256.slice(0, 12)}…`;
    await expect(readVerified(dir, a)).rejects.toMatchObject({ code: 'bad-experiment', message, hint: expect.stringContaining(`printshot check --experiment ${dir}`) });
    await expect(readVerifiedImage(dir, a)).rejects.toThrow(message);
    await expect(readVerified(dir, b)).resolves.toBeInstanceOf(Buffer);
    // The batch check names the first bad file and how many more there are.
    await unlink(join(dir, b.file));
    await expect(verifyFiles(dir, [a, b])).rejects.toThrow(`${message} (and 1 more file(s))`);
    await expect(verifyFiles(dir, [b])).rejects.toThrow(`clean image ${b.file} is missing`);
  });

  it('hashes a file again once it changed in the same process, even with its old mtime', async () => {
    const [a] = await recs();
    expect(await fileState(dir, a)).toEqual({ state: 'ok' });
    const replacement = await encodePng(pattern(8, 8, 1, 7));
    await writeFile(join(dir, a.file), replacement);
    await utimes(join(dir, a.file), new Date(0), new Date(0));
    expect(await fileState(dir, a)).toEqual({ state: 'changed', actual: sha256(replacement) });
  });

  it('follows a link inside the experiment and refuses one leading outside it', async () => {
    const [a, b] = await recs();
    const outside = await mkdtemp(join(tmpdir(), 'printshot-outside-'));
    try {
      // Inside: clean/a/1.png → a copy elsewhere in the experiment, same bytes: still verified.
      await writeFile(join(dir, 'results', 'copy.png'), await readVerified(dir, a));
      await unlink(join(dir, a.file));
      await symlink(join(dir, 'results', 'copy.png'), join(dir, a.file));
      expect(await fileState(dir, a)).toEqual({ state: 'ok' });
      // Outside: the same bytes, but from a folder the experiment does not own.
      await writeFile(join(outside, 'b.png'), await readVerified(dir, b));
      await unlink(join(dir, b.file));
      await symlink(join(outside, 'b.png'), join(dir, b.file));
      expect(await fileState(dir, b)).toEqual({ state: 'outside' });
      await expect(readVerified(dir, b)).rejects.toThrow(`clean image ${b.file} is a link leading outside the experiment folder`);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('checks 2,000 recorded files, each hashed once per process', async () => {
    const png = await encodePng(pattern(28, 28, 1, 3));
    const many = Array.from({ length: 2000 }, (_, i) => ({ file: `results/many/${i}.png`, sha256: sha256(png) }));
    await mkdir(join(dir, 'results', 'many'), { recursive: true });
    await Promise.all(many.map((r) => writeFile(join(dir, r.file), png)));
    await verifyFiles(dir, many);
    // Second pass: served from the per-process cache; one changed file is still caught.
    await writeFile(join(dir, many[1234].file), await encodePng(pattern(28, 28, 1, 4)));
    await expect(verifyFiles(dir, many)).rejects.toThrow(`${many[1234].file} was modified`);
  });
});

/** A complete fgsm run over the fixture images (adversarial = pattern seed 9 + i). */
async function completeFgsmRun(): Promise<RunRecord> {
  const run = await startRun(dir, { method: 'fgsm', eps: 8 });
  const rows = [];
  for (const [i, { relPath, label }] of images().entries()) {
    const { file, sha256: sha } = await writeAdversarialImage(dir, run, relPath, pattern(8, 8, 1, 9 + i));
    const top5 = [{ label, prob: 0.9 }];
    rows.push({ relPath, label, file, sha256: sha, cleanTop5: top5, advTop5: top5, success: false, linf: 8, l2: 20, steps: 1 });
  }
  await writeRunManifest(dir, run, {
    schemaVersion: 1, runId: run.id, method: 'fgsm', params: { eps: 8 }, seed: 0, modelFingerprint: init().model.fingerprint,
    backend: 'cpu', startedAt: run.createdAt, finishedAt: new Date().toISOString(), images: rows,
  });
  await completeRun(dir, run.id);
  return run;
}

describe('readers built on it', () => {
  it('experimentRunPairs (CLI evaluate and the engine eval:run) pairs a run in manifest order, verified', async () => {
    const run = await completeFgsmRun();
    const pairs = await experimentRunPairs(dir, run, { channels: 1 });
    expect(pairs.relPaths).toEqual(['b/2.png', 'a/1.jpg']);
    expect(pairs.labels).toEqual([1, 0]);
    expect(Buffer.from(pairs.clean[1].data)).toEqual(Buffer.from(images()[1].image.data));
    expect(Buffer.from(pairs.adversarial[0].data)).toEqual(Buffer.from(pattern(8, 8, 1, 9).data));
    // The case: an adversarial PNG replaced by its clean image.
    await writeFile(join(dir, run.dir, 'a/1.png'), await readVerified(dir, (await recs())[0]));
    await expect(experimentRunPairs(dir, run, { channels: 1 })).rejects.toThrow(`adversarial image ${run.dir}/a/1.png was modified after it was recorded`);
  });

  it('verifyFolder refuses an image the experiment does not record, and a changed one', async () => {
    const run = await completeFgsmRun();
    const exp = await openExperiment(dir);
    await verifyFolder(dir, exp, join(dir, run.dir));
    await verifyFolder(dir, exp, join(dir, 'clean'));
    // Folders outside clean/ and adversarial/ hold no recorded images (photo crops, results): not checked.
    await writeFile(join(dir, 'results', 'crop.png'), await encodePng(pattern(8, 8, 1, 5)));
    await verifyFolder(dir, exp, join(dir, 'results'));
    await writeFile(join(dir, run.dir, 'a/extra.png'), await encodePng(pattern(8, 8, 1, 5)));
    await expect(verifyFolder(dir, exp, join(dir, run.dir))).rejects.toThrow(`${run.dir}/a/extra.png in ${join(dir, run.dir)} is not recorded in experiment.json or a run manifest`);
    await unlink(join(dir, run.dir, 'a/extra.png'));
    await writeFile(join(dir, 'clean/b/2.png'), await encodePng(pattern(8, 8, 1, 6)));
    await expect(verifyFolder(dir, exp, join(dir, 'clean'))).rejects.toThrow('clean image clean/b/2.png was modified');
  });

  it('writeCleanImages (attack) refuses a changed clean PNG instead of rewriting it, and restores a missing one', async () => {
    const [a, b] = await recs();
    const changed = await encodePng(pattern(8, 8, 1, 42));
    await writeFile(join(dir, a.file), changed);
    await expect(writeCleanImages(dir, images())).rejects.toMatchObject({
      code: 'bad-experiment',
      message: expect.stringMatching(/^clean image clean\/a\/1\.png was modified after it was recorded/),
      hint: expect.stringContaining('check --repair'),
    });
    expect(sha256(await readFile(join(dir, a.file)))).toBe(sha256(changed));
    await writeFile(join(dir, a.file), await encodePng(images()[1].image));
    await unlink(join(dir, b.file));
    await writeCleanImages(dir, images());
    await expect(verifyFiles(dir, [a, b])).resolves.toBeUndefined();
  });
});
