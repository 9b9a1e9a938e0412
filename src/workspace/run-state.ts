/**
 * What every reader shows of a run: its effective status (a 'running' run whose writer is gone
 * is 'interrupted'), why it stopped, and how many of its images are done. The CLI (`runs list`,
 * `check`), the engine's run and job lists and the reports all go through runState.
 */
import { PrintshotError } from '../shared';
import { readRunManifest } from './runs';
import { readRunShard, runShard, type RunShard } from './shard-run';
import { readExperiment } from './store';
import type { RunRecord, RunStatus } from './schema';
import { describeWriter, effectiveStatus } from './writer';

export interface RunState {
  id: string;
  dir: string;
  method: string;
  eps: number;
  /** effectiveStatus. */
  status: RunStatus;
  /** Why it stopped (cancelled, failed), or why it counts as interrupted. */
  reason?: string;
  /** Images recorded in the manifest, and images the run covers. */
  done: number;
  total: number;
  /** The live writer of a running run. */
  writer?: RunRecord['writer'];
  /** An unmerged shard of a sharded attack (shard-run.ts): complete or not, it is never measured as the whole run. */
  shard?: RunShard;
}

/**
 * A run's state as every reader shows it: effective status, reason and counts. `done` of a run
 * that is not complete is read from its manifest (the record's counts lag behind a live job);
 * `imagesTotal` is the fallback total for runs recorded without counts (the experiment's images).
 */
export async function runState(dir: string, run: RunRecord, imagesTotal?: number): Promise<RunState> {
  const status = effectiveStatus(run);
  const manifest = status === 'complete' && run.counts ? undefined : await readRunManifest(dir, run).catch(() => undefined);
  const done = manifest?.images.length ?? run.counts?.done ?? 0;
  const total = run.counts?.total ?? manifest?.inputs?.length ?? imagesTotal ?? done;
  const reason = status === 'interrupted' && run.status === 'running' ? `its job (${describeWriter(run)}) stopped without finishing` : run.reason;
  const shard = manifest ? runShard(manifest) : await readRunShard(dir, run);
  return {
    id: run.id, dir: run.dir, method: run.method, eps: run.eps, status, done, total,
    ...(reason !== undefined ? { reason } : {}),
    ...(status === 'running' && run.writer ? { writer: run.writer } : {}),
    ...(shard ? { shard } : {}),
  };
}

/** runState of every run in the experiment, oldest first. */
export async function listRunStates(dir: string): Promise<RunState[]> {
  const exp = await readExperiment(dir);
  return Promise.all(exp.runs.map((r) => runState(dir, r, exp.images.count)));
}

/**
 * The run `ref` names: its id or an id prefix (at least 4 characters), or its folder
 * ('adversarial/bim-eps16' or 'bim-eps16'). Unknown or ambiguous refs are errors listing the runs.
 */
export function findRunByRef(runs: readonly RunRecord[], ref: string): RunRecord {
  const exact = runs.find((r) => r.id === ref || r.dir === ref || r.dir === `adversarial/${ref}`);
  if (exact) return exact;
  const byPrefix = ref.length >= 4 ? runs.filter((r) => r.id.startsWith(ref.toLowerCase())) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  const names = (byPrefix.length > 1 ? byPrefix : runs).map((r) => `${r.dir.slice('adversarial/'.length)} (${r.id.slice(0, 8)})`).join(', ');
  if (byPrefix.length > 1) throw new PrintshotError('bad-argument', `run '${ref}' is ambiguous: ${names}`, 'give more of the id');
  throw new PrintshotError('bad-argument', `no run '${ref}' in this experiment${names ? `; runs: ${names}` : ''}`, 'npx printshot runs list --experiment DIR shows them');
}
