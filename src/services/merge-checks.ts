/**
 * Whether shard folders (`printshot attack --shard i/N`) belong to one job and can be merged
 * (merge.ts): all N shards present once, every run complete and a shard, and every run the same
 * job on every shard (method, parameters, seed, model, images, batch size, sampling, backend).
 * A refusal names the difference the way a person would: "shard 3 has seed 1, the others 0".
 */
import { PrintshotError } from '../shared';
import { effectiveStatus, openExperiment, readRunManifest, type Experiment, type RunManifest, type RunRecord } from '../workspace';
import { partitionBatches } from '../parallel';
import { shardSpans } from './shard';

export interface ShardRun {
  run: RunRecord;
  manifest: RunManifest & { shard: NonNullable<RunManifest['shard']> };
}

export interface ShardFolder {
  dir: string;
  exp: Experiment;
  index: number;
  count: number;
  /** Its runs in experiment.json's order: the k-th run of every shard is one job's shard (same commands, same order). */
  runs: ShardRun[];
}

const refuse = (message: string, fix?: string): PrintshotError => new PrintshotError('bad-experiment', `cannot merge: ${message}`, fix);

/** Reads one shard folder; refuses a run that is incomplete or not a shard, and a folder mixing shards. */
export async function readShardFolder(dir: string): Promise<ShardFolder> {
  const exp = await openExperiment(dir);
  if (exp.runs.length === 0) throw refuse(`${dir} has no runs`);
  const runs: ShardRun[] = [];
  for (const run of exp.runs) {
    const state = effectiveStatus(run);
    if (state !== 'complete') {
      throw refuse(`${dir}: run ${run.dir} is ${state}${run.counts ? ` (${run.counts.done} of ${run.counts.total} images)` : ''}`, 'rerun its printshot attack … --shard command into the same folder: it resumes the run');
    }
    const manifest = await readRunManifest(dir, run);
    if (!manifest.shard) throw refuse(`${dir}: run ${run.dir} is not a shard (it was not run with --shard i/N)`, 'merge only folders written by printshot attack --shard');
    runs.push({ run, manifest: manifest as ShardRun['manifest'] });
  }
  const shards = new Set(runs.map((r) => `${r.manifest.shard.index}/${r.manifest.shard.count}`));
  if (shards.size > 1) throw refuse(`${dir} holds runs of shards ${[...shards].join(', ')}`, 'give each shard its own --out folder');
  const { index, count } = runs[0].manifest.shard;
  return { dir, exp, index, count, runs };
}

/**
 * "shard 3 has seed 1, the others 0": the shards whose value differs from the majority's, or every
 * shard's value when there is no majority. Undefined when all agree. An empty `what` shows the value alone.
 */
export function nameDifference(what: string, values: readonly { shard: number; value: string }[]): string | undefined {
  const groups = new Map<string, number[]>();
  for (const { shard, value } of values) groups.set(value, [...(groups.get(value) ?? []), shard]);
  if (groups.size <= 1) return undefined;
  const sorted = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[1][0] - b[1][0]);
  const says = ([value, shards]: [string, number[]]): string => `shard${shards.length > 1 ? 's' : ''} ${shards.join(', ')} ${shards.length > 1 ? 'have' : 'has'} ${what ? `${what} ` : ''}${value}`;
  if (sorted[0][1].length > sorted[1][1].length) return `${sorted.slice(1).map(says).join('; ')}, the others ${sorted[0][0]}`;
  return sorted.sort((a, b) => a[1][0] - b[1][0]).map(says).join('; ');
}

const short = (sha: string): string => `${sha.slice(0, 12)}…`;
const show = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** Throws unless `folders` are shards 1 … N of one set of jobs, each shard once; returns them by index. */
export function checkShardSet(folders: readonly ShardFolder[]): ShardFolder[] {
  if (folders.length === 0) throw new PrintshotError('bad-argument', 'experiments merge: give the shard folders to merge');
  const all = folders.map((f) => ({ shard: f.index, f }));
  const countDiff = nameDifference('', all.map(({ shard, f }) => ({ shard, value: `N = ${f.count}` })));
  if (countDiff) throw refuse(`the shards are not cut the same way: ${countDiff}`);
  const n = folders[0].count;
  const byIndex = new Map<number, ShardFolder>();
  for (const f of folders) {
    const other = byIndex.get(f.index);
    if (other) throw refuse(`${other.dir} and ${f.dir} are both shard ${f.index}/${n}`, 'each shard once');
    byIndex.set(f.index, f);
  }
  const missing = Array.from({ length: n }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) throw refuse(`shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`, 'pass all N shard folders');
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  const diff = (what: string, get: (f: ShardFolder) => unknown): void => {
    const d = nameDifference(what, ordered.map((f) => ({ shard: f.index, value: show(get(f)) })));
    if (d) throw refuse(d);
  };
  diff('model sha256', (f) => short(f.exp.model.fingerprint));
  diff('image fit', (f) => f.exp.images.fit ?? 'fill');
  diff('', (f) => `${f.runs.length} run${f.runs.length > 1 ? 's' : ''}`);
  for (let k = 0; k < ordered[0].runs.length; k++) checkRun(k, ordered);
  checkCleanImages(ordered);
  return ordered;
}

/** The k-th run of every shard: the same job, and its shards' images partition its inputs. */
function checkRun(k: number, shards: readonly ShardFolder[]): void {
  const runs = shards.map((f) => ({ shard: f.index, r: f.runs[k] }));
  const runDir = runs[0].r.run.dir;
  const diff = (what: string, get: (m: ShardRun['manifest']) => unknown): void => {
    const d = nameDifference(what, runs.map(({ shard, r }) => ({ shard, value: show(get(r.manifest)) })));
    if (d) throw refuse(`run ${k + 1} (${runDir}): ${d}`);
  };
  diff('method', (m) => m.method);
  const keys = [...new Set(runs.flatMap(({ r }) => Object.keys(r.manifest.params)))].sort();
  for (const key of keys) diff(key, (m) => m.params[key]);
  diff('seed', (m) => m.seed);
  diff('model sha256', (m) => short(m.modelFingerprint));
  diff('image count', (m) => m.inputs?.length);
  diff('sampling', (m) => m.sampling);
  diff('images (sha256 of relPaths, labels, pixels)', (m) => short(m.shard.inputsSha256));
  diff('batch size', (m) => m.batchSize);
  diff('backend', (m) => m.backend);
  const dirDiff = nameDifference('run folder', runs.map(({ shard, r }) => ({ shard, value: r.run.dir })));
  if (dirDiff) throw refuse(`run ${k + 1}: ${dirDiff}`, 'a run folder taken by an earlier, dropped run shifts the names; rerun that shard into a new folder');
  const { inputs, batchSize } = runs[0].r.manifest;
  if (!inputs || !batchSize) throw refuse(`run ${runDir} records no inputs or batch size`);
  const partition = partitionBatches(inputs.length, batchSize);
  const owner = new Map<string, number>();
  for (const { shard, r } of runs) {
    const expected = new Set(shardSpans(partition, { index: shard, count: shards.length }).flatMap((b) => inputs.slice(b.start, b.end)));
    for (const im of r.manifest.images) {
      const prev = owner.get(im.relPath);
      if (prev !== undefined) throw refuse(`run ${runDir}: shards ${prev} and ${shard} both hold '${im.relPath}'`);
      owner.set(im.relPath, shard);
      if (!expected.has(im.relPath)) throw refuse(`run ${runDir}: shard ${shard} holds '${im.relPath}', which is not in its batches`);
    }
    const held = new Set(r.manifest.images.map((im) => im.relPath));
    const lacking = [...expected].find((rel) => !held.has(rel));
    if (lacking) throw refuse(`run ${runDir}: shard ${shard} lacks '${lacking}'`);
  }
}

/** An image stored by several shards must be the same clean PNG with the same label on each. */
function checkCleanImages(shards: readonly ShardFolder[]): void {
  const seen = new Map<string, { shard: number; sha256: string; label: number }>();
  for (const f of shards) {
    for (const it of f.exp.images.items) {
      const prev = seen.get(it.relPath);
      if (!prev) seen.set(it.relPath, { shard: f.index, sha256: it.sha256, label: it.label });
      else if (prev.sha256 !== it.sha256 || prev.label !== it.label) {
        throw refuse(`'${it.relPath}' differs between shard ${prev.shard} (label ${prev.label}, sha256 ${short(prev.sha256)}) and shard ${f.index} (label ${it.label}, sha256 ${short(it.sha256)})`);
      }
    }
  }
}
