/**
 * Shards of one attack job, for running a campaign over several processes or machines
 * (`printshot attack --shard i/N`; Kubernetes Indexed Jobs and Slurm arrays in deploy/).
 *
 * A shard is a set of batches of the job's fixed partition (src/parallel/partition.ts): the
 * images are cut into batches at the same indices as on one machine, and shard i of N (1-based)
 * takes batches i − 1, i − 1 + N, i − 1 + 2N, … Every batch keeps its own RNG stream
 * `batchRng(seed, start)`, whose `start` is the batch's index in the whole job, so a batch's bytes
 * are the same whichever shard computes it: N shards merged (merge.ts) equal the one-machine run.
 * Round-robin rather than contiguous blocks so that shards of a job sorted by class (dataset
 * order) get a similar mix of images, and their run times stay close.
 */
import { createHash } from 'node:crypto';
import type { BatchSpan } from '../parallel';
import { PrintshotError, type LabeledImage } from '../shared';

export interface Shard {
  /** 1-based: 1 … count. */
  readonly index: number;
  readonly count: number;
}

/** Parses 'i/N' (1 ≤ i ≤ N), e.g. '3/4'. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new PrintshotError('bad-argument', `--shard '${text}': expected i/N, e.g. 1/4 (shard 1 of 4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new PrintshotError('bad-argument', `--shard ${index}/${count}: i must be between 1 and N (shards are numbered 1 … N)`, 'a Kubernetes completion index or a 0-based array index needs + 1');
  }
  return { index, count };
}

export const shardText = (s: Shard): string => `${s.index}/${s.count}`;

/** The batches of `spans` (the whole job's partition, in order) that shard `s` computes. */
export function shardSpans(spans: readonly BatchSpan[], s: Shard): BatchSpan[] {
  return spans.filter((_, k) => k % s.count === s.index - 1);
}

/** The images of `items` (the whole job, in job order) that fall in shard `s`'s batches. */
export function shardItems<T>(items: readonly T[], spans: readonly BatchSpan[], s: Shard): T[] {
  return shardSpans(spans, s).flatMap((b) => items.slice(b.start, b.end));
}

/**
 * The job's images, named by content: sha256 over every input's relPath, label, size and pixels,
 * in job order. Shards of one job agree on it; a shard that saw a changed or re-sampled image
 * folder does not, and merge names it.
 */
export function inputsSha256(items: readonly LabeledImage[]): string {
  const h = createHash('sha256');
  for (const { relPath, label, image } of items) {
    h.update(`${relPath}\0${label}\0${image.width}x${image.height}x${image.channels}\0`);
    h.update(createHash('sha256').update(image.data).digest());
  }
  return h.digest('hex');
}

/**
 * Commands whose job is not batches of one attack run refuse `--shard`, saying why and what to
 * shard instead: patch training (one optimisation), evaluate (forward passes over finished runs),
 * robustness (a grid of attack jobs, each of which can be sharded with `printshot attack`).
 */
export const SHARD_REFUSALS = {
  patch: {
    why: 'training a universal patch is one optimisation: every step updates the one patch from the steps before it, so it cannot be cut into independent shards (nor can its evaluation, which needs the trained patch)',
    fix: 'train the patch on one machine; shard a campaign\'s attacks with printshot attack … --shard i/N',
  },
  evaluate: {
    why: 'evaluate runs forward passes over finished runs, a small fraction of the attack\'s cost',
    fix: 'merge the shards first (printshot experiments merge A B … --out D), then evaluate D',
  },
  robustness: {
    why: 'a robustness job is a grid of attack runs over several models, not the batches of one run',
    fix: 'shard each attack of the grid with printshot attack --model M --method X --eps E --shard i/N (same --images, --limit, --sample, --seed, the method\'s default parameters), merge the shards into OUT/<model name> with printshot experiments merge, then run this command without --shard: it reuses the merged runs and only evaluates (docs/scale.md)',
  },
} as const;

export function refuseShard(command: keyof typeof SHARD_REFUSALS): never {
  const r = SHARD_REFUSALS[command];
  throw new PrintshotError('bad-argument', `${command} --shard: not supported: ${r.why}`, r.fix);
}
