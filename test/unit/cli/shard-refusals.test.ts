/**
 * `--shard` where a job is not the batches of one attack run: patch, evaluate and robustness
 * refuse it before doing any work, saying why and what to shard instead (src/services/shard.ts).
 * `printshot attack --shard` itself: shard-merge.test.ts (slow) and services/merge.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from './run-cli';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'printshot-shard-refusals-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('--shard on commands that cannot be sharded', () => {
  it.each([
    ['patch', ['--model', 'default', '--images', 'samples', '--target', 'untargeted', '--size', '0.3'], /patch --shard: not supported: training a universal patch is one optimisation.*\(train the patch on one machine/],
    ['evaluate', ['--clean', 'x', '--adversarial', 'y'], /evaluate --shard: not supported: .*forward passes.*\(merge the shards first/],
    ['robustness', ['--model', 'default', '--method', 'fgsm', '--eps', '8'], /robustness --shard: not supported: .*grid of attack runs.*shard each attack of the grid with printshot attack/],
  ])('%s refuses, naming why and what to shard instead, and writes nothing', async (cmd, args, message) => {
    const out = path.join(work, cmd);
    const r = await runCliAsync([cmd, ...args, '--shard', '1/4', ...(cmd === 'evaluate' ? [] : ['--out', out])]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
