/**
 * Resumable, verified HTTP downloads of single files.
 *
 * Bytes go to <dest>.part as they arrive. When a connection drops, the next attempt (an automatic
 * retry, or the next `models pull`) asks for the rest with an HTTP Range request and appends; a
 * server that ignores Range (200 instead of 206) makes it start over. The .part file becomes
 * <dest> only once the body is complete (Content-Length) and, when a sha256 is known, matches it;
 * a mismatch deletes the .part so the next attempt starts clean. Redirects are followed.
 *
 * Without a known sha256 a resumed file is checked by length only; callers pin the hash of the
 * first complete download (see pull.ts) so every later download is verified.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { PrintshotError } from '../shared';

export interface DownloadProgress {
  /** The destination file's name. */
  file: string;
  received: number;
  /** Total bytes when the server said (Content-Length / Content-Range). */
  total: number | null;
}

export interface DownloadOptions {
  /** Expected lowercase hex sha256; null/undefined = not known, only the length is checked. */
  sha256?: string | null;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Further attempts after a dropped connection or a 5xx answer (default 2). */
  retries?: number;
  /** Delay before retry k is k × this (ms, default 500). */
  retryDelayMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Whether some bytes came from an earlier, interrupted attempt. */
  resumed: boolean;
}

/** A failure worth another attempt (dropped connection, short body, 5xx). */
class Retryable extends Error {}

export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  const retries = opts.retries ?? 2;
  let resumed = false;
  for (let attempt = 0; ; attempt++) {
    try {
      resumed = (await fetchInto(url, part, opts)) || resumed;
      break;
    } catch (e) {
      if (opts.signal?.aborted) throw new PrintshotError('cancelled', 'download cancelled');
      if (!(e instanceof Retryable)) throw e;
      if (attempt >= retries) {
        throw new PrintshotError('io', `${url}: ${e.message}`, 'pull again (printshot models pull, or Pull in the Model view): it resumes from where it stopped');
      }
      await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 500) * (attempt + 1)));
    }
  }
  const { bytes, sha256 } = await hashFile(part);
  if (opts.sha256 && sha256 !== opts.sha256.toLowerCase()) {
    await unlink(part).catch(() => undefined);
    throw new PrintshotError(
      'io',
      `checksum mismatch for ${basename(dest)} from ${url}: expected sha256 ${opts.sha256}, got ${sha256}`,
      'the bad download was deleted; try again, and if it persists the file on the server changed',
    );
  }
  await rename(part, dest);
  return { path: dest, bytes, sha256, resumed };
}

/** One HTTP request that appends to (or restarts) the .part file. Returns whether it resumed. */
async function fetchInto(url: string, part: string, opts: DownloadOptions): Promise<boolean> {
  const have = await stat(part).then((s) => s.size, () => 0);
  // identity: byte ranges must refer to the file itself, not a gzip of it.
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (have > 0) headers.range = `bytes=${have}-`;
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'follow', signal: opts.signal });
  } catch (e) {
    throw new Retryable(`cannot connect (${causeOf(e)})`);
  }
  if (res.status === 416 && have > 0) {
    // Nothing left to send: the .part is complete if its size is the whole file.
    await res.body?.cancel();
    const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]);
    if (total === have) return true;
    await unlink(part).catch(() => undefined);
    throw new Retryable('the partial download does not match the file on the server; starting over');
  }
  if (!res.ok) {
    await res.body?.cancel();
    const what = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status >= 500) throw new Retryable(what);
    throw new PrintshotError('io', `${url}: ${what}${res.status === 404 ? ' (not found)' : ''}`);
  }
  let offset = 0;
  let total: number | null = lengthOf(res.headers.get('content-length'));
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      await unlink(part).catch(() => undefined);
      throw new Retryable('the server sent an unexpected range; starting over');
    }
    offset = have;
    total = m[3] === '*' ? null : Number(m[3]);
  }
  const fh = await open(part, offset > 0 ? 'a' : 'w');
  let received = offset;
  const name = basename(part, '.part');
  try {
    opts.onProgress?.({ file: name, received, total });
    if (res.body) {
      for await (const chunk of res.body) {
        await fh.write(chunk);
        received += chunk.length;
        opts.onProgress?.({ file: name, received, total });
      }
    }
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new Retryable(`connection lost after ${received}${total !== null ? ` of ${total}` : ''} bytes (${causeOf(e)})`);
  } finally {
    await fh.close();
  }
  if (total !== null && received !== total) throw new Retryable(`connection closed after ${received} of ${total} bytes`);
  return offset > 0;
}

function lengthOf(v: string | null): number | null {
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message;
}

async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
