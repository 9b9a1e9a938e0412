/**
 * `printshot experiments merge A B … --out D`: joins the N shard folders of sharded attack jobs
 * (`printshot attack --shard i/N`, shard.ts) into one experiment, the one the same jobs run on one
 * machine would have written:
 *
 *   - the shards are checked to be shards 1 … N of the same jobs (merge-checks.ts), and refused
 *     with the difference named otherwise;
 *   - every file copied is read once, its sha256 checked against the shard's experiment.json
 *     (clean PNGs) or run manifest (adversarial PNGs), and those verified bytes are written;
 *   - manifests list the images in job order, with the summary recomputed over all of them, so
 *     every PNG and every manifest field except ids and times equals the one-machine run's
 *     (merge-canonical.ts names those fields; test/unit/cli/shard-merge.test.ts compares);
 *   - D is built in a temp folder beside it, checked whole (`printshot check`), then renamed into
 *     place: a failed or refused merge leaves no D and no temp folder.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { compareCodePoints } from '../images/dataset';
import { mapLimit } from '../images/limit';
import { summarizeAttack } from '../metrics/attack-summary';
import { PrintshotError } from '../shared';
import {
  atomicWrite,
  atomicWriteJson,
  checkExperiment,
  EXPERIMENT_DIRS,
  EXPERIMENT_FILE,
  ExperimentSchema,
  resolveInExperiment,
  RunManifestSchema,
  sha256,
  SCHEMA_VERSION,
  type Experiment,
  type ImageItem,
  type RunImage,
  type RunRecord,
} from '../workspace';
import { checkShardSet, readShardFolder, type ShardFolder } from './merge-checks';

export interface MergeOptions {
  /** Name of the merged experiment (default: D's folder name, as for a new experiment). */
  name?: string;
  /** Files copied and verified so far, of all. */
  onProgress?: (done: number, total: number) => void;
}

export interface MergeResult {
  dir: string;
  shards: number;
  runs: { dir: string; images: number }[];
  /** Files read, sha256-checked and written (clean and adversarial PNGs). */
  filesVerified: number;
}

export async function mergeShards(shardDirs: readonly string[], out: string, opts: MergeOptions = {}): Promise<MergeResult> {
  await refuseExisting(out);
  const shards = checkShardSet(await Promise.all(shardDirs.map((d) => readShardFolder(d))));
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(path.resolve(out))}.merge-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = await build(shards, tmp, path.basename(path.resolve(out)), opts);
    const report = await checkExperiment(tmp);
    const errors = report.problems.filter((p) => p.severity === 'error');
    if (!report.ok) throw new PrintshotError('bad-experiment', `merge: the merged experiment fails its check: ${errors.slice(0, 3).map((p) => `${p.path ?? ''} ${p.message}`).join('; ')}`);
    await refuseExisting(out);
    await rmdir(out).catch(() => undefined); // an empty folder may be replaced
    await rename(tmp, out);
    return { ...result, dir: out };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** D must not exist, or be an empty folder. */
async function refuseExisting(out: string): Promise<void> {
  const names = await readdir(out).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw new PrintshotError('bad-argument', `--out ${out}: ${e.code === 'ENOTDIR' ? 'is a file' : `cannot read (${e.message})`}`);
  });
  if (names.length > 0) throw new PrintshotError('bad-argument', `--out ${out} exists and is not empty`, 'choose a new folder for the merged experiment');
}

async function build(shards: readonly ShardFolder[], tmp: string, folderName: string, opts: MergeOptions): Promise<Omit<MergeResult, 'dir'>> {
  for (const sub of EXPERIMENT_DIRS) await mkdir(path.join(tmp, sub), { recursive: true });
  const first = shards[0];
  // Clean images: each from the first shard that stores it (checkShardSet made sure copies agree).
  const clean = new Map<string, { item: ImageItem; from: ShardFolder }>();
  for (const f of shards) for (const item of f.exp.images.items) if (!clean.has(item.relPath)) clean.set(item.relPath, { item, from: f });
  // In relPath order, as writeCleanImages keeps experiment.json's list.
  const items = [...clean.values()].map((c) => c.item).sort((a, b) => compareCodePoints(a.relPath, b.relPath));
  const runCount = first.runs.length;
  const copies: { from: ShardFolder; file: string; sha256: string }[] = [...clean.values()].map((c) => ({ from: c.from, file: c.item.file, sha256: c.item.sha256 }));
  const runs: { record: RunRecord; manifestFile: string; manifest: unknown; images: number }[] = [];
  for (let k = 0; k < runCount; k++) {
    const parts = shards.map((f) => f.runs[k]);
    const runDir = parts[0].run.dir;
    const byRel = new Map<string, RunImage>();
    for (const [k, p] of parts.entries()) {
      for (const im of p.manifest.images) {
        byRel.set(im.relPath, im);
        copies.push({ from: shards[k], file: im.file, sha256: im.sha256 });
      }
    }
    const base = parts[0].manifest;
    const images = base.inputs!.map((rel) => byRel.get(rel)!);
    const id = randomUUID();
    const startedAt = parts.map((p) => p.manifest.startedAt).sort()[0];
    const finishedAt = parts.map((p) => p.manifest.finishedAt ?? p.run.completedAt ?? p.manifest.startedAt).sort().at(-1)!;
    const { shard: _shard, ...job } = base;
    const manifest = RunManifestSchema.parse({ ...job, runId: id, startedAt, finishedAt, images, summary: summarizeAttack(images) });
    const r0 = parts[0].run;
    const record: RunRecord = {
      id,
      method: r0.method,
      eps: r0.eps,
      dir: runDir,
      manifest: `runs/${runDir.slice('adversarial/'.length)}-${id.slice(0, 8)}.json`,
      createdAt: parts.map((p) => p.run.createdAt).sort()[0],
      completedAt: parts.map((p) => p.run.completedAt ?? finishedAt).sort().at(-1)!,
      status: 'complete',
      counts: { done: images.length, total: images.length },
    };
    runs.push({ record, manifestFile: record.manifest, manifest, images: images.length });
  }
  let done = 0;
  opts.onProgress?.(0, copies.length);
  await mapLimit(copies, 8, async (c) => {
    const bytes = await readFile(resolveInExperiment(c.from.dir, c.file)).catch((e: NodeJS.ErrnoException) => {
      throw new PrintshotError('bad-experiment', `cannot merge: ${c.from.dir}/${c.file} ${e.code === 'ENOENT' ? 'is missing' : `cannot be read (${e.message})`}`, `printshot check ${c.from.dir}`);
    });
    const actual = sha256(bytes);
    if (actual !== c.sha256) {
      throw new PrintshotError('bad-experiment', `cannot merge: ${c.from.dir}/${c.file} was changed (sha256 ${actual.slice(0, 12)}…, recorded ${c.sha256.slice(0, 12)}…)`, `printshot check ${c.from.dir}, or rerun that shard`);
    }
    await atomicWrite(resolveInExperiment(tmp, c.file), bytes);
    opts.onProgress?.(++done, copies.length);
  });
  for (const r of runs) await atomicWriteJson(resolveInExperiment(tmp, r.manifestFile), r.manifest);
  const exp: Experiment = ExperimentSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    id: randomUUID(),
    name: opts.name ?? folderName,
    createdAt: shards.map((f) => f.exp.createdAt).sort()[0],
    model: first.exp.model,
    images: { source: first.exp.images.source, ...(first.exp.images.fit ? { fit: first.exp.images.fit } : {}), count: items.length, items },
    runs: runs.map((r) => r.record),
  });
  // experiment.json last, as createExperiment does: its presence means the folder is complete.
  await atomicWriteJson(path.join(tmp, EXPERIMENT_FILE), exp);
  return { shards: shards.length, runs: runs.map((r) => ({ dir: r.record.dir, images: r.images })), filesVerified: copies.length };
}
