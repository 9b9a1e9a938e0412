/**
 * Runs that are not complete (cancelled, interrupted, failed or still running) never feed a table,
 * chart or figure: their images are a partial, biased subset (the first batches only). The report
 * names them in one note, with how far each got and the command that finishes it.
 */
import { runState, type RunRecord } from '../workspace';
import { shellQuote } from './environment';
import type { IncompleteRun } from './types';

/** The run's effective state (a 'running' run whose writer is gone is 'interrupted') and counts. */
export async function incompleteRun(dir: string, total: number, run: RunRecord): Promise<IncompleteRun> {
  const s = await runState(dir, run, total);
  return { id: run.id, dir: run.dir, method: run.method, eps: run.eps, state: s.status, reason: s.reason ?? null, done: s.done, total: s.total, ...(s.shard ? { shard: s.shard } : {}) };
}

/** The one note, e.g. "Incomplete runs, left out of every table and figure: adversarial/bim-eps16 (cancelled, 32 of 200 images) …". */
export function incompleteNote(dir: string, runs: readonly IncompleteRun[]): string {
  const list = runs.map((r) => `${r.dir} (${r.state}${r.reason ? `: ${r.reason}` : ''}${r.shard ? `, shard ${r.shard.index}/${r.shard.count}` : ''}, ${r.done} of ${r.total} images)`).join('; ');
  const resume = runs.filter((r) => !r.shard).map((r) => `npx printshot runs resume ${r.id.slice(0, 8)} --experiment ${shellQuote(dir)}`);
  // runs resume refuses a shard: it resumes in place when its own attack command (with --shard k/N) is run again.
  const shards = runs.filter((r) => r.shard).map((r) => `${r.dir} by rerunning its npx printshot attack … --shard ${r.shard!.index}/${r.shard!.count} command, then merging the shards (docs/scale.md)`);
  const fixes = [...(resume.length ? [`with ${resume.join(', ')}`] : []), ...shards];
  return `Incomplete runs, left out of every table, chart and figure: ${list}. Finish ${runs.length === 1 ? 'it' : 'them'} ${fixes.join('; ')}.`;
}
