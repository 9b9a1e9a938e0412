/**
 * A job killed mid-run (SIGKILL, no chance to clean up) leaves an experiment that opens, whose
 * files are all complete, and whose run reads as interrupted. Running the same command again
 * resumes that run in place: one run, complete, with PNGs byte-identical to an uninterrupted run
 * of the same seed, and `check` reports nothing incomplete. Also when the kill comes before the
 * first batch is persisted.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readImage8 } from '../../../src/images';
import { effectiveStatus, openExperiment, readRunManifest, sha256 } from '../../../src/workspace';
import { runCliAsync, spawnCli } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BIM = ['attack', '--method', 'bim', '--eps', '16', '--iterations', '5', '--seed', '3'];
let reference: Map<string, string>;

function pngsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** sha256 of every PNG of the experiment's only run, by path inside the run folder. */
async function runPngs(out: string): Promise<Map<string, string>> {
  const [run] = (await openExperiment(out)).runs;
  const dir = join(out, run.dir);
  return new Map(pngsUnder(dir).map((f) => [relative(dir, f), sha256(readFileSync(f))]));
}

/** Starts `args` and SIGKILLs it once `ready()` holds (polled); fails if the job ends first. */
async function killWhen(args: string[], ready: () => boolean): Promise<void> {
  const child = spawnCli(args);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (!ready()) return;
      clearInterval(timer);
      child.kill('SIGKILL');
      resolve();
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('attack finished before it could be killed'));
    });
  });
  await new Promise((r) => child.on('close', r));
}

/** The same command again, then `check`: one complete run, nothing incomplete, the reference bytes. */
async function rerunAndCheck(out: string, args: string[]): Promise<void> {
  const again = await runCliAsync([...args, '--out', out, '--json']);
  expect(again.code, again.stderr).toBe(0);
  const exp = await openExperiment(out);
  expect(exp.runs).toHaveLength(1);
  expect(exp.runs[0].status).toBe('complete');
  expect(JSON.parse(again.stdout)).toMatchObject({ run: { id: exp.runs[0].id }, resumedFrom: expect.any(Number) });
  expect(await runPngs(out)).toEqual(reference);
  const check = await runCliAsync(['check', '--experiment', out, '--json']);
  expect(check.code, check.stderr).toBe(0);
  const report = JSON.parse(check.stdout) as { runs: { status: string }[]; verdict: string; problems: { kind: string }[] };
  expect(report.runs.map((r) => r.status)).toEqual(['complete']);
  expect(report.verdict).not.toMatch(/incomplete/);
  // Not even a stray temp file: resuming removed those the killed writer left.
  expect(report.problems).toEqual([]);
}

beforeAll(async () => {
  const out = join(tmp, 'reference');
  const r = await runCliAsync([...BIM, '--batch', '8', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  reference = await runPngs(out);
  expect(reference.size).toBe(200);
}, 180_000);

it('SIGKILL during a BIM run: only complete files, the run reads interrupted, and the same command finishes it byte-identically', async () => {
  const out = join(tmp, 'mid');
  // Kill once the run has written some, but not all, adversarial images.
  await killWhen([...BIM, '--batch', '8', '--out', out], () => pngsUnder(join(out, 'adversarial')).length >= 16);

  const exp = await openExperiment(out);
  expect(exp.runs).toHaveLength(1);
  expect(exp.runs[0].status).toBe('running');
  expect(effectiveStatus(exp.runs[0])).toBe('interrupted');
  const written = pngsUnder(join(out, exp.runs[0].dir));
  expect(written.length).toBeGreaterThan(0);
  expect(written.length).toBeLessThan(200);
  // A kill during a write can leave the atomic writer's hidden temp file (printshot check reports
  // it, --repair removes it), never a truncated PNG: every PNG that exists decodes completely.
  for (const f of written) {
    expect(f).toMatch(/(\.png$)|(\/\.[^/]+\.tmp-[^/]+$)/);
    if (f.endsWith('.png')) await expect(readImage8(f)).resolves.toMatchObject({ width: 28, height: 28 });
  }
  // The manifest lists whole batches only.
  const m = await readRunManifest(out, exp.runs[0]);
  expect(m.finishedAt).toBeUndefined();
  expect(m.images.length % 8).toBe(0);

  await rerunAndCheck(out, [...BIM, '--batch', '8']);
}, 240_000);

it('SIGKILL before the first batch is persisted: the same command finishes the run byte-identically', async () => {
  const out = join(tmp, 'early');
  // One batch of all 200 images: nothing is persisted until the whole job is done.
  const args = [...BIM, '--batch', '200', '--workers', '1'];
  const listed = (): boolean => {
    try {
      return (JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8')) as { runs: unknown[] }).runs.length === 1;
    } catch {
      return false;
    }
  };
  await killWhen([...args, '--out', out], listed);
  const [run] = (await openExperiment(out)).runs;
  expect(effectiveStatus(run)).toBe('interrupted');
  expect((await readRunManifest(out, run)).images).toEqual([]);

  await rerunAndCheck(out, args);
}, 240_000);
