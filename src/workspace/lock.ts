/**
 * One writer at a time: an advisory lock file in the experiment folder, held by every command
 * and engine job that writes into an experiment (docs/experiments.md, "One writer at a time").
 *
 * - Taken atomically (lock-file.ts): the record is written to a private temp file and
 *   hard-linked into place, so a reader never sees a half-written lock; `wx` where there are
 *   no hard links.
 * - Stale locks: a holder killed with SIGKILL leaves its file. On the same host a dead pid
 *   (kill(pid, 0) → ESRCH) marks it stale; it is removed under a short-lived guard file, so of
 *   two processes that both see the stale lock only one removes it, and both then race for the
 *   lock with the same atomic create (one wins). A lock from another host is never broken
 *   silently: the caller must ask (`breakLock`, the CLI's --break-lock).
 * - Re-entrant per process: a job that calls another writer on the same folder (robustness →
 *   attack → sheet) counts up instead of waiting for itself. Within one process the writes are
 *   already serialised per folder (store.ts), so concurrent jobs of one engine share the lock.
 * - Released on return, on error, at process exit and on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { PrintshotError } from '../shared';
import { LOCK_FILE, lockedError, lockPath, pidAlive, readLock, removeStale, tryCreate, UNREADABLE_STALE_MS, type LockInfo } from './lock-file';

export { formatAge, isLockFile, LOCK_FILE, lockPath, pidAlive, readLock, type LockInfo } from './lock-file';

export interface LockOptions {
  /** How long to wait for another writer, in ms (default 0: fail at once). */
  wait?: number;
  /** Remove a lock held on another host first (the user said so). Live local holders are never broken. */
  breakLock?: boolean;
  /** The hint on the "locked" error (default: the CLI's --wait advice). */
  hint?: string;
  /** Called once when the lock is found held and waiting begins. */
  onWait?: (holder: LockInfo) => void;
  /** Called when `breakLock` removes another host's lock, so the user hears what was broken. */
  onBreak?: (holder: LockInfo) => void;
}

type HolderState = 'alive' | 'dead' | 'foreign';

interface Held {
  count: number;
  info: LockInfo;
  file: string;
  /** The topmost folder created for the lock: removed again, down to it, if nothing else was written. */
  createdDir?: string;
}

const held = new Map<string, Held>();
const acquiring = new Map<string, Promise<Held>>();

function holderState(info: LockInfo): HolderState {
  if (info.host !== hostname()) return 'foreign';
  // Our own pid without an entry in `held` is a leftover of an earlier process that had this pid.
  if (info.pid === process.pid) return held.has(info.token) ? 'alive' : 'dead';
  return pidAlive(info.pid) ? 'alive' : 'dead';
}

/**
 * Takes the experiment lock for `who` and returns its release function. Re-entrant within this
 * process. Throws a 'locked' PrintshotError naming the holder when `wait` runs out.
 */
export async function acquireExperimentLock(dir: string, who: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const file = lockPath(dir);
  for (;;) {
    const mine = [...held.values()].find((h) => h.file === file);
    if (mine) {
      mine.count++;
      return once(() => releaseHeld(mine));
    }
    // Two jobs of this process asking at once: the second joins the first's lock.
    const inFlight = acquiring.get(file);
    if (!inFlight) break;
    await inFlight.catch(() => undefined);
  }
  const attempt = takeLock(file, who, opts);
  acquiring.set(file, attempt);
  try {
    const entry = await attempt;
    return once(() => releaseHeld(entry));
  } finally {
    acquiring.delete(file);
  }
}

async function takeLock(file: string, who: string, opts: LockOptions): Promise<Held> {
  const root = dirname(file);
  const createdDir = await mkdir(root, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new PrintshotError('io', `${root}: cannot create the experiment folder (${e.code ?? e.message})`);
  });
  const info: LockInfo = { pid: process.pid, host: hostname(), command: who, startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + Math.max(0, opts.wait ?? 0);
  let delay = 50;
  let told = false;
  for (;;) {
    if (await tryCreate(file, info)) break;
    const holder = await readLock(root);
    if (holder === undefined) continue; // released between our attempt and the read
    if (holder === 'unreadable') {
      const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > UNREADABLE_STALE_MS) {
        await removeStale(file, 'unreadable');
        continue;
      }
      if (Date.now() >= deadline) {
        throw new PrintshotError('locked', `experiment ${root} is being locked by another process (${LOCK_FILE} is unreadable)`, 'try again in a few seconds');
      }
    } else {
      const state = holderState(holder);
      if (state === 'dead' || (state === 'foreign' && opts.breakLock)) {
        if (state === 'foreign') opts.onBreak?.(holder);
        await removeStale(file, holder);
        continue;
      }
      if (Date.now() >= deadline) throw lockedError(root, holder, opts.hint);
      if (!told) opts.onWait?.(holder);
      told = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(10, deadline - Date.now()))));
    delay = Math.min(1000, delay * 1.5);
  }
  const entry: Held = { count: 1, info, file, ...(createdDir ? { createdDir } : {}) };
  held.set(info.token, entry);
  installExitHooks();
  return entry;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await fn();
  };
}

async function releaseHeld(entry: Held): Promise<void> {
  if (--entry.count > 0) return;
  held.delete(entry.info.token);
  const now = await readLock(dirname(entry.file)).catch(() => undefined);
  if (now && now !== 'unreadable' && now.token === entry.info.token) await unlink(entry.file).catch(() => undefined);
  // A folder made only to hold the lock (the command failed before writing) is removed again.
  if (entry.createdDir) await removeEmptyUpTo(dirname(entry.file), entry.createdDir);
}

/** Removes `dir` and its parents up to `top` (inclusive) while they are empty. */
async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    if (!(await rmdir(d).then(() => true, () => false)) || d === top || dirname(d) === d) return;
  }
}

/** Runs `fn` holding the experiment lock; released however `fn` ends. */
export async function withExperimentLock<T>(dir: string, who: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const release = await acquireExperimentLock(dir, who, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Whether this process holds the lock on `dir` (tests, diagnostics). */
export function holdsExperimentLock(dir: string): boolean {
  const file = lockPath(dir);
  return [...held.values()].some((h) => h.file === file);
}

/** Releases every lock this process holds, synchronously (exit and signal paths). */
export function releaseAllLocksSync(): void {
  for (const [token, entry] of held) {
    held.delete(token);
    try {
      const now = JSON.parse(readFileSync(entry.file, 'utf8')) as Partial<LockInfo>;
      if (now.token === token) unlinkSync(entry.file);
    } catch {
      // gone already, or replaced: not ours to remove
    }
  }
}

let hooked = false;
function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', releaseAllLocksSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // When a command handles the signal itself (a graceful stop), it still writes: keep the
      // lock until it exits. Alone, we release and let the signal end the process as it would have.
      if (process.listenerCount(sig) > 1) return;
      releaseAllLocksSync();
      process.off(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
