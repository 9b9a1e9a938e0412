/**
 * Jobs: every long-running request (attack, evaluation, sheets, registration, report) returns a
 * job id at once; this store follows the job through its push events (progress at least twice a
 * second, then done or error) and lets views wait for the outcome or cancel. Events for a job
 * this page did not start (another window, a resumed job) are kept too, so nothing is missed if
 * an event overtakes the reply that carried the id.
 *
 * After a reload or any restart the page knows no job: refresh() reads the host's list, which also
 * holds the open experiment's interrupted and cancelled runs (ids 'run:<run id>'), so they can be
 * resumed from here.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobDto, JobKind, ProgressDto } from '../../../src/contract';
import { useBridge } from '../bridge';
import { toUiError, type UiError } from '../lib/errors';

export interface TrackedJob {
  id: string;
  kind: JobKind;
  label: string;
  state: JobDto['state'];
  progress: ProgressDto;
  job?: JobDto;
  /** When the user asked to cancel (ms, performance.now()). */
  cancelRequestedAt?: number;
  /** How long the cancel took to take effect (ms), once it did. */
  cancelLatencyMs?: number;
}

const FINISHED = new Set<JobDto['state']>(['done', 'error', 'cancelled', 'interrupted']);

export const useJobsStore = defineStore('jobs', () => {
  const bridge = useBridge();
  const jobs = ref<Record<string, TrackedJob>>({});
  const waiters = new Map<string, ((job: JobDto) => void)[]>();

  function entry(id: string, kind: JobKind, label: string = kind): TrackedJob {
    jobs.value[id] ??= { id, kind, label, state: 'running', progress: { done: 0, total: 1, fraction: 0, stage: 'starting', elapsedMs: 0, etaMs: null } };
    return jobs.value[id];
  }

  function finish(job: JobDto): void {
    const t = entry(job.id, job.kind, job.label);
    Object.assign(t, { state: job.state, progress: job.progress, job, label: job.label });
    if (t.cancelRequestedAt !== undefined && t.cancelLatencyMs === undefined) t.cancelLatencyMs = performance.now() - t.cancelRequestedAt;
    for (const w of waiters.get(job.id) ?? []) w(job);
    waiters.delete(job.id);
  }

  bridge.on('job:progress', (p) => {
    const t = entry(p.jobId, p.kind);
    if (!FINISHED.has(t.state)) t.progress = p.progress;
  });
  bridge.on('job:done', (p) => finish(p.job));
  bridge.on('job:error', (p) => finish(p.job));
  bridge.on('engine:crashed', (p) => {
    for (const id of p.interrupted) {
      const t = jobs.value[id];
      if (t && !FINISHED.has(t.state)) t.state = 'interrupted';
    }
  });

  /** Starts following a job the page just started. */
  function track(jobId: string, kind: JobKind, label?: string): TrackedJob {
    const t = entry(jobId, kind, label);
    if (label) t.label = label;
    return t;
  }

  /** Resolves with the finished job (done, error, cancelled or interrupted); polls as a fallback. */
  function wait(jobId: string, pollMs = 2000): Promise<JobDto> {
    const t = jobs.value[jobId];
    if (t?.job && FINISHED.has(t.state)) return Promise.resolve(t.job);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (job: JobDto) => {
        if (timer) clearTimeout(timer);
        resolve(job);
      };
      waiters.set(jobId, [...(waiters.get(jobId) ?? []), done]);
      const poll = () => {
        timer = setTimeout(() => {
          bridge.call('job:status', { jobId }).then(
            (job) => (FINISHED.has(job.state) ? finish(job) : poll()),
            () => poll(),
          );
        }, pollMs);
      };
      poll();
    });
  }

  async function cancel(jobId: string): Promise<UiError | null> {
    const t = jobs.value[jobId];
    if (t) t.cancelRequestedAt = performance.now();
    try {
      const job = await bridge.call('job:cancel', { jobId });
      if (FINISHED.has(job.state)) finish(job);
      return null;
    } catch (e) {
      return toUiError(e);
    }
  }

  /** Attack jobs that stopped before finishing and can be resumed, newest first. */
  const resumable = computed(() =>
    Object.values(jobs.value)
      .filter((t) => t.kind === 'attack' && (t.state === 'interrupted' || t.state === 'cancelled') && t.job?.resumable)
      .sort((a, b) => (b.job?.startedAt ?? 0) - (a.job?.startedAt ?? 0)),
  );

  /** Reads the host's job list; stopped runs that are no longer listed (resumed or dropped elsewhere) are forgotten. */
  async function refresh(): Promise<void> {
    let list: JobDto[];
    try {
      list = await bridge.call('job:list', {});
    } catch {
      return; // the engine banner reports an engine that cannot answer
    }
    const listed = new Set(list.map((j) => j.id));
    for (const [id, t] of Object.entries(jobs.value)) if (!listed.has(id) && t.job?.resumable && FINISHED.has(t.state)) delete jobs.value[id];
    for (const job of list) {
      const t = entry(job.id, job.kind, job.label);
      Object.assign(t, { state: job.state, progress: job.progress, job, label: job.label });
    }
  }

  async function resume(jobId: string): Promise<UiError | null> {
    try {
      const job = await bridge.call('job:resume', { jobId });
      const t = entry(job.id, job.kind, job.label);
      Object.assign(t, { state: job.state, progress: job.progress, job });
      return null;
    } catch (e) {
      return toUiError(e);
    }
  }

  return { jobs, resumable, track, wait, cancel, resume, refresh, finish };
});
