/**
 * Issue 21, acceptance: "Four shards run as four separate processes and are merged: the result is
 * byte-identical to one run of the same job, for BIM and for an EOT attack. A merge of shards from
 * different jobs is refused, naming the difference."
 *
 * Real `printshot attack … --shard k/4` processes, started together, each writing its own folder
 * (BIM, then EOT-PGD with the print-camera distribution, whose random start and transform draws
 * are the real test of the per-batch RNG streams), merged by `printshot experiments merge`, and
 * compared with one unsharded process running the same two commands: every PNG byte for byte, and
 * every JSON file byte for byte once ids, names, times and source paths are taken out
 * (merge-canonical.ts; nothing else). 24 images in batches of 4: 6 batches, so shards 1 and 2 get
 * two batches each (0, 4 and 1, 5) and shards 3 and 4 one. Then `printshot robustness` on a merged
 * FGSM experiment reuses its run instead of attacking again: how a robustness grid is sharded.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalFiles } from '../../../src/services/merge-canonical';
import { openExperiment, readRunManifest } from '../../../src/workspace';
import { runCli, runCliAsync, type CliResult } from './run-cli';

const JOB = ['--limit', '24', '--sample', 'stratified', '--batch', '4', '--workers', '1', '--json'];
const BIM = ['attack', '--method', 'bim', '--eps', '8', '--iterations', '3', ...JOB];
const EOT = ['attack', '--method', 'eot-pgd', '--eps', '8', '--iterations', '2', '--samples', '2', '--distribution', 'print-camera', ...JOB];

let work: string;
const shardDir = (k: number): string => path.join(work, `shard-${k}`);
const ok = (r: CliResult): CliResult => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'printshot-shards-'));
  // The one-machine run and the four shards all at once: five processes, each BIM then EOT.
  const single = (async () => {
    ok(await runCliAsync([...BIM, '--out', path.join(work, 'single')]));
    ok(await runCliAsync([...EOT, '--out', path.join(work, 'single')]));
  })();
  const shards = [1, 2, 3, 4].map(async (k) => {
    ok(await runCliAsync([...BIM, '--shard', `${k}/4`, '--out', shardDir(k)]));
    ok(await runCliAsync([...EOT, '--shard', `${k}/4`, '--out', shardDir(k)]));
  });
  await Promise.all([single, ...shards]);
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('printshot attack --shard k/4 in four processes, then experiments merge', () => {
  it('each shard holds only its batches of the fixed partition, and records the shard and the job', async () => {
    const held: string[][] = [];
    let job: unknown;
    for (const k of [1, 2, 3, 4]) {
      const exp = await openExperiment(shardDir(k));
      expect(exp.runs.map((r) => r.dir)).toEqual(['adversarial/bim-eps8', 'adversarial/eot-pgd-eps8']);
      const m = await readRunManifest(shardDir(k), exp.runs[1]);
      expect(m.shard).toMatchObject({ index: k, count: 4 });
      expect(m.inputs).toHaveLength(24);
      // Batches k-1 and k+3 of six: shards 1 and 2 hold 8 images, shards 3 and 4 hold 4.
      const want = [k - 1, k + 3].filter((b) => b < 6).flatMap((b) => m.inputs!.slice(4 * b, 4 * b + 4));
      expect(m.images.map((im) => im.relPath)).toEqual(want);
      expect(exp.images.items.map((it) => it.relPath).sort()).toEqual([...want].sort());
      held.push(want);
      const { shard, images: _i, runId: _r, startedAt: _s, finishedAt: _f, summary: _sum, ...rest } = m;
      job ??= { ...rest, inputsSha256: shard!.inputsSha256 };
      expect({ ...rest, inputsSha256: shard!.inputsSha256 }).toEqual(job);
    }
    expect(new Set(held.flat()).size).toBe(24);
  });

  it('the merged experiment is byte-identical to the one-machine run, for BIM and EOT-PGD', async () => {
    const out = path.join(work, 'merged');
    const r = ok(runCli(['experiments', 'merge', ...[1, 2, 3, 4].map(shardDir), '--out', out, '--json']));
    const report = JSON.parse(r.stdout) as { shards: number; runs: { dir: string; images: number }[]; filesVerified: number };
    expect(report.shards).toBe(4);
    expect(report.runs).toEqual([{ dir: 'adversarial/bim-eps8', images: 24 }, { dir: 'adversarial/eot-pgd-eps8', images: 24 }]);
    expect(report.filesVerified).toBe(24 * 3); // 24 clean PNGs and 24 per run

    const merged = await canonicalFiles(out);
    const single = await canonicalFiles(path.join(work, 'single'));
    expect([...merged.keys()].sort()).toEqual([...single.keys()].sort());
    expect(merged.size).toBe(1 + 2 + 24 * 3);
    const differing = [...single.keys()].filter((k) => Buffer.compare(single.get(k)!, merged.get(k)!) !== 0);
    expect(differing).toEqual([]);
    // EOT really drew random numbers: its images differ from BIM's, and the attack moved pixels.
    const png = (run: string) => [...merged.keys()].filter((k) => k.startsWith(`adversarial/${run}/`)).sort();
    expect(png('eot-pgd-eps8').some((k, i) => Buffer.compare(merged.get(k)!, merged.get(png('bim-eps8')[i])!) !== 0)).toBe(true);

    const digest = (dir: string) => ok(runCli(['experiments', 'digest', dir, '--json'])).stdout;
    expect(JSON.parse(digest(out)).sha256).toBe(JSON.parse(digest(path.join(work, 'single'))).sha256);
    ok(runCli(['check', '--experiment', out]));
  }, 180_000);

  it('robustness on a merged experiment reuses its runs: a sharded grid cell is evaluated, not attacked again', async () => {
    // robustness attacks with each method's default parameters (it has no --iterations): FGSM here.
    const fgsm = ['attack', '--method', 'fgsm', '--eps', '8', ...JOB];
    const shards = [1, 2, 3, 4].map((k) => path.join(work, `fgsm-shard-${k}`));
    await Promise.all(shards.map(async (d, k) => ok(await runCliAsync([...fgsm, '--shard', `${k + 1}/4`, '--out', d]))));
    // robustness keeps model M's runs in OUT/<model name>: merge the shards there first.
    const rob = path.join(work, 'robustness');
    const modelDir = path.join(rob, 'fashion-cnn');
    ok(runCli(['experiments', 'merge', ...shards, '--out', modelDir]));
    const merged = await openExperiment(modelDir);
    const r = ok(await runCliAsync(['robustness', '--model', 'default', '--method', 'fgsm', '--eps', '8', '--limit', '24', '--sample', 'stratified', '--batch', '4', '--out', rob, '--json']));
    const cell = (JSON.parse(r.stdout) as { models: { cells: { run: string; attack: { images: number; successes: number } }[] }[] }).models[0].cells[0];
    expect(cell.run).toBe(merged.runs[0].id);
    expect((await openExperiment(modelDir)).runs.map((x) => x.id)).toEqual([merged.runs[0].id]); // no run added
    const summary = (await readRunManifest(modelDir, merged.runs[0])).summary as { images: number; successes: number };
    expect(cell.attack).toMatchObject({ images: 24, successes: summary.successes });
  }, 300_000);

  it('refuses shards of different jobs, naming the difference, and leaves nothing behind', async () => {
    // Shard 3 again, with seed 1: the same images and parameters, another job.
    const odd = path.join(work, 'shard-3-seed-1');
    ok(await runCliAsync([...BIM, '--shard', '3/4', '--seed', '1', '--out', odd]));
    ok(await runCliAsync([...EOT, '--shard', '3/4', '--seed', '1', '--out', odd]));
    const out = path.join(work, 'refused');
    const r = runCli(['experiments', 'merge', shardDir(1), shardDir(2), odd, shardDir(4), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot merge: run 1 \(adversarial\/bim-eps8\): shard 3 has seed 1, the others 0/);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(work)).filter((n) => n.includes('merge-'))).toEqual([]);

    const missing = runCli(['experiments', 'merge', shardDir(1), shardDir(2), shardDir(4), '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/shard 3\/4 missing \(given: 1, 2, 4\)/);
  }, 300_000);
});
