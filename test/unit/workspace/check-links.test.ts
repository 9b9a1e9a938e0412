/**
 * `printshot check` on links and tampered files: a symlink inside the experiment is the file it
 * points to, one leading outside is reported as such (not as "missing"); --repair rebuilds a
 * clean PNG from its source image only when the result hashes to the record, and never makes a
 * changed adversarial PNG pass.
 */
import { mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng, readImage8 } from '../../../src/images';
import { checkExperiment } from '../../../src/workspace/check';
import { completeRun, createExperiment, sha256, startRun, writeAdversarialImage, writeCleanImages, writeRunManifest, type RunRecord } from '../../../src/workspace';
import { init } from '../../fixtures/images/experiment';
import { pattern, tempDir } from '../../fixtures/images/make';

let base: string;
let dir: string;
let source: string;
let cleanup: () => Promise<void>;
let run: RunRecord;

const REL = ['a/1.png', 'b/2.png'];

beforeEach(async () => {
  ({ dir: base, cleanup } = await tempDir());
  dir = join(base, 'exp');
  source = join(base, 'source');
  // Source images as files, read back exactly as the attack reads them (card input 8×8×1, fill).
  for (const [i, rel] of REL.entries()) {
    await mkdir(join(source, rel, '..'), { recursive: true });
    await writeFile(join(source, rel), await encodePng(pattern(8, 8, 1, i + 1)));
  }
  await createExperiment(dir, { ...init(), imagesSource: source });
  const images = await Promise.all(REL.map(async (rel, i) => ({ relPath: rel, label: i, image: await readImage8(join(source, rel), { channels: 1, width: 8, height: 8, fit: 'fill' }) })));
  await writeCleanImages(dir, images);
  run = await startRun(dir, { method: 'fgsm', eps: 8 });
  const rows = [];
  for (const [i, rel] of REL.entries()) {
    const { file, sha256: sha } = await writeAdversarialImage(dir, run, rel, pattern(8, 8, 1, 9 + i));
    const top5 = [{ label: i, prob: 0.8 }];
    rows.push({ relPath: rel, label: i, file, sha256: sha, cleanTop5: top5, advTop5: top5, success: false, linf: 8, l2: 20, steps: 1 });
  }
  await writeRunManifest(dir, run, {
    schemaVersion: 1, runId: run.id, method: 'fgsm', params: { eps: 8 }, seed: 0, modelFingerprint: init().model.fingerprint,
    backend: 'cpu', startedAt: run.createdAt, finishedAt: new Date().toISOString(), images: rows,
  });
  await completeRun(dir, run.id);
});
afterEach(async () => cleanup());

const brief = (r: Awaited<ReturnType<typeof checkExperiment>>) => r.problems.map((p) => `${p.severity}:${p.kind}:${p.path}`).sort();

describe('check and symbolic links', () => {
  it('a link to a file inside the experiment is that file, verified by its hash', async () => {
    const file = join(dir, 'clean/a/1.png');
    await writeFile(join(dir, 'results/kept.png'), await readFile(file));
    await unlink(file);
    await symlink(join(dir, 'results/kept.png'), file);
    const r = await checkExperiment(dir);
    expect(brief(r)).toEqual([]);
    expect(r).toMatchObject({ ok: true, images: { recorded: 2, verified: 2 }, filesVerified: 4 });
  });

  it('a link leading outside is reported as an escape, not as a missing file, and is never read', async () => {
    const outside = join(base, 'outside.png');
    await writeFile(outside, await readFile(join(dir, run.dir, 'b/2.png'))); // same bytes: still refused
    await unlink(join(dir, run.dir, 'b/2.png'));
    await symlink(outside, join(dir, run.dir, 'b/2.png'));
    await symlink(join(base, 'nothing.png'), join(dir, 'clean/dangling.png'));
    const r = await checkExperiment(dir);
    expect(r.ok).toBe(false);
    expect(brief(r)).toEqual([`error:symlink-escape:${run.dir}/b/2.png`]);
    expect(r.problems[0].message).toBe('is a symbolic link leading outside the experiment folder (not read)');
    expect(r.filesVerified).toBe(3);
  });
});

describe('check --repair on tampered images', () => {
  it('rebuilds a changed or missing clean PNG from its source when the result hashes to the record', async () => {
    const recorded = await readFile(join(dir, 'clean/a/1.png'));
    await writeFile(join(dir, 'clean/a/1.png'), await encodePng(pattern(8, 8, 1, 77)));
    await unlink(join(dir, 'clean/b/2.png'));
    const before = await checkExperiment(dir);
    expect(brief(before)).toEqual(['error:changed-file:clean/a/1.png', 'error:missing-file:clean/b/2.png']);
    expect(before.problems.every((p) => p.repairable)).toBe(true);
    const after = await checkExperiment(dir, { repair: true });
    expect(after.repaired).toEqual([
      `restored clean/a/1.png from ${join(source, 'a/1.png')} (its sha256 matches the recorded one)`,
      `restored clean/b/2.png from ${join(source, 'b/2.png')} (its sha256 matches the recorded one)`,
    ]);
    expect(after).toMatchObject({ ok: true, notRepaired: [], filesVerified: 4 });
    expect(sha256(await readFile(join(dir, 'clean/a/1.png')))).toBe(sha256(recorded));
  });

  it('refuses to rebuild a clean PNG whose source changed, and never makes a changed adversarial PNG pass', async () => {
    await writeFile(join(dir, 'clean/a/1.png'), await encodePng(pattern(8, 8, 1, 77)));
    await writeFile(join(source, 'a/1.png'), await encodePng(pattern(8, 8, 1, 78)));
    const tampered = await encodePng(pattern(8, 8, 1, 79));
    await writeFile(join(dir, run.dir, 'b/2.png'), tampered);
    const r = await checkExperiment(dir, { repair: true });
    expect(r.ok).toBe(false);
    expect(r.repaired).toEqual([]);
    expect(brief(r)).toEqual(['error:changed-file:adversarial/fgsm-eps8/b/2.png', 'error:changed-file:clean/a/1.png']);
    expect(r.notRepaired).toEqual([
      'adversarial/fgsm-eps8/b/2.png: an adversarial image cannot be rebuilt without rerunning the attack; drop its run (`npx printshot runs drop`) and attack again',
      `clean/a/1.png: cannot be rebuilt: its source ${join(source, 'a/1.png')} no longer gives the recorded image; the experiment's runs were made from another input`,
    ]);
    // Nothing was rewritten: the tampered adversarial file is still there, as evidence.
    expect(sha256(await readFile(join(dir, run.dir, 'b/2.png')))).toBe(sha256(tampered));
    await rm(join(source), { recursive: true });
    const gone = await checkExperiment(dir);
    expect(gone.problems.find((p) => p.path === 'clean/a/1.png')?.repairable).toBe(false);
  });
});
