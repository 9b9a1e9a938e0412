/**
 * A job killed mid-run (SIGKILL, no chance to clean up) leaves an experiment that opens, whose
 * files are all complete, and to which a new run can be added.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readImage8 } from '../../../src/images';
import { openExperiment, readRunManifest } from '../../../src/workspace';
import { runCliAsync, spawnCli } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pngsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

it('a killed attack leaves only complete files and the experiment stays usable', async () => {
  const out = join(tmp, 'exp');
  const child = spawnCli(['attack', '--method', 'bim', '--eps', '16', '--batch', '8', '--out', out]);
  // Kill once the run has written some, but not all, adversarial images.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const n = pngsUnder(join(out, 'adversarial')).length;
      if (n >= 16) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('attack finished before it could be killed'));
    });
  });
  await new Promise((r) => child.on('close', r));

  const exp = await openExperiment(out);
  expect(exp.runs).toHaveLength(1);
  expect(exp.runs[0].status).toBe('running');
  const written = pngsUnder(join(out, exp.runs[0].dir));
  expect(written.length).toBeGreaterThan(0);
  expect(written.length).toBeLessThan(200);
  // A kill during a write can leave the atomic writer's hidden temp file (printshot check reports
  // it, --repair removes it), never a truncated PNG: every PNG that exists decodes completely.
  for (const f of written) {
    expect(f).toMatch(/(\.png$)|(\/\.[^/]+\.tmp-[^/]+$)/);
    if (f.endsWith('.png')) await expect(readImage8(f)).resolves.toMatchObject({ width: 28, height: 28 });
  }
  // The manifest, if a batch finished, is valid JSON with as many entries as finished batches.
  if (existsSync(join(out, exp.runs[0].manifest))) {
    const m = await readRunManifest(out, exp.runs[0]);
    expect(m.finishedAt).toBeUndefined();
    expect(m.images.length % 8).toBe(0);
  }

  const again = await runCliAsync(['attack', '--method', 'bim', '--eps', '16', '--out', out, '--json']);
  expect(again.code).toBe(0);
  const after = await openExperiment(out);
  expect(after.runs.map((r) => r.status)).toEqual(['running', 'complete']);
  expect(after.runs[1].dir).not.toBe(after.runs[0].dir);
  expect(pngsUnder(join(out, after.runs[1].dir))).toHaveLength(200);
  expect(pngsUnder(join(out, after.runs[0].dir))).toEqual(written);
}, 180_000);
