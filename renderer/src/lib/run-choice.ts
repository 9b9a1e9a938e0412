/**
 * Run pickers list every run of the experiment, but only complete, whole runs can be chosen: a
 * stopped run (cancelled, interrupted, failed) or one still running holds a partial, biased subset
 * of the images, and an unmerged shard (`printshot attack --shard k/N`) only its own batches of the
 * job. The others are shown disabled with their state and how far they got.
 */
import type { RunDto } from '../../../src/contract';

/** Complete and not an unmerged shard: the runs a view may measure or print. */
export function isComplete(run: Pick<RunDto, 'status' | 'shard'>): boolean {
  return run.status === 'complete' && !run.shard;
}

/**
 * The option text: 'adversarial/bim-eps16' (plus `detail` when choosable),
 * 'adversarial/bim-eps16 (cancelled, 32/200 images)' or 'adversarial/bim-eps16 (shard 2/4, not merged, 50/50 images)'.
 */
export function runChoiceText(run: Pick<RunDto, 'dir' | 'status' | 'counts' | 'shard'>, detail?: string): string {
  if (isComplete(run)) return detail ? `${run.dir} (${detail})` : run.dir;
  const counts = run.counts ? `, ${run.counts.done}/${run.counts.total} images` : '';
  const shard = run.shard ? `shard ${run.shard.index}/${run.shard.count}, not merged` : '';
  const state = run.shard && run.status === 'complete' ? shard : [run.status, shard].filter(Boolean).join(', ');
  return `${run.dir} (${state}${counts})`;
}
