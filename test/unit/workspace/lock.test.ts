/**
 * The experiment lock (src/workspace/lock.ts): one writer per folder across processes, stale
 * locks of dead local processes taken over by exactly one taker, foreign-host locks refused,
 * waiting, re-entrancy within a process, release on error and on signals.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireExperimentLock, holdsExperimentLock, LOCK_FILE, readLock, withExperimentLock, type LockInfo } from '../../../src/workspace/lock';
import { listFiles } from '../../../src/workspace/check-files';
import { isLockFile } from '../../../src/workspace/lock-file';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const scripts = mkdtempSync(path.join(tmpdir(), 'printshot-lock-children-'));
let scriptCount = 0;

/** A child process that takes the lock with `wait` ms, prints won/locked, holds it `holdMs`, exits. */
function child(dir: string, holdMs: number, wait = 0) {
  const code = `
    import { acquireExperimentLock } from ${JSON.stringify(path.join(ROOT, 'src/workspace/lock.ts'))};
    try {
      const release = await acquireExperimentLock(${JSON.stringify(dir)}, 'test child', { wait: ${wait} });
      console.log('won');
      await new Promise((r) => setTimeout(r, ${holdMs}));
      await release();
    } catch (e) { console.log(e.code === 'locked' ? 'locked: ' + e.message : 'error: ' + e.message); }
  `;
  // node itself (tsx as a loader, not its wrapper process), so signals reach the lock holder.
  const script = path.join(scripts, `child-${scriptCount++}.mts`);
  writeFileSync(script, code);
  const p = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const done = new Promise<string>((resolve) => p.on('close', () => resolve(out.trim())));
  const started = new Promise<string>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { proc: p, done, started };
}

/** A pid that surely belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

async function plantLock(dir: string, over: Partial<LockInfo>): Promise<void> {
  const info: LockInfo = { pid: deadPid(), host: hostname(), command: 'printshot attack', startedAt: new Date(Date.now() - 3 * 3600_000).toISOString(), token: 'planted', ...over };
  await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(info));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'printshot-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterAll(() => rm(scripts, { recursive: true, force: true }));

describe('experiment lock', () => {
  it('records pid, host, command and start time, and removes the file on release', async () => {
    const release = await acquireExperimentLock(dir, 'printshot attack');
    const info = await readLock(dir);
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), command: 'printshot attack' });
    expect(Date.now() - new Date((info as LockInfo).startedAt).getTime()).toBeLessThan(5000);
    await release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a second process with one message naming the holder, and lets it wait instead', async () => {
    const release = await acquireExperimentLock(dir, 'printshot attack');
    const refused = await child(dir, 0).done;
    expect(refused).toMatch(new RegExp(`^locked: experiment .+ is locked by \`printshot attack\` \\(pid ${process.pid} on host ${hostname()}, since \\d\\d:\\d\\d:\\d\\d\\)$`));
    const waiter = child(dir, 0, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    await release();
    expect(await waiter.done).toBe('won');
  });

  it('gives up waiting after --wait with the holder named', async () => {
    const holder = child(dir, 4000);
    await holder.started;
    const t0 = Date.now();
    await expect(acquireExperimentLock(dir, 'printshot report', { wait: 600 })).rejects.toMatchObject({ code: 'locked', message: expect.stringContaining('`test child`') });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    holder.proc.kill('SIGKILL');
    await holder.done;
  });

  it('takes over the stale lock of a SIGKILLed holder', async () => {
    const holder = child(dir, 60_000);
    await holder.started;
    const before = (await readLock(dir)) as LockInfo;
    holder.proc.kill('SIGKILL');
    await holder.done;
    expect(((await readLock(dir)) as LockInfo).pid).toBe(before.pid); // left behind
    await withExperimentLock(dir, 'printshot attack', async () => {
      expect(((await readLock(dir)) as LockInfo).pid).toBe(process.pid);
    });
  });

  it('lets exactly one of several racing processes take over a stale lock', async () => {
    await plantLock(dir, {});
    // Winners hold on until every racer has reported, so a slow starter cannot arrive after a release.
    const racers = Array.from({ length: 4 }, () => child(dir, 60_000));
    const outcomes = await Promise.all(racers.map((r) => r.started));
    for (const r of racers) r.proc.kill('SIGKILL');
    await Promise.all(racers.map((r) => r.done));
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o.startsWith('locked: '))).toHaveLength(3);
  });

  it('refuses a lock from another host with its age, and breaks it only when asked', async () => {
    await plantLock(dir, { host: 'lab-pc-7', pid: process.pid });
    const err = await acquireExperimentLock(dir, 'printshot attack').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'locked', message: expect.stringMatching(/on host lab-pc-7, since .*, 3 h 0 min ago\)$/), hint: expect.stringContaining('--break-lock') });
    expect(((await readLock(dir)) as LockInfo).host).toBe('lab-pc-7');
    await withExperimentLock(dir, 'printshot attack', async () => expect(((await readLock(dir)) as LockInfo).host).toBe(hostname()), { breakLock: true });
  });

  it('never breaks a live local holder, even with breakLock', async () => {
    const holder = child(dir, 5000);
    await holder.started;
    await expect(acquireExperimentLock(dir, 'x', { breakLock: true })).rejects.toMatchObject({ code: 'locked' });
    holder.proc.kill('SIGKILL');
    await holder.done;
  });

  it('is re-entrant within one process and held until the outermost release', async () => {
    await withExperimentLock(dir, 'printshot robustness', async () => {
      await withExperimentLock(dir, 'attack job', async () => {
        expect(holdsExperimentLock(dir)).toBe(true);
      });
      expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
      expect(((await readLock(dir)) as LockInfo).command).toBe('printshot robustness');
    });
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('shares the lock between concurrent acquisitions of one process instead of refusing itself', async () => {
    const [a, b] = await Promise.all([acquireExperimentLock(dir, 'job a'), acquireExperimentLock(dir, 'job b')]);
    await a();
    expect(holdsExperimentLock(dir)).toBe(true);
    await b();
    expect(holdsExperimentLock(dir)).toBe(false);
  });

  it('is released when the locked work throws', async () => {
    await expect(withExperimentLock(dir, 'printshot attack', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(holdsExperimentLock(dir)).toBe(false);
  });

  it('is released when the process is ended by SIGTERM', async () => {
    const holder = child(dir, 60_000);
    await holder.started;
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    holder.proc.kill('SIGTERM');
    await holder.done;
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('creates a missing experiment folder for the lock and removes it again when nothing was written', async () => {
    const fresh = path.join(dir, 'new-exp');
    await withExperimentLock(fresh, 'printshot attack', async () => expect(existsSync(fresh)).toBe(true));
    expect(existsSync(fresh)).toBe(false);
    const deep = path.join(dir, 'a', 'b', 'exp');
    await withExperimentLock(deep, 'printshot attack', async () => expect(existsSync(deep)).toBe(true));
    expect(existsSync(path.join(dir, 'a'))).toBe(false);
    expect(existsSync(dir)).toBe(true);
    await writeFile(path.join(dir, 'a-file'), '');
    await expect(acquireExperimentLock(path.join(dir, 'a-file', 'exp'), 'x')).rejects.toMatchObject({ code: 'io', message: expect.stringContaining('cannot create the experiment folder') });
    await withExperimentLock(fresh, 'printshot attack', () => writeFile(path.join(fresh, 'experiment.json'), '{}'));
    expect(await readFile(path.join(fresh, 'experiment.json'), 'utf8')).toBe('{}');
  });

  it('names the lock and its helper files so check, duplicate and archive leave them out', async () => {
    expect(isLockFile(LOCK_FILE)).toBe(true);
    expect(isLockFile(`${LOCK_FILE}.breaking`)).toBe(true);
    expect(isLockFile('experiment.json')).toBe(false);
    await writeFile(path.join(dir, 'experiment.json'), '{}');
    await withExperimentLock(dir, 'printshot attack', async () => {
      expect([...(await listFiles(dir)).files]).toEqual(['experiment.json']);
    });
  });
});
