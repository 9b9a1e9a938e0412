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
 *
 * run() is the one way a store starts a job: it sends the request, follows the job here and
 * resolves with the job's typed result, or rejects with a JobFailedError (the job as it ended;
 * `code` 'cancelled' when the user cancelled it).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ERROR_CODES, type JobDto, type JobKind, type JobResult, type ProgressDto } from '../../../src/contract';
import { BridgeError, useBridge } from '../bridge';
import type { Channel, RequestOf, ResponseOf } from '../bridge/types';
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

/** Every channel that answers {jobId}, and the kind of job it starts (`satisfies` makes the list exhaustive). */
const JOB_KINDS = {
  'attack:start': 'attack',
  'eval:run': 'eval',
  'sheet:render': 'sheet',
  'capture:register': 'register',
  'report:export': 'report',
  'reproduce:run': 'reproduce',
  'robustness:run': 'robustness',
  'robustness:suite': 'robustness',
  'zoo:pull': 'zoo',
  'patch:train': 'patch',
  'patch:apply': 'patch',
} as const satisfies { [K in Channel as ResponseOf<K> extends { jobId: string } ? K : never]: JobKind };

export type JobChannel = keyof typeof JOB_KINDS;
export type JobResultOf<K extends JobKind> = Extract<JobResult, { kind: K }>;

/** A job that ended without its result: `job` is the job as it ended; the code, message and hint are the engine's. */
export class JobFailedError extends BridgeError {
  readonly job: JobDto;

  constructor(job: JobDto, what: string) {
    const code = job.state === 'cancelled' ? ERROR_CODES.cancelled : (job.error?.code ?? ERROR_CODES.internal);
    super(code, job.error?.message ?? `${what} ended: ${job.state}`, job.error?.hint);
    this.name = 'JobFailedError';
    this.job = job;
  }
}

export interface FollowOptions {
  /** Shown by the job's progress bar (default: the job kind). */
  label?: string;
  /** Wording of the error when the engine sent none: "<what> ended: <state>" (default "the <kind> job"). */
  what?: string;
  /** Each progress event of this job. */
  onProgress?: (progress: ProgressDto) => void;
  /** The job as it ended, before run() resolves or rejects. */
  onEnd?: (job: JobDto) => void;
}

export interface RunOptions extends FollowOptions {
  /** The job id, as soon as the engine accepted the job (to show its progress or cancel it). */
  onStart?: (jobId: string) => void;
}

export const useJobsStore = defineStore('jobs', () => {
  const bridge = useBridge();
  const jobs = ref<Record<string, TrackedJob>>({});
  const waiters = new Map<string, ((job: JobDto) => void)[]>();
  const progressWatchers = new Map<string, Set<(progress: ProgressDto) => void>>();

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
    if (FINISHED.has(t.state)) return;
    t.progress = p.progress;
    for (const w of progressWatchers.get(p.jobId) ?? []) w(p.progress);
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

  /** Follows a job already started (or resumed) until it ends: its typed result, or a JobFailedError. */
  async function follow<K extends JobKind>(jobId: string, kind: K, opts: FollowOptions = {}): Promise<JobResultOf<K>> {
    track(jobId, kind, opts.label);
    const watch = opts.onProgress;
    if (watch) progressWatchers.set(jobId, new Set([...(progressWatchers.get(jobId) ?? []), watch]));
    try {
      const job = await wait(jobId);
      opts.onEnd?.(job);
      if (job.state === 'done' && job.result?.kind === kind) return job.result as JobResultOf<K>;
      throw new JobFailedError(job, opts.what ?? `the ${kind} job`);
    } finally {
      if (watch) progressWatchers.get(jobId)?.delete(watch);
    }
  }

  /** Starts a job over the bridge and follows it: resolves with its typed result, rejects with a JobFailedError (or the bridge's error if it never started). */
  async function run<K extends JobChannel>(channel: K, request: RequestOf<K>, opts: RunOptions = {}): Promise<JobResultOf<(typeof JOB_KINDS)[K]>> {
    const { jobId } = (await bridge.call(channel, request)) as { jobId: string };
    const result = follow(jobId, JOB_KINDS[channel], opts); // tracked before onStart hands the id to a view
    opts.onStart?.(jobId);
    return result;
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

  return { jobs, resumable, track, wait, follow, run, cancel, resume, refresh, finish };
});
