/** downloadFile against a loopback server: resume after a dropped connection, checksums, 404, redirects. */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrintshotError } from '../../../src/shared';
import { downloadFile } from '../../../src/zoo';
import { startServer, type TestServer } from './server';

let server: TestServer;
let dir: string;
const body = randomBytes(300_000);
const sha = createHash('sha256').update(body).digest('hex');

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'printshot-dl-'));
  server.files.clear();
  server.files.set('/f.bin', body);
  server.log.length = 0;
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<PrintshotError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  return err as PrintshotError;
}

describe('downloadFile', () => {
  it('downloads, verifies and reports progress', async () => {
    const seen: number[] = [];
    const r = await downloadFile(`${server.base}/f.bin`, join(dir, 'f.bin'), { sha256: sha, onProgress: (p) => seen.push(p.received) });
    expect(r).toMatchObject({ bytes: body.length, sha256: sha, resumed: false });
    expect(seen.at(-1)).toBe(body.length);
    expect(existsSync(join(dir, 'f.bin.part'))).toBe(false);
  });

  it('resumes an interrupted download with an HTTP Range request', async () => {
    server.cutOnce.set('/f.bin', 100_000);
    const dest = join(dir, 'f.bin');
    const err = await failure(downloadFile(`${server.base}/f.bin`, dest, { sha256: sha, retries: 0 }));
    expect(err.code).toBe('io');
    expect(err.message).toMatch(/after \d+ of 300000 bytes/);
    expect(err.hint).toMatch(/resume/);
    const partial = (await stat(`${dest}.part`)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(body.length);
    expect(existsSync(dest)).toBe(false);

    const r = await downloadFile(`${server.base}/f.bin`, dest, { sha256: sha, retries: 0 });
    expect(r).toMatchObject({ resumed: true, sha256: sha });
    expect(server.log.map((l) => l.range)).toEqual([undefined, `bytes=${partial}-`]);
    expect(Buffer.compare(await readFile(dest), body)).toBe(0);
  });

  it('retries by itself, resuming, and retries a 503', async () => {
    server.cutOnce.set('/f.bin', 50_000);
    server.failOnce.add('/f.bin');
    const r = await downloadFile(`${server.base}/f.bin`, join(dir, 'f.bin'), { sha256: sha, retries: 2, retryDelayMs: 1 });
    expect(r.sha256).toBe(sha);
    expect(server.log).toHaveLength(3);
    expect(server.log[2].range).toMatch(/^bytes=\d+-$/);
  });

  it('deletes the download and fails clearly on a checksum mismatch', async () => {
    const dest = join(dir, 'f.bin');
    const err = await failure(downloadFile(`${server.base}/f.bin`, dest, { sha256: '0'.repeat(64) }));
    expect(err.message).toMatch(new RegExp(`checksum mismatch for f\\.bin .*expected sha256 0{64}, got ${sha}`));
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('fails on a 404 without retrying or leaving files', async () => {
    const err = await failure(downloadFile(`${server.base}/missing.bin`, join(dir, 'm.bin'), { retries: 3, retryDelayMs: 1 }));
    expect(err.message).toBe(`${server.base}/missing.bin: HTTP 404 Not Found (not found)`);
    expect(server.log).toHaveLength(1);
    expect(existsSync(join(dir, 'm.bin.part'))).toBe(false);
  });

  it('follows a 302 redirect', async () => {
    server.redirects.set('/old/f.bin', '/f.bin');
    const r = await downloadFile(`${server.base}/old/f.bin`, join(dir, 'f.bin'), { sha256: sha });
    expect(r.sha256).toBe(sha);
    expect(server.log.map((l) => l.path)).toEqual(['/old/f.bin', '/f.bin']);
  });

  it('starts over when the server ignores Range, and finishes a .part that is already whole', async () => {
    const dest = join(dir, 'f.bin');
    await writeFile(`${dest}.part`, 'stale bytes from another file');
    server.ignoreRange.add('/f.bin');
    expect((await downloadFile(`${server.base}/f.bin`, dest, { sha256: sha })).resumed).toBe(false);
    expect(Buffer.compare(await readFile(dest), body)).toBe(0);

    server.ignoreRange.clear();
    await rm(dest);
    await writeFile(`${dest}.part`, body);
    const r = await downloadFile(`${server.base}/f.bin`, dest, { sha256: sha }); // server answers 416
    expect(r).toMatchObject({ resumed: true, bytes: body.length });
  });

  it('can be cancelled', async () => {
    const ctl = new AbortController();
    ctl.abort();
    expect((await failure(downloadFile(`${server.base}/f.bin`, join(dir, 'f.bin'), { signal: ctl.signal }))).code).toBe('cancelled');
  });
});
