/**
 * Unmerged shard runs (`printshot attack --shard k/N`, docs/scale.md). A shard run finishes with
 * status 'complete', but it holds only batches k, k + N, … of its job: a fraction of the images,
 * not a sample of them. The product rule "a number shown to a user comes only from complete
 * runs" therefore means complete AND not a shard: every reader that measures, prints or reports
 * runs asks `runShard` and either refuses a run it was handed (unmergedShardError) or leaves a
 * shard out of a scan and says so (unmergedShardNote). `printshot experiments merge` joins the N
 * shard folders into the one-machine run, whose manifest has no `shard`.
 *
 * The manifest is the one record of shard-ness (experiment.json's run records have no such field),
 * so the checks read it; readRunShard reads only that field, not the whole manifest's rows.
 */
import { readFile } from 'node:fs/promises';
import { PrintshotError } from '../shared';
import { RunManifestSchema, type RunManifest, type RunRecord } from './schema';
import { resolveInExperiment } from './store';

export interface RunShard {
  /** 1-based: 1 … count. */
  index: number;
  count: number;
}

const ShardField = RunManifestSchema.shape.shard;

/** The shard a run's manifest says it is, or undefined for a whole (or merged) run. */
export function runShard(manifest: Pick<RunManifest, 'shard'>): RunShard | undefined {
  return manifest.shard ? { index: manifest.shard.index, count: manifest.shard.count } : undefined;
}

/**
 * runShard of a run read from its manifest file, validating only the `shard` field (a run list
 * need not parse 50,000 image rows to tell). A run without a readable manifest is no shard.
 */
export async function readRunShard(dir: string, run: Pick<RunRecord, 'manifest'>): Promise<RunShard | undefined> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolveInExperiment(dir, run.manifest), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = ShardField.safeParse((json as { shard?: unknown } | null)?.shard);
  return parsed.success && parsed.data ? runShard({ shard: parsed.data }) : undefined;
}

/** 'shard 2/4 (not merged)': how lists show such a run instead of plain 'complete'. */
export function shardStateText(s: RunShard): string {
  return `shard ${s.index}/${s.count} (not merged)`;
}

/** The command that fixes it, with the docs to read. */
export function mergeHint(s: RunShard): string {
  const folders = s.count <= 3 ? Array.from({ length: s.count }, (_, k) => `SHARD-${k + 1}`).join(' ') : `SHARD-1 … SHARD-${s.count}`;
  return `merge the ${s.count} shard folders first: npx printshot experiments merge ${folders} --out MERGED, then use MERGED (docs/scale.md)`;
}

/**
 * The refusal for a reader handed one shard run; `use` completes "only whole runs are …"
 * ('printed', 'evaluated'). Code 'bad-experiment', as for an incomplete run.
 */
export function unmergedShardError(run: Pick<RunRecord, 'dir'>, s: RunShard, use: string): PrintshotError {
  return new PrintshotError(
    'bad-experiment',
    `run ${run.dir} is shard ${s.index}/${s.count} of a sharded attack, not merged: it holds only that shard's images, so only whole runs are ${use}`,
    mergeHint(s),
  );
}

export interface SkippedShard {
  dir: string;
  shard: RunShard;
  /** Images the shard run holds. */
  images: number;
}

/** The one note of a scan that left shard runs out, e.g. in a report's notes or a command's log. */
export function unmergedShardNote(skipped: readonly SkippedShard[], from = 'every table, chart and figure'): string {
  const list = skipped.map((s) => `${s.dir} (shard ${s.shard.index}/${s.shard.count}, ${s.images} image${s.images === 1 ? '' : 's'})`).join('; ');
  return `Unmerged shard runs, left out of ${from}: ${list}. A shard holds only its own batches of the job; ${mergeHint(skipped[0].shard)}.`;
}
