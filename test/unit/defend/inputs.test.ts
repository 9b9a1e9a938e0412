/**
 * The input errors of `printshot harden|distill` that need no PyTorch: each is one specific
 * PrintshotError before any training starts, and nothing the user owns is touched.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython, runDistill, runHarden } from '../../../src/services/defend';
import { runCli } from '../cli/run-cli';
import { removeTempDirs, tempDir, writeSampleIdx } from './fixtures';

let tmp = '';
let data = '';
beforeAll(async () => {
  tmp = await tempDir();
  data = await writeSampleIdx(join(tmp, 'data'));
});
afterAll(removeTempDirs);

describe('harden / distill input errors', () => {
  it('a missing or incomplete data folder is bad-dataset, naming what is missing', async () => {
    await expect(runHarden({ data: join(tmp, 'nope'), out: join(tmp, 'o') })).rejects.toMatchObject({ code: 'bad-dataset', message: expect.stringContaining('data folder not found') });
    const partial = join(tmp, 'partial-data');
    await mkdir(partial);
    await writeFile(join(partial, 'train-images-idx3-ubyte.gz'), '');
    await expect(runDistill({ data: partial, out: join(tmp, 'o') })).rejects.toMatchObject({ code: 'bad-dataset', message: expect.stringContaining('has no train-labels-idx1-ubyte.gz') });
  });

  it('a folder without model.json is bad-model', async () => {
    const empty = await tempDir();
    await expect(runHarden({ data, model: empty, out: join(tmp, 'o') })).rejects.toMatchObject({ code: 'bad-model', message: expect.stringContaining('no model.json') });
  });

  it('an existing output folder is refused and left alone', async () => {
    const out = join(tmp, 'mine');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'keep me');
    await expect(runHarden({ data, out })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('already exists'), hint: expect.stringContaining('--force') });
    expect(await readdir(out)).toEqual(['notes.txt']);
  });

  it('parameters out of range are bad-argument', async () => {
    await expect(runHarden({ data, out: join(tmp, 'o'), eps: 300 })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('--eps 300') });
    await expect(runHarden({ data, out: join(tmp, 'o'), alpha: 1.5 })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('--alpha 1.5') });
    await expect(runDistill({ data, out: join(tmp, 'o'), temperature: 0 })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('--temperature 0') });
  });

  it('no python, or a python without torch, says what to install', async () => {
    await expect(runHarden({ data, out: join(tmp, 'o'), python: join(tmp, 'no-such-python') })).rejects.toMatchObject({ code: 'io', message: expect.stringContaining('python not found') });
    expect(findPython({ PRINTSHOT_PYTHON: '/opt/py/bin/python3' })).toBe('/opt/py/bin/python3');
  });

  it.skipIf(!existsSync('/usr/bin/python3'))('a python without torch says to install python3-torch', async () => {
    // -S skips site-packages, where Debian's python3-torch lives: this python cannot import torch.
    const fake = join(tmp, 'python-without-torch');
    await writeFile(fake, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(fake, 0o755);
    await expect(runHarden({ data, out: join(tmp, 'o'), python: fake })).rejects.toMatchObject({ code: 'io', message: expect.stringContaining('cannot import PyTorch'), hint: expect.stringContaining('python3-torch') });
    expect(existsSync(join(tmp, 'o.partial'))).toBe(false);
  });

  it('the CLI prints one error line and exits 1', () => {
    const r = runCli(['harden', '--data', join(tmp, 'nope'), '--out', join(tmp, 'o')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: data folder not found: .*nope \(point --data at a folder/);
    const usage = runCli(['distill', '--temperature', '-1', '--out', join(tmp, 'o')]);
    expect(usage.code).toBe(2);
  });
});
