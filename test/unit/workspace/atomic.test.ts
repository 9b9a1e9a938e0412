import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWrite, atomicWriteJson, sha256, sha256File } from '../../../src/workspace';
import { tempDir } from '../../fixtures/images/make';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('sha256', () => {
  it('hashes buffers, strings and files alike', async () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const p = join(dir, 'f');
    await writeFile(p, 'abc');
    expect(await sha256File(p)).toBe(sha256(Buffer.from('abc')));
    await expect(sha256File(join(dir, 'missing'))).rejects.toMatchObject({ code: 'io' });
  });
});

describe('atomicWrite', () => {
  it('creates parent folders, replaces the target and leaves no temp file', async () => {
    const p = join(dir, 'a', 'b', 'out.json');
    await atomicWriteJson(p, { x: 1 });
    expect(await readFile(p, 'utf8')).toBe('{\n  "x": 1\n}\n');
    await atomicWrite(p, Buffer.from('second'));
    expect(await readFile(p, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['out.json']);
  });

  it('on a failed rename removes its temp file and leaves the target as it was', async () => {
    // The target is a non-empty folder: the write succeeds but rename() must fail.
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'precious');
    const err = await atomicWrite(target, 'new').then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'io' });
    expect((err as Error).message).toContain(`${target}: cannot write`);
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('fails cleanly when the parent cannot be created', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(atomicWrite(join(dir, 'file', 'sub', 'x'), 'y')).rejects.toMatchObject({ code: 'io' });
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('concurrent writers never produce a mixed or partial file', async () => {
    const p = join(dir, 'race.bin');
    const payloads = Array.from({ length: 12 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
    const reads: Promise<void>[] = [];
    const writes = payloads.map(async (buf) => {
      await atomicWrite(p, buf);
      reads.push(
        readFile(p).then((got) => {
          expect(got.length).toBe(256 * 1024);
          expect(got.every((b) => b === got[0])).toBe(true);
        }),
      );
    });
    await Promise.all(writes);
    await Promise.all(reads);
    expect(await readdir(dir)).toEqual(['race.bin']);
  });
});
