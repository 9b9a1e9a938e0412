/**
 * Complete runs only: a run that was cancelled, failed, interrupted or is still running holds the
 * first batches only, a biased subset, so nothing measures or prints it. Every reader that is
 * handed one run (sheet, evaluate, the engine's evaluation) refuses it with its state and the
 * command that finishes it; the report leaves such runs out and names them (src/reports/incomplete.ts).
 * An unmerged shard run is complete but holds only its shard's batches: requireWholeRun refuses it
 * too, naming the shard and the merge that fixes it (src/workspace/shard-run.ts).
 */
import { PrintshotError } from '../shared';
import { effectiveStatus, readRunShard, unmergedShardError, type RunRecord } from '../workspace';

/** Throws unless `run` is complete; `use` completes "only complete runs are …" ('printed', 'evaluated'). */
export function requireCompleteRun(dir: string, run: RunRecord, use: string): void {
  const state = effectiveStatus(run);
  if (state === 'complete') return;
  const counts = run.counts ? `, ${run.counts.done} of ${run.counts.total} images` : '';
  const fix = state === 'running' ? 'wait for its attack to finish' : `finish it first: npx printshot runs resume ${run.id.slice(0, 8)} --experiment ${dir}`;
  throw new PrintshotError('bad-experiment', `run ${run.dir} is ${state}${counts}: only complete runs are ${use}`, fix);
}

/** requireCompleteRun, and not an unmerged shard (`printshot attack --shard k/N`): a run named to be measured or printed must be the whole job. */
export async function requireWholeRun(dir: string, run: RunRecord, use: string): Promise<void> {
  requireCompleteRun(dir, run, use);
  const shard = await readRunShard(dir, run);
  if (shard) throw unmergedShardError(run, shard, use);
}
