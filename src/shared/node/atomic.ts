/**
 * Crash-safe file writes and content hashes.
 *
 * Every file Printshot writes into an experiment (PNGs, manifests, experiment.json) goes through
 * atomicWrite: a reader, a second job or a crash mid-write sees either the old file or the new
 * one, never a truncated mix. That is what lets an interrupted attack resume by checking which
 * PNGs exist, and what keeps experiment.json parseable after a kill -9.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PrintshotError } from '../errors';

/** Lowercase hex sha256 of a buffer or string (strings are hashed as UTF-8). */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lowercase hex sha256 of a file's bytes, streamed so large files are not held in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    throw ioError(path, 'cannot read', e);
  }
  return hash.digest('hex');
}

/**
 * Writes `data` to `path` atomically: the bytes go to `.<name>.tmp-<pid>-<random>` in the same
 * folder (same filesystem, so rename is atomic), are fsynced, then renamed over the target.
 * Parent folders are created. On any failure the temp file is removed and the target is untouched.
 */
export async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw ioError(dir, 'cannot create folder', e);
  }
  try {
    // 'wx' so two writers can never share a temp file, even with a colliding random suffix.
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(path, 'cannot write', e);
  }
  await syncDir(dir);
}

/** atomicWrite of pretty-printed JSON with a trailing newline (diff- and human-friendly). */
export async function atomicWriteJson(path: string, value: unknown): Promise<void> {
  await atomicWrite(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * fsync the folder so the rename itself survives a power cut. Best effort: Windows cannot open
 * folders for syncing, and losing the rename there only means the old file is still in place.
 */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // ignored on purpose, see above
  }
}

function ioError(path: string, what: string, e: unknown): PrintshotError {
  // Node's message already starts with the errno code (ENOENT, EACCES, ...).
  const reason = e instanceof Error ? e.message : String(e);
  return new PrintshotError('io', `${path}: ${what} (${reason})`);
}
