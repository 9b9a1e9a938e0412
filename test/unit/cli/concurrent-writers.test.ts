/**
 * One writer at a time, end to end (issue 14): two `printshot attack` processes started together
 * on one experiment. Before the lock, one of them lost its run in 3 of 7 trials ("no run …" after
 * all the compute, its PNGs left unreferenced). Now each either lands (its run is in
 * experiment.json and `check` is clean) or exits 1 with the one-line lock message naming the
 * holder. Also: a SIGKILLed attack's lock is taken over, a lock from another host is refused
 * until --break-lock. Runs the esbuild bundle, built here from the current sources, and small
 * FGSM jobs (8 images), so a trial costs little more than two process start-ups.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExperiment } from '../../../src/workspace';
import { ROOT, type CliResult } from './run-cli';

const BIN = path.join(ROOT, 'bin/printshot.mjs');
const LOCK = '.printshot.lock';
const LOCKED = /^error: experiment .+ is locked by `printshot attack` \(pid \d+ on host .+, since \d\d:\d\d:\d\d\) \(wait for it or pass --wait 10m\)$/m;

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, PRINTSHOT_LOG: 'warn', PRINTSHOT_BUNDLE: 'on' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}
const cli = (args: string[]) => start(args).done;

let work: string;
let images: string;

beforeAll(async () => {
  const b = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
  work = await mkdtemp(path.join(tmpdir(), 'printshot-writers-'));
  // 8 images, one per class: small enough that a trial is start-up plus a fraction of a second.
  images = path.join(work, 'images');
  const samples = path.join(ROOT, 'assets/samples');
  for (const cls of (await readdir(samples)).sort().slice(0, 8)) {
    const first = (await readdir(path.join(samples, cls))).sort()[0];
    await mkdir(path.join(images, cls), { recursive: true });
    await cp(path.join(samples, cls, first), path.join(images, cls, first));
  }
}, 180_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const attack = (out: string, eps: number, extra: string[] = []) => ['attack', '--method', 'fgsm', '--eps', String(eps), '--images', images, '--out', out, '--workers', '1', '--json', ...extra];

async function runIds(exp: string): Promise<string[]> {
  const json = JSON.parse(await readFile(path.join(exp, 'experiment.json'), 'utf8')) as { runs: { id: string }[] };
  return json.runs.map((r) => r.id);
}

describe('two concurrent writers on one experiment', () => {
  it('20 trials: each attack lands or exits with the lock message, and check is clean after every trial', async () => {
    const exp = path.join(work, 'exp');
    const landed: string[] = [];
    let refused = 0;
    for (let trial = 0; trial < 20; trial++) {
      // Different eps per process and trial: every landed attack is a new run of its own.
      const results = await Promise.all([cli(attack(exp, 2 * trial + 1)), cli(attack(exp, 2 * trial + 2))]);
      for (const r of results) {
        if (r.code === 0) {
          landed.push((JSON.parse(r.stdout) as { run: { id: string } }).run.id);
        } else {
          expect(r.code, r.stderr).toBe(1);
          expect(r.stderr.trim()).toMatch(LOCKED);
          refused++;
        }
      }
      expect(results.some((r) => r.code === 0), `trial ${trial}: neither landed`).toBe(true);
      expect(await runIds(exp)).toEqual(expect.arrayContaining(landed));
      expect((await runIds(exp)).length).toBe(landed.length);
      // check's own code in this process (a third process per trial would double the test's time).
      const report = await checkExperiment(exp);
      expect(report.problems, `trial ${trial}`).toEqual([]);
      expect(report.runs.every((r) => r.status === 'complete')).toBe(true);
      expect(existsSync(path.join(exp, LOCK))).toBe(false);
    }
    // Started together, the two overlap: the lock, not luck, kept the runs apart.
    expect(refused).toBeGreaterThan(0);
    expect(landed.length + refused).toBe(40);
    const check = await cli(['check', '--experiment', exp, '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect((JSON.parse(check.stdout) as { problems: unknown[] }).problems).toEqual([]);
  }, 300_000);

  it('--wait lets the second writer land after the first', async () => {
    const exp = path.join(work, 'exp-wait');
    const results = await Promise.all([cli(attack(exp, 4, ['--wait', '2m'])), cli(attack(exp, 8, ['--wait', '2m']))]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(await runIds(exp)).toHaveLength(2);
  }, 120_000);

  it('takes over the lock of a SIGKILLed attack', async () => {
    const exp = path.join(work, 'exp-killed');
    // The default sample set (200 images) with BIM: long enough to be killed while it holds the lock.
    const victim = start(['attack', '--method', 'bim', '--eps', '8', '--iterations', '20', '--out', exp, '--workers', '1']);
    const t0 = Date.now();
    while (!existsSync(path.join(exp, LOCK)) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(path.join(exp, LOCK))).toBe(true);
    const holder = JSON.parse(await readFile(path.join(exp, LOCK), 'utf8')) as { pid: number; command: string };
    expect(holder).toMatchObject({ pid: victim.child.pid, command: 'printshot attack' });
    victim.child.kill('SIGKILL');
    await victim.done;
    expect(existsSync(path.join(exp, LOCK))).toBe(true); // SIGKILL leaves it behind
    const next = await cli(attack(exp, 2));
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(path.join(exp, LOCK))).toBe(false);
  }, 120_000);

  it('every writer command refuses a held lock with the message; check without --repair still reads', async () => {
    const exp = path.join(work, 'exp-writers');
    expect((await cli(attack(exp, 2))).code).toBe(0);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)']);
    try {
      const lock = { pid: holder.pid, host: hostname(), command: 'printshot report', startedAt: new Date().toISOString(), token: 'held' };
      await writeFile(path.join(exp, LOCK), JSON.stringify(lock));
      const writers = [
        attack(exp, 4),
        ['register', '--experiment', exp, '--photos', images],
        ['report', '--experiment', exp, '--out', path.join(work, 'r.json')],
        ['sheet', '--experiment', exp],
        ['evaluate', '--experiment', exp, '--photos'],
        ['calibrate', '--experiment', exp],
        ['check', '--experiment', exp, '--repair'],
        ['runs', 'drop', 'x', '--experiment', exp],
        ['experiments', 'rename', '--experiment', exp, '--name', 'renamed'],
        ['experiments', 'archive', '--experiment', exp, '--out', path.join(work, 'a.zip')],
      ];
      for (const args of writers) {
        const r = await cli(args);
        expect(r.code, `${args.slice(0, 2).join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr.trim()).toBe(`error: experiment ${exp} is locked by \`printshot report\` (pid ${holder.pid} on host ${hostname()}, since ${new Date(lock.startedAt).toTimeString().slice(0, 8)}) (wait for it or pass --wait 10m)`);
      }
      const check = await cli(['check', '--experiment', exp, '--json']);
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(await readFile(path.join(exp, LOCK), 'utf8'))).toEqual(lock);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 180_000);

  it('refuses a lock from another host with its age, and breaks it only with --break-lock', async () => {
    const exp = path.join(work, 'exp-foreign');
    await mkdir(exp, { recursive: true });
    const startedAt = new Date(Date.now() - 25 * 60_000).toISOString();
    const foreign = { pid: process.pid, host: `not-${hostname()}`, command: 'printshot report', startedAt, token: 'abc' };
    await writeFile(path.join(exp, LOCK), JSON.stringify(foreign));
    const refused = await cli(attack(exp, 2));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`locked by \`printshot report\` \\(pid ${process.pid} on host not-${hostname()}, since \\d\\d:\\d\\d:\\d\\d, 25 min ago\\) \\(if nothing runs there any more, pass --break-lock`));
    expect(JSON.parse(await readFile(path.join(exp, LOCK), 'utf8'))).toEqual(foreign);
    const broke = await cli(attack(exp, 2, ['--break-lock']));
    expect(broke.code, broke.stderr).toBe(0);
    expect(broke.stderr).toContain(`breaking the lock of \`printshot report\``);
    expect(await runIds(exp)).toHaveLength(1);
  }, 120_000);
});
