/**
 * The lock file itself (see lock.ts for the protocol): its record, how it is created atomically,
 * how a stale one is removed by exactly one process, and the "locked" message that names the holder.
 */
import { link, open, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { PrintshotError } from '../shared';

export const LOCK_FILE = '.printshot.lock';
const GUARD_SUFFIX = '.breaking';
/** A guard older than this was left by a process killed mid-takeover (a takeover takes milliseconds). */
const GUARD_STALE_MS = 10_000;
/** A lock file that stays unreadable this long is debris, not a lock being written. */
export const UNREADABLE_STALE_MS = 10_000;

export interface LockInfo {
  pid: number;
  host: string;
  /** What holds it, e.g. "printshot attack" or "the workbench (attack job)". */
  command: string;
  startedAt: string;
  /** Unique per acquisition: release removes the file only while it is still ours. */
  token: string;
}

export function lockPath(dir: string): string {
  return join(resolve(dir), LOCK_FILE);
}

/** Whether a process with this id exists on this machine (signal 0 only probes). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's record, or undefined when there is no lock; 'unreadable' for a broken file. */
export async function readLock(dir: string): Promise<LockInfo | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath(dir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const o = JSON.parse(text) as Partial<LockInfo>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') {
      return { pid: o.pid, host: o.host, command: String(o.command ?? 'printshot'), startedAt: String(o.startedAt ?? ''), token: o.token };
    }
  } catch {
    // fall through: half-written or foreign content
  }
  return 'unreadable';
}

function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? 'an unknown time' : d.toTimeString().slice(0, 8);
}

/** "3 min", "2 h 5 min": how long ago a lock was taken. */
export function formatAge(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h} h ${min % 60} min` : `${Math.floor(h / 24)} days`;
}

export function lockedError(dir: string, info: LockInfo, hint?: string): PrintshotError {
  const since = clock(info.startedAt);
  const foreign = info.host !== hostname();
  const age = foreign ? `, ${formatAge(Date.now() - new Date(info.startedAt).getTime())} ago` : '';
  return new PrintshotError(
    'locked',
    `experiment ${dir} is locked by \`${info.command}\` (pid ${info.pid} on host ${info.host}, since ${since}${age})`,
    foreign
      ? `if nothing runs there any more, pass --break-lock (see docs/experiments.md, "One writer at a time")`
      : (hint ?? 'wait for it or pass --wait 10m'),
  );
}

/** Removes the lock file if it still holds `token` (or is unreadable when token is undefined), under the guard. */
export async function removeStale(file: string, judged: LockInfo | 'unreadable'): Promise<void> {
  const guard = file + GUARD_SUFFIX;
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > GUARD_STALE_MS) await rm(guard, { force: true });
    return; // someone else is taking over; the caller retries
  }
  try {
    const now = await readLock(dirname(file));
    const same = judged === 'unreadable' ? now === 'unreadable' : now !== undefined && now !== 'unreadable' && now.token === judged.token;
    if (same) await unlink(file).catch(() => undefined);
  } finally {
    await rm(guard, { force: true });
  }
}

/** One attempt: true when the lock was created, false when a lock file exists. */
export async function tryCreate(file: string, info: LockInfo): Promise<boolean> {
  const body = `${JSON.stringify(info, null, 2)}\n`;
  const tmp = `${file}.${info.token}`;
  await writeFile(tmp, body, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    // No hard links here (FAT, some network shares): O_EXCL create, written at once.
    try {
      const h = await open(file, 'wx');
      try {
        await h.writeFile(body);
      } finally {
        await h.close();
      }
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Whether a file name is the lock or one of its helper files (not experiment content). */
export function isLockFile(name: string): boolean {
  return basename(name) === LOCK_FILE || basename(name).startsWith(`${LOCK_FILE}.`);
}
