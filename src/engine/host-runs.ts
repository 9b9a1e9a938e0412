/**
 * Runs of the open experiment as job-list entries. The host's job table lives in memory and is
 * gone after an app or server restart, and an engine crash leaves a run it never reported; but
 * every run records its state on disk. A run that is interrupted (its writer is gone) or
 * cancelled is listed as a resumable attack job with the id 'run:<run id>'.
 */
import { runDisplayName } from '../attacks/names';
import type { JobDto, RunDto } from '../contract';

export const RESUMABLE_RUN_STATES: ReadonlySet<RunDto['status']> = new Set(['interrupted', 'cancelled']);

const PREFIX = 'run:';

export function runJobId(runId: string): string {
  return `${PREFIX}${runId}`;
}

export function isRunJobId(jobId: string): boolean {
  return jobId.startsWith(PREFIX);
}

export function runJobDto(experimentDir: string, run: RunDto): JobDto {
  const done = run.counts?.done ?? 0;
  const total = run.counts?.total ?? 0;
  const started = Date.parse(run.createdAt);
  const stopped = run.stoppedAt ? Date.parse(run.stoppedAt) : undefined;
  const cancelled = run.status === 'cancelled';
  return {
    id: runJobId(run.id),
    kind: 'attack',
    // The run's one display name, as its live job was labelled; the folder tells two runs apart.
    label: `${runDisplayName(run.method, run.eps)} (${run.dir.replace(/^adversarial\//, '')})`,
    state: cancelled ? 'cancelled' : 'interrupted',
    progress: { done, total, fraction: total > 0 ? Math.min(1, done / total) : 0, stage: `${done}/${total} images`, elapsedMs: 0, etaMs: null },
    startedAt: Number.isFinite(started) ? started : 0,
    ...(stopped !== undefined && Number.isFinite(stopped) ? { finishedAt: stopped } : {}),
    resumable: true,
    error: {
      code: cancelled ? 'cancelled' : 'engine-down',
      message: run.reason ?? (cancelled ? 'cancelled by the user' : 'its job stopped without finishing'),
      hint: 'resume it: finished batches are kept',
    },
    run: { id: run.id, experimentDir, dir: run.dir, status: run.status },
  };
}

/** The promise's value, or null when it fails or takes longer than `ms` (a busy engine). */
export async function answerWithin<T>(answer: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([answer.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}
