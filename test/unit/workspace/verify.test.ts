/**
 * The verified reader: a recorded file whose bytes differ, that is missing, or that is a link
 * out of the experiment is one error naming the file, both hashes and the `check` fix; an
 * unchanged file passes, and a file changed later in the same process is hashed again.
 */
import { mkdtemp, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src/images';
import { createExperiment, openExperiment, sha256, writeCleanImages } from '../../../src/workspace';
import { fileState, readVerified, readVerifiedImage, recordedInputs, verifyFiles } from '../../../src/workspace/verify';
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
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'results', 'many'), { recursive: true });
    await Promise.all(many.map((r) => writeFile(join(dir, r.file), png)));
    await verifyFiles(dir, many);
    // Second pass: served from the per-process cache; one changed file is still caught.
    await writeFile(join(dir, many[1234].file), await encodePng(pattern(28, 28, 1, 4)));
    await expect(verifyFiles(dir, many)).rejects.toThrow(`${many[1234].file} was modified`);
  });
});
