/**
 * `printshot runs list|resume|drop --experiment DIR`: the attack runs of an experiment and their
 * lifecycle (docs/experiments.md). `list` names each run's state (running, complete, cancelled,
 * interrupted, failed) with its counts and reason; `resume` finishes a stopped run in place from
 * the experiment alone; `drop` removes an incomplete run (a complete one only with --force).
 */
import type { Command } from 'commander';
import type { AttackJobProgress } from '../../attacks';
import { createProgress, formatTable } from '../output';
import { positiveInt } from './options';

const print = (json: boolean | undefined, value: unknown, human: string): void => {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
};

/**
 * Runs `fn` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so an attack stops between
 * batches and records its run as cancelled instead of leaving it running.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Progress in image-steps (a batch of b images at step s has done b·s of its b·steps); counts include images done before a resume. */
export function attackProgress(title: string, batch: number): { update: (p: AttackJobProgress) => void; stop: () => void } {
  const progress = createProgress(title);
  // A batch's last step and its completion report the same work twice: never show it going back.
  let shown = 0;
  return {
    update: (p) => {
      const inBatch = p.imagesDone < p.imagesTotal ? Math.min(batch, p.imagesTotal - p.imagesDone) * p.step : 0;
      shown = Math.max(shown, Math.min(p.imagesDone * p.steps + inBatch, p.imagesTotal * p.steps));
      progress.update(shown, p.imagesTotal * p.steps, `${p.imagesDone}/${p.imagesTotal} images`);
    },
    stop: () => progress.stop(),
  };
}

export function registerRunsCommand(program: Command): void {
  const cmd = program.command('runs').description("an experiment's attack runs: list their state, resume a stopped one, drop an incomplete one");

  cmd
    .command('list')
    .description('every run with its state (running, complete, cancelled, interrupted, failed), images done and why it stopped')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .option('--json', 'print JSON')
    .action(async (opts: { experiment: string; json?: boolean }) => {
      const { listRunStates, mergeHint, shardStateText } = await import('../../workspace');
      const states = await listRunStates(opts.experiment);
      const why = (s: (typeof states)[number]): string => s.reason ?? (s.writer ? `being written by pid ${s.writer.pid} on host ${s.writer.host}` : '');
      // A finished shard is not a complete run of its job: it says so instead of plain 'complete' (docs/scale.md).
      const state = (s: (typeof states)[number]): string => (!s.shard ? s.status : s.status === 'complete' ? shardStateText(s.shard) : `${s.status} (shard ${s.shard.index}/${s.shard.count})`);
      const rows = states.map((s) => [s.dir.replace(/^adversarial\//, ''), s.id.slice(0, 8), state(s), `${s.done}/${s.total}`, why(s)]);
      // A stopped shard resumes by rerunning its attack command (runs resume refuses it), so it is not offered here.
      const stopped = states.filter((s) => s.status !== 'complete' && s.status !== 'running' && !s.shard);
      const shards = states.filter((s) => s.shard);
      const hint = [
        ...(stopped.length > 0 ? [`${stopped.length} run(s) can be resumed: npx printshot runs resume ${stopped[0].id.slice(0, 8)} --experiment ${opts.experiment}`] : []),
        ...(shards.length > 0 ? [`${shards.length} unmerged shard run(s), never measured or printed as whole runs: ${mergeHint(shards[0].shard!)}`] : []),
      ].map((h) => `\n${h}`).join('');
      print(opts.json, states, states.length === 0 ? 'no runs' : `${formatTable(['run', 'id', 'state', 'images', 'reason'], rows)}${hint}`);
    });

  cmd
    .command('resume <run>')
    .description('finish a cancelled, interrupted or failed run in place (RUN: id, id prefix or folder name); only its missing batches are attacked (a patch run: its missing images pasted)')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .option('--model <dir>', 'model folder, if it moved since the run started (checked against the recorded fingerprint)')
    .option('--workers <n>', 'threads attacking whole batches (default: as many as pay off; same bytes for any count)', positiveInt)
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { experiment: string; model?: string; workers?: number; json?: boolean }) => {
      const [{ resumeRunJob }, { openExperiment, findRunByRef, readRunManifest }, { runDisplayName }] = await Promise.all([
        import('../../services/run-resume'),
        import('../../workspace'),
        import('../../attacks/names'),
      ]);
      const run = findRunByRef((await openExperiment(opts.experiment)).runs, ref);
      const batch = (await readRunManifest(opts.experiment, run).catch(() => undefined))?.batchSize ?? 32;
      const progress = attackProgress(runDisplayName(run.method, run.eps), batch);
      const resumed = await withInterrupt((signal) =>
        resumeRunJob({ experiment: opts.experiment, run: ref, model: opts.model, workers: opts.workers ?? 'auto', signal, onProgress: progress.update }),
      ).finally(() => progress.stop());
      if (resumed.kind === 'patch') {
        (await import('./patch-physical')).printPatchApplyResult(resumed.result, opts.json);
        return;
      }
      const { printAttackResult } = await import('./attack');
      await printAttackResult(resumed.result, opts.json);
    });

  cmd
    .command('drop <run>')
    .description('delete an incomplete run: its images, manifest and record (a complete run only with --force)')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .option('--force', 'also delete a complete run')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { experiment: string; force?: boolean; json?: boolean }) => {
      const { dropRun, findRunByRef, openExperiment } = await import('../../workspace');
      const run = findRunByRef((await openExperiment(opts.experiment)).runs, ref);
      const dropped = await dropRun(opts.experiment, run.id, { force: opts.force });
      print(opts.json, { dropped: { id: dropped.id, dir: dropped.dir, manifest: dropped.manifest, status: dropped.status } }, `dropped run ${dropped.dir} (${dropped.id.slice(0, 8)}): removed ${dropped.dir} and ${dropped.manifest}`);
    });
}
