/**
 * Shards and their merge in the services layer (the CLI end to end, four processes: 
 * test/unit/cli/shard-merge.test.ts). Three PGD shards (a random start drawn per batch) merged
 * equal the whole run; shards of different jobs, a missing or doubled shard, a changed PNG and an
 * occupied --out are refused with the difference named, leaving no merged folder and no temp
 * folder; a cancelled shard resumes only its own batches, as the same shard.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedClassifier } from '../../../src/model';
import { partitionBatches } from '../../../src/parallel';
import { attackIntoExperiment, type AttackJobSpec } from '../../../src/services/attack-job';
import { mergeShards } from '../../../src/services/merge';
import { canonicalFiles } from '../../../src/services/merge-canonical';
import { nameDifference } from '../../../src/services/merge-checks';
import { inputsSha256, parseShard, shardSpans } from '../../../src/services/shard';
import { openImages, openModel } from '../../../src/services/sources';
import { sampleItems } from '../../../src/images';
import type { LabeledImage } from '../../../src/shared';
import { openExperiment, readRunManifest, resolveInExperiment } from '../../../src/workspace';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

let model: LoadedClassifier;
let items: LabeledImage[];
let root: string;
const pgd = { method: 'pgd', params: { eps: 8, iterations: 2 }, seed: 3, batchSize: 2 };
const run = (out: string, extra: Partial<AttackJobSpec> = {}, job = pgd, its = items) => attackIntoExperiment(model, its, 'samples', { ...job, out, ...extra });
const shard = (k: number, n = 3) => ({ index: k, count: n });
const shardsOf = async (name: string, job = pgd, n = 3) => {
  const dirs = Array.from({ length: n }, (_, k) => join(root, `${name}-${k + 1}`));
  for (const [k, d] of dirs.entries()) await run(d, { shard: shard(k + 1, n) }, job);
  return dirs;
};
const leftovers = async () => (await readdir(root)).filter((n) => n.includes('.merge-'));

beforeAll(async () => {
  model = await openModel('default');
  const data = await openImages('samples', model);
  items = sampleItems(data.items, 12, 'stratified', 0).items; // 6 batches of 2
  root = await tempDir();
}, 120_000);

afterAll(async () => {
  model?.dispose();
  await removeTempDirs();
});

describe('shards', () => {
  it('parses i/N (1-based) and refuses anything else with the fix', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(() => parseShard('0/4')).toThrow(/between 1 and N/);
    expect(() => parseShard('5/4')).toThrow(/between 1 and N/);
    expect(() => parseShard('2-4')).toThrow(/expected i\/N/);
  });

  it('deals batches round-robin: every batch in exactly one shard, at its one-machine start', () => {
    const spans = partitionBatches(23, 4); // 6 batches, the last of 3
    const byShard = [1, 2, 3, 4].map((k) => shardSpans(spans, shard(k, 4)).map((s) => s.start));
    expect(byShard).toEqual([[0, 16], [4, 20], [8], [12]]);
    expect(shardSpans(spans, shard(1, 1))).toEqual(spans);
  });

  it('names the job by its images: another order, label or pixel changes the hash', () => {
    const h = inputsSha256(items);
    expect(inputsSha256([...items].reverse())).not.toBe(h);
    expect(inputsSha256([{ ...items[0], label: (items[0].label + 1) % 10 }, ...items.slice(1)])).not.toBe(h);
    const data = Uint8Array.from(items[0].image.data);
    data[0] ^= 1;
    expect(inputsSha256([{ ...items[0], image: { ...items[0].image, data } }, ...items.slice(1)])).not.toBe(h);
  });

  it('names the difference: the odd shards against the majority, or every shard without one', () => {
    const v = (...xs: string[]) => xs.map((value, k) => ({ shard: k + 1, value }));
    expect(nameDifference('seed', v('0', '0', '1', '0'))).toBe('shard 3 has seed 1, the others 0');
    expect(nameDifference('seed', v('0', '2', '1', '0', '0'))).toBe('shard 2 has seed 2; shard 3 has seed 1, the others 0');
    expect(nameDifference('eps', v('8', '4'))).toBe('shard 1 has eps 8; shard 2 has eps 4');
    expect(nameDifference('seed', v('0', '0'))).toBeUndefined();
  });
});

describe('mergeShards', () => {
  it('three PGD shards merged equal the whole run, every PNG and every JSON field but ids and times', async () => {
    const whole = join(root, 'whole');
    await run(whole);
    const dirs = await shardsOf('pgd');
    const m = await readRunManifest(dirs[1], (await openExperiment(dirs[1])).runs[0]);
    expect(m.images.map((im) => im.relPath)).toEqual([...items.slice(2, 4), ...items.slice(8, 10)].map((it) => it.relPath));
    const out = join(root, 'merged');
    const r = await mergeShards(dirs, out);
    expect(r).toMatchObject({ shards: 3, runs: [{ dir: 'adversarial/pgd-eps8', images: 12 }], filesVerified: 24 });
    const [a, b] = [await canonicalFiles(whole), await canonicalFiles(out)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect([...a.keys()].filter((k) => Buffer.compare(a.get(k)!, b.get(k)!) !== 0)).toEqual([]);
    expect((await readRunManifest(out, (await openExperiment(out)).runs[0])).shard).toBeUndefined();
  });

  it('refuses shards of different jobs, naming the difference, and writes nothing', async () => {
    const base = await shardsOf('eps8', { ...pgd, method: 'fgsm', params: { eps: 8 } as never });
    const odd = join(root, 'eps4-2');
    await run(odd, { shard: shard(2) }, { ...pgd, method: 'fgsm', params: { eps: 4 } as never });
    const out = join(root, 'refused');
    await expect(mergeShards([base[0], odd, base[2]], out)).rejects.toThrow(/run 1 \(adversarial\/fgsm-eps8\): shard 2 has eps 4, the others 8/);
    const fewer = join(root, 'fewer-2');
    await run(fewer, { shard: shard(2) }, { ...pgd, method: 'fgsm', params: { eps: 8 } as never }, items.slice(0, 10));
    await expect(mergeShards([base[0], fewer, base[2]], out)).rejects.toThrow(/shard 2 has image count 10, the others 12/);
    await expect(mergeShards([base[0], base[2]], out)).rejects.toThrow(/shard 2\/3 missing \(given: 1, 3\)/);
    await expect(mergeShards([base[0], base[1], base[1], base[2]], out)).rejects.toThrow(/are both shard 2\/3/);
    await expect(mergeShards([base[0], join(root, 'whole'), base[2]], out)).rejects.toThrow(/run adversarial\/pgd-eps8 is not a shard/);
    expect(existsSync(out)).toBe(false);
    expect(await leftovers()).toEqual([]);
  });

  it('verifies every file: a changed PNG in a shard is named, and no merged folder is left', async () => {
    const dirs = await shardsOf('tamper', { ...pgd, method: 'fgsm', params: { eps: 8 } as never });
    const m = await readRunManifest(dirs[2], (await openExperiment(dirs[2])).runs[0]);
    await writeFile(resolveInExperiment(dirs[2], m.images[1].file), Buffer.from('not the PNG'));
    const out = join(root, 'tampered');
    await expect(mergeShards(dirs, out)).rejects.toThrow(new RegExp(`${m.images[1].file.replace(/[.]/g, '\\.')} was changed`));
    expect(existsSync(out)).toBe(false);
    expect(await leftovers()).toEqual([]);
    const occupied = join(root, 'occupied');
    await mkdir(occupied);
    await writeFile(join(occupied, 'x'), 'x');
    await expect(mergeShards(dirs, occupied)).rejects.toThrow(/exists and is not empty/);
  });

  it('a cancelled shard resumes only its own batches, as the same shard, and ends as if never stopped', async () => {
    const straight = join(root, 'straight-1');
    await run(straight, { shard: shard(1) });
    const dir = join(root, 'cancelled-1');
    const ctl = new AbortController();
    await expect(run(dir, { shard: shard(1), signal: ctl.signal, onProgress: (p) => void (p.imagesDone >= 2 && ctl.abort()) })).rejects.toThrow(/cancel/i);
    const totals: number[] = [];
    const r = await run(dir, { shard: shard(1), onProgress: (p) => void totals.push(p.imagesTotal) });
    expect(r.resumedFrom).toBe(2);
    expect(new Set(totals)).toEqual(new Set([4])); // the shard's 4 images, not the job's 12
    expect((await openExperiment(dir)).runs).toHaveLength(1);
    const files = async (d: string) => [...(await canonicalFiles(d)).entries()].filter(([k]) => k.endsWith('.png'));
    expect(await files(dir)).toEqual(await files(straight));
    const [a, b] = await Promise.all([straight, dir].map(async (d) => readRunManifest(d, (await openExperiment(d)).runs[0])));
    expect(b.images).toEqual(a.images);
    expect(b.summary).toEqual({ ...a.summary, resumed: true });
  });
});
