/**
 * The engine host's job table: every job the host started (or resumed) with its state and
 * progress, the heartbeat that keeps a silent job reporting, and the end states (done, error,
 * cancelled, interrupted) sent as job events. An attack job that stopped without finishing and
 * whose run is known (meta) is resumable: its finished batches are on disk.
 */
import { ERROR_CODES, type ErrorDto, type EventMessage, type JobDto, type JobKind } from '../contract';
import type { EngineChannel, FromEngine, JobMeta } from './protocol';

export interface JobEntry {
  dto: JobDto;
  channel: EngineChannel;
  /** The job's request; absent for a run resumed from the experiment (its manifest holds the parameters). */
  request?: unknown;
  meta?: JobMeta;
  lastEmit: number;
  /** False until the engine accepted the job: no heartbeat for a job that may yet be refused. */
  accepted: boolean;
}

export type JobEnd = 'done' | 'error' | 'cancelled' | 'interrupted';

export class JobTable {
  private readonly jobs = new Map<string, JobEntry>();

  constructor(
    private readonly emit: (m: EventMessage) => void,
    private readonly heartbeatMs: number,
  ) {}

  get(id: string): JobEntry | undefined {
    return this.jobs.get(id);
  }

  delete(id: string): void {
    this.jobs.delete(id);
  }

  entries(): IterableIterator<JobEntry> {
    return this.jobs.values();
  }

  list(): JobDto[] {
    return [...this.jobs.values()].map((j) => structuredClone(j.dto)).sort((a, b) => b.startedAt - a.startedAt);
  }

  add(id: string, kind: JobKind, label: string, channel: EngineChannel, request: unknown, extra: Partial<JobEntry> = {}): JobEntry {
    const dto: JobDto = {
      id,
      kind,
      label,
      state: 'running',
      progress: { done: 0, total: 1, fraction: 0, stage: 'starting', elapsedMs: 0, etaMs: null },
      startedAt: Date.now(),
      resumable: false,
    };
    const entry: JobEntry = { dto, channel, request, lastEmit: 0, accepted: false, ...extra };
    this.jobs.set(id, entry);
    return entry;
  }

  /** An entry for a stopped run listed from disk: no request (the engine resumes from its manifest). */
  adopt(dto: JobDto, meta: JobMeta): JobEntry {
    const entry = this.add(dto.id, 'attack', dto.label, 'attack:start', undefined, { meta });
    entry.dto = dto;
    return entry;
  }

  /** A job's progress, meta, result or failure as the engine reported it. */
  onMessage(msg: Exclude<FromEngine, { t: 'ready' } | { t: 'reply' }>): void {
    const j = this.jobs.get(msg.jobId);
    if (!j || j.dto.state !== 'running') return; // e.g. a late message from a job cancelled by restart
    if (msg.t === 'progress') {
      this.updateProgress(j, msg.done, msg.total, msg.stage, msg.metrics);
      if (j.accepted && Date.now() - j.lastEmit >= 100) this.emitProgress(j);
    } else if (msg.t === 'meta') {
      j.meta = msg.meta;
      j.dto.run = { id: msg.meta.runId, experimentDir: msg.meta.experimentDir };
    } else if (msg.t === 'done') {
      this.updateProgress(j, j.dto.progress.total, j.dto.progress.total, 'done');
      this.finish(j, 'done', { result: msg.result });
    } else if (msg.t === 'failed') {
      this.finish(j, msg.error.code === 'cancelled' ? 'cancelled' : 'error', { error: msg.error });
    }
  }

  updateProgress(j: JobEntry, done: number, total: number, stage: string, metrics?: Record<string, number>): void {
    const elapsedMs = Date.now() - j.dto.startedAt;
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const etaMs = fraction > 0.01 && elapsedMs > 300 ? Math.round((elapsedMs * (1 - fraction)) / fraction) : null;
    j.dto.progress = { done, total, fraction, stage, elapsedMs, etaMs, ...(metrics ? { metrics } : {}) };
  }

  private emitProgress(j: JobEntry): void {
    j.lastEmit = Date.now();
    this.emit({ event: 'job:progress', payload: { jobId: j.dto.id, kind: j.dto.kind, progress: { ...j.dto.progress } } });
  }

  /** The heartbeat: a job whose engine is busy still reports (elapsed time and ETA move on). */
  beat(): void {
    const now = Date.now();
    for (const j of this.jobs.values()) {
      if (!j.accepted || j.dto.state !== 'running' || now - j.lastEmit < this.heartbeatMs - 50) continue;
      const p = j.dto.progress;
      this.updateProgress(j, p.done, p.total, p.stage, p.metrics);
      this.emitProgress(j);
    }
  }

  finish(j: JobEntry, state: JobEnd, extra: { result?: JobDto['result']; error?: ErrorDto }): void {
    j.dto = {
      ...j.dto,
      state,
      finishedAt: Date.now(),
      // A cancelled or interrupted attack keeps its finished batches in its run: resume continues it.
      resumable: (state === 'interrupted' || state === 'cancelled') && j.dto.kind === 'attack' && j.meta !== undefined,
      ...(extra.result ? { result: extra.result } : {}),
      ...(extra.error ? { error: extra.error } : {}),
    };
    const payload = { job: structuredClone(j.dto) };
    this.emit(state === 'done' ? { event: 'job:done', payload } : { event: 'job:error', payload });
  }

  /** Ends every running job as interrupted (the engine stopped); returns their ids. */
  interruptRunning(message: string): string[] {
    const ids: string[] = [];
    for (const j of this.jobs.values()) {
      if (j.dto.state !== 'running') continue;
      ids.push(j.dto.id);
      this.finish(j, 'interrupted', { error: { code: ERROR_CODES.engineDown, message, hint: j.meta ? 'resume it: finished batches are kept' : 'start it again' } });
    }
    return ids;
  }
}
