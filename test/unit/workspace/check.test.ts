/**
 * `printshot check`: integrity problems are found and named, interrupted runs pass as
 * 'incomplete', and --repair fixes exactly what it documents. The last test kills a real
 * `printshot attack` child process midway and checks the experiment it left.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerCheckCommand } from '../../../src/cli/commands/check';
import { runCheckJob } from '../../../src/services/check-job';
import { checkExperiment } from '../../../src/workspace/check';
import {
  completeRun,
  createExperiment,
  openExperiment,
  readRunManifest,
  startRun,
  writeAdversarialImage,
  writeCleanImages,
  writeRunManifest,
  type RunManifest,
  type RunRecord,
} from '../../../src/workspace';
import { images, init } from '../../fixtures/images/experiment';
import { pattern, tempDir } from '../../fixtures/images/make';
import { spawnCli } from '../cli/run-cli';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await createExperiment(dir, init());
  await writeCleanImages(dir, images());
});
afterEach(async () => cleanup());

/** A run with every image written; `finish` controls how far the job got. */
async function run(finish: 'complete' | 'manifest-final' | 'manifest-partial' | 'images-only'): Promise<{ run: RunRecord; manifest: RunManifest; rows: RunManifest['images'] }> {
  const r = await startRun(dir, { method: 'fgsm', eps: 8 });
  const rows = [];
  for (const { relPath, label } of images()) {
    const { file, sha256 } = await writeAdversarialImage(dir, r, relPath, pattern(8, 8, 1, 9));
    const top5 = [{ label, prob: 0.8 }, { label: 1 - label, prob: 0.2 }];
    rows.push({ relPath, label, file, sha256, cleanTop5: top5, advTop5: [...top5].reverse(), success: true, linf: 8, l2: 20, steps: 1 });
  }
  const manifest: RunManifest = {
    schemaVersion: 1, runId: r.id, method: 'fgsm', params: { eps: 8 }, seed: 0, modelFingerprint: init().model.fingerprint,
    backend: 'cpu', startedAt: r.createdAt, images: finish === 'manifest-partial' ? rows.slice(0, 1) : rows,
  };
  if (finish === 'complete' || finish === 'manifest-final') manifest.finishedAt = new Date().toISOString();
  if (finish !== 'images-only') await writeRunManifest(dir, r, manifest);
  if (finish === 'complete') await completeRun(dir, r.id);
  return { run: r, manifest, rows };
}

const kinds = (r: { problems: { kind: string; severity: string }[] }) => r.problems.map((p) => `${p.severity}:${p.kind}`).sort();

describe('check', () => {
  it('passes an intact experiment and verifies every image', async () => {
    await run('complete');
    const r = await checkExperiment(dir);
    expect(r).toMatchObject({ ok: true, errors: 0, warnings: 0, schemaVersion: 1, images: { recorded: 2, verified: 2 }, filesVerified: 4 });
    expect(r.runs).toEqual([expect.objectContaining({ status: 'complete', imagesRecorded: 2, imagesOnDisk: 2, imagesTotal: 2 })]);
    expect(r.problems).toEqual([]);
  });

  it('reports missing and modified images, corrupt manifests and unreferenced files', async () => {
    const { run: r } = await run('complete');
    await unlink(join(dir, 'clean/a/1.png'));
    await writeFile(join(dir, r.dir, 'b/2.png'), 'not the png that was recorded');
    await writeFile(join(dir, 'clean/extra.png'), 'x');
    const res = await checkExperiment(dir);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing-file', severity: 'error', path: 'clean/a/1.png', repairable: false }),
        expect.objectContaining({ kind: 'changed-file', severity: 'error', path: `${r.dir}/b/2.png` }),
        expect.objectContaining({ kind: 'unreferenced', severity: 'warning', path: 'clean/extra.png' }),
      ]),
    );
    await writeFile(join(dir, r.manifest), '{ truncated');
    expect(kinds(await checkExperiment(dir))).toContain('error:manifest');
    await rm(join(dir, r.manifest));
    expect((await checkExperiment(dir)).problems.find((p) => p.kind === 'manifest')?.message).toMatch(/complete but its manifest is gone/);
  });

  it('reports an unreadable or too-new experiment.json without throwing', async () => {
    await writeFile(join(dir, 'experiment.json'), JSON.stringify({ schemaVersion: 7 }));
    const r = await checkExperiment(dir);
    expect(r).toMatchObject({ ok: false, schemaVersion: 7 });
    expect(r.problems[0].message).toMatch(/schemaVersion 7 is not supported/);
    await rm(join(dir, 'experiment.json'));
    expect((await checkExperiment(dir)).problems[0].message).toMatch(/not an experiment/);
  });

  it('an interrupted run is incomplete, not a failure; --repair leaves it alone', async () => {
    const { run: r } = await run('manifest-partial');
    const res = await checkExperiment(dir, { repair: true });
    expect(res.ok).toBe(true);
    expect(res.runs[0]).toMatchObject({ id: r.id, status: 'incomplete', imagesRecorded: 1, imagesOnDisk: 2, imagesTotal: 2 });
    expect(res.problems).toEqual([]); // PNGs ahead of the manifest are the run's own partial work
    expect(res.repaired).toEqual([]);
    expect((await openExperiment(dir)).runs[0].status).toBe('running');
  });

  it('--repair removes stray temp files, fixes images.count and finalises a finished run', async () => {
    await run('manifest-partial');
    await run('images-only'); // a run killed before its first manifest write is fine too
    const tmp = 'clean/a/.1.png.tmp-999999999-abcdef012345';
    await writeFile(join(dir, tmp), 'half a png');
    const json = JSON.parse(await readFile(join(dir, 'experiment.json'), 'utf8'));
    json.images.count = 5;
    await writeFile(join(dir, 'experiment.json'), JSON.stringify(json));
    const before = await checkExperiment(dir);
    expect(before.ok).toBe(false);
    expect(kinds(before)).toEqual(['error:count-mismatch', 'warning:stray-temp']);

    const after = await checkExperiment(dir, { repair: true });
    expect(after.ok).toBe(true);
    expect(after.repaired).toEqual([`removed stray temp file ${tmp}`, 'set images.count to 2 (was 5)']);
    expect(after.problems).toEqual([]);
    expect(existsSync(join(dir, tmp))).toBe(false);
  });

  it('--repair marks complete a run killed between its last manifest write and completion', async () => {
    const a = await run('manifest-final'); // finishedAt written, status still 'running'
    const b = await run('manifest-partial');
    // b's manifest records every image but has no finishedAt (killed before the final write).
    await writeRunManifest(dir, b.run, { ...b.manifest, images: b.rows });
    const first = await checkExperiment(dir);
    expect(first.ok).toBe(true);
    expect(kinds(first)).toEqual(['warning:unfinalised-run', 'warning:unfinalised-run']);

    const fixed = await runCheckJob({ experiment: dir, repair: true });
    expect(fixed.repaired).toHaveLength(2);
    expect(fixed.runs.map((x) => x.status)).toEqual(['complete', 'complete']);
    expect(fixed.problems).toEqual([]);
    expect(fixed.verdict).toMatch(/^OK: 6 file\(s\) verified$/);
    const runs = (await openExperiment(dir)).runs;
    expect(runs[0].completedAt).toBe(a.manifest.finishedAt);
    const rebuilt = await readRunManifest(dir, runs[1]);
    expect(rebuilt.finishedAt).toBeDefined();
    expect(rebuilt.summary).toMatchObject({ images: 2, successes: 2, successRate: 1, cleanTop1Correct: 2, advTop1Correct: 0, meanLinf: 8, rebuiltBy: 'printshot check --repair' });
  });

  it('the CLI prints the report and fails with exit code 1 only on problems', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const cli = (args: string[]) => {
      const program = new Command().exitOverride();
      registerCheckCommand(program);
      return program.parseAsync(['node', 'printshot', 'check', '--experiment', dir, ...args]);
    };
    try {
      await run('manifest-partial');
      await cli([]);
      expect(out.join('')).toMatch(/incomplete/);
      await cli(['--json']);
      expect(JSON.parse(out.at(-1) ?? '')).toMatchObject({ ok: true, runs: [{ status: 'incomplete' }] });
      await unlink(join(dir, 'clean/b/2.png'));
      await expect(cli([])).rejects.toMatchObject({ code: 'bad-experiment', message: expect.stringMatching(/check failed \(1 problem/) });
      expect(out.at(-1)).toMatch(/ERROR {3}clean\/b\/2\.png: clean image is missing/);
    } finally {
      spy.mockRestore();
    }
  });
});

function pngsUnder(d: string): number {
  if (!existsSync(d)) return 0;
  return readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.png')).length;
}

it('a SIGKILLed `printshot attack` leaves an experiment that passes check, with the run reported incomplete', async () => {
  const out = join(dir, 'killed');
  const child = spawnCli(['attack', '--method', 'bim', '--eps', '16', '--batch', '8', '--out', out]);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (pngsUnder(join(out, 'adversarial')) >= 12) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 10);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('attack finished before it could be killed'));
    });
  });
  await new Promise((r) => child.on('close', r));

  const report = await runCheckJob({ experiment: out });
  expect(report.errors).toBe(0);
  expect(report.ok).toBe(true);
  expect(report.images.verified).toBe(report.images.recorded);
  expect(report.runs).toHaveLength(1);
  const r = report.runs[0];
  expect(r.status).toBe('incomplete');
  expect(r.imagesOnDisk).toBeGreaterThan(0);
  expect(r.imagesOnDisk).toBeLessThan(r.imagesTotal);
  expect(r.imagesRecorded).toBeLessThanOrEqual(r.imagesOnDisk);
  expect(report.verdict).toMatch(/1 incomplete run/);
  // The state and the way out, not "rerun the job".
  expect(r.state).toBe('interrupted');
  expect(r.reason).toMatch(/stopped without finishing/);
  expect(report.verdict).toContain(`bim-eps16 interrupted, ${r.imagesRecorded}/200 images (resume: npx printshot runs resume ${r.id.slice(0, 8)} --experiment ${out}`);
  // Only warnings a kill can leave: a temp file of the write it interrupted.
  expect(report.problems.every((p) => p.kind === 'stray-temp' && p.severity === 'warning')).toBe(true);
  // The same through the command (exit code 0 = it does not throw).
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.push(String(s)), true));
  try {
    const program = new Command().exitOverride();
    registerCheckCommand(program);
    await program.parseAsync(['node', 'printshot', 'check', '--experiment', out]);
  } finally {
    spy.mockRestore();
  }
  expect(printed.join('')).toMatch(/incomplete/);
  const repaired = await runCheckJob({ experiment: out, repair: true });
  expect(repaired).toMatchObject({ ok: true, warnings: 0 });
  expect(repaired.runs[0].status).toBe('incomplete');
}, 180_000);
