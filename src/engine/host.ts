/**
 * The engine host: lives in Electron main or the serve-mode server, starts the engine process
 * through a transport (utilityProcess or child_process), forwards calls, and keeps the job table.
 *
 * Guarantees the contract promises, kept here rather than in the engine because the engine can be
 * stuck inside a long synchronous TF.js step:
 * - progress at least every heartbeatMs (400 ms, so ≥ 2/s) for every running job, with elapsed time and ETA;
 * - cancellation within 1 s: a job the engine has not stopped after cancelGraceMs (700 ms) is ended by
 *   killing and restarting the engine (finished batches are on disk; other running jobs become
 *   interrupted and resumable);
 * - a crash is reported as engine:crashed, running jobs become interrupted, and restart() brings
 *   back the model and experiment the engine had, so resume can continue from disk.
 */
import { randomUUID } from 'node:crypto';
import { ContractError, ERROR_CODES, type EngineStateDto, type ErrorDto, type EventMessage, type JobDto, type JobKind, type ParsedRequestOf, type ResponseOf } from '../contract';
import type { EngineChannel, FromEngine, JobMeta, ToEngine } from './protocol';
import { isJobChannel, JOB_CHANNELS } from './protocol';

export interface EngineTransport {
  readonly pid?: number;
  send(msg: ToEngine): void;
  onMessage(listener: (msg: FromEngine) => void): void;
  /** Called once when the process ends, for any reason. */
  onExit(listener: (code: number | null, reason: string) => void): void;
  kill(): void;
}

export type SpawnEngine = () => EngineTransport;

export interface EngineHostOptions {
  heartbeatMs?: number;
  cancelGraceMs?: number;
  /** How long start() waits for the engine's 'ready'. */
  startTimeoutMs?: number;
}

interface JobEntry {
  dto: JobDto;
  channel: EngineChannel;
  request: unknown;
  meta?: JobMeta;
  lastEmit: number;
  /** False until the engine accepted the job: no heartbeat for a job that may yet be refused. */
  accepted: boolean;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class EngineHost {
  private transport?: EngineTransport;
  private ready?: Promise<void>;
  private engineState: EngineStateDto = { state: 'stopped', restarts: 0 };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly jobs = new Map<string, JobEntry>();
  private readonly replay: { model?: unknown; card?: unknown; experimentDir?: string } = {};
  private heartbeat?: ReturnType<typeof setInterval>;
  private readonly heartbeatMs: number;
  private readonly cancelGraceMs: number;
  private readonly startTimeoutMs: number;

  constructor(
    private readonly spawn: SpawnEngine,
    private readonly emit: (m: EventMessage) => void,
    opts: EngineHostOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 400;
    this.cancelGraceMs = opts.cancelGraceMs ?? 700;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  }

  state(): EngineStateDto {
    return { ...this.engineState };
  }

  /** The open experiment folder as the engine last reported it (for the host's file routes). */
  get experimentDir(): string | undefined {
    return this.replay.experimentDir;
  }

  /** Starts the engine (idempotent while it runs) and restores the model and experiment it had. */
  start(): Promise<void> {
    if (this.ready && this.engineState.state !== 'crashed' && this.engineState.state !== 'stopped') return this.ready;
    this.engineState = { state: 'starting', restarts: this.engineState.restarts };
    const t = this.spawn();
    this.transport = t;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ContractError(ERROR_CODES.engineDown, 'the engine did not start in time')), this.startTimeoutMs);
      timer.unref?.();
      t.onMessage((msg) => {
        if (t !== this.transport) return;
        if (msg.t === 'ready') {
          clearTimeout(timer);
          this.engineState = { state: 'ready', pid: msg.pid, restarts: this.engineState.restarts };
          resolve();
        } else this.onEngineMessage(msg);
      });
      t.onExit((code, reason) => {
        clearTimeout(timer);
        if (t !== this.transport) return;
        reject(new ContractError(ERROR_CODES.engineDown, `the engine exited before it was ready (${reason})`));
        this.onEngineExit(code, reason);
      });
    }).then(() => this.restoreState());
    this.ready.catch(() => undefined);
    this.heartbeat ??= setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref?.();
    return this.ready;
  }

  async restart(): Promise<EngineStateDto> {
    if (this.transport && this.engineState.state !== 'crashed' && this.engineState.state !== 'stopped') this.killEngine('restart requested');
    this.engineState = { ...this.engineState, restarts: this.engineState.restarts + 1 };
    await this.start();
    this.emit({ event: 'engine:ready', payload: { pid: this.engineState.pid, restarts: this.engineState.restarts } });
    return this.state();
  }

  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const t = this.transport;
    this.transport = undefined;
    this.engineState = { ...this.engineState, state: 'stopped' };
    this.failPending('the engine was stopped');
    t?.kill();
  }

  /** Calls an engine channel; job channels return the job's id and register the job here. */
  async call<K extends EngineChannel>(channel: K, request: ParsedRequestOf<K>, label?: string): Promise<ResponseOf<K>> {
    if (this.engineState.state === 'crashed') {
      throw new ContractError(ERROR_CODES.engineDown, 'the engine has stopped', 'restart the engine (finished work is kept)');
    }
    await this.start();
    const jobId = isJobChannel(channel) ? randomUUID() : undefined;
    if (jobId) this.addJob(jobId, JOB_CHANNELS[channel as keyof typeof JOB_CHANNELS], label ?? channel, channel, request);
    try {
      const value = await this.request({ t: 'call', id: this.nextId++, channel, payload: request, ...(jobId ? { jobId } : {}) });
      const entry = jobId ? this.jobs.get(jobId) : undefined;
      if (entry) entry.accepted = true;
      this.remember(channel, request, value);
      return value as ResponseOf<K>;
    } catch (e) {
      if (jobId) this.jobs.delete(jobId); // refused before it started: never a job
      throw e;
    }
  }

  listJobs(): JobDto[] {
    return [...this.jobs.values()].map((j) => structuredClone(j.dto)).sort((a, b) => b.startedAt - a.startedAt);
  }

  job(jobId: string): JobDto {
    const j = this.jobs.get(jobId);
    if (!j) throw new ContractError(ERROR_CODES.badRequest, `no job ${jobId}`);
    return structuredClone(j.dto);
  }

  /** Resolves within about 1 s with the job cancelled (or finished, if it won the race). */
  async cancel(jobId: string): Promise<JobDto> {
    const j = this.jobs.get(jobId);
    if (!j) throw new ContractError(ERROR_CODES.badRequest, `no job ${jobId}`);
    if (j.dto.state !== 'running') return this.job(jobId);
    this.transport?.send({ t: 'cancel', jobId });
    const deadline = Date.now() + this.cancelGraceMs;
    while (j.dto.state === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (j.dto.state === 'running') {
      // The engine is stuck inside a step: end the job by restarting it.
      this.finishJob(j, 'cancelled', { error: { code: 'cancelled', message: 'cancelled by the user (engine restarted to stop it)' } });
      this.killEngine('cancelling a busy job');
      void this.start().then(
        () => this.emit({ event: 'engine:ready', payload: { pid: this.engineState.pid, restarts: this.engineState.restarts } }),
        () => undefined,
      );
    }
    return this.job(jobId);
  }

  async resume(jobId: string): Promise<JobDto> {
    const j = this.jobs.get(jobId);
    if (!j) throw new ContractError(ERROR_CODES.badRequest, `no job ${jobId}`);
    if (!j.dto.resumable || !j.meta || j.dto.state !== 'interrupted') {
      throw new ContractError(ERROR_CODES.badRequest, `job ${jobId} cannot be resumed`, 'only attack jobs interrupted by an engine crash can be resumed');
    }
    if (this.engineState.state === 'crashed' || this.engineState.state === 'stopped') await this.restart();
    await this.start();
    j.dto = { ...j.dto, state: 'running', resumable: false, error: undefined, finishedAt: undefined };
    try {
      await this.request({ t: 'resume', id: this.nextId++, jobId, kind: j.dto.kind, request: j.request as ParsedRequestOf<'attack:start'>, meta: j.meta });
    } catch (e) {
      j.dto = { ...j.dto, state: 'interrupted', resumable: true };
      throw e;
    }
    return this.job(jobId);
  }

  private request(msg: ToEngine & { id: number }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!this.transport) return reject(new ContractError(ERROR_CODES.engineDown, 'the engine is not running'));
      this.pending.set(msg.id, { resolve, reject });
      this.transport.send(msg);
    });
  }

  /** Keeps what a restarted engine must get back: the model (and card edit) and the experiment. */
  private remember(channel: EngineChannel, request: unknown, value: unknown): void {
    if (channel === 'model:load') {
      this.replay.model = request;
      this.replay.card = undefined;
    } else if (channel === 'model:setCard') this.replay.card = request;
    else if (channel === 'experiment:new' || channel === 'experiment:open') this.replay.experimentDir = (value as { dir: string }).dir;
  }

  private async restoreState(): Promise<void> {
    const call = (channel: EngineChannel, payload: unknown) => this.request({ t: 'call', id: this.nextId++, channel, payload });
    if (this.replay.model) await call('model:load', this.replay.model).catch(() => (this.replay.model = undefined));
    if (this.replay.model && this.replay.card) await call('model:setCard', this.replay.card).catch(() => undefined);
    if (this.replay.experimentDir) {
      await call('experiment:open', { location: { kind: 'path', path: this.replay.experimentDir } }).catch(() => (this.replay.experimentDir = undefined));
    }
  }

  private addJob(id: string, kind: JobKind, label: string, channel: EngineChannel, request: unknown): void {
    const dto: JobDto = {
      id,
      kind,
      label,
      state: 'running',
      progress: { done: 0, total: 1, fraction: 0, stage: 'starting', elapsedMs: 0, etaMs: null },
      startedAt: Date.now(),
      resumable: false,
    };
    this.jobs.set(id, { dto, channel, request, lastEmit: 0, accepted: false });
  }

  private onEngineMessage(msg: FromEngine): void {
    if (msg.t === 'reply') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.envelope.ok) p.resolve(msg.envelope.value);
      else p.reject(ContractError.from(msg.envelope.error));
      return;
    }
    if (msg.t === 'ready') return;
    const j = this.jobs.get(msg.jobId);
    if (!j || j.dto.state !== 'running') return; // e.g. a late message from a job cancelled by restart
    if (msg.t === 'progress') {
      this.updateProgress(j, msg.done, msg.total, msg.stage);
      if (j.accepted && Date.now() - j.lastEmit >= 100) this.emitProgress(j);
    } else if (msg.t === 'meta') {
      j.meta = msg.meta;
    } else if (msg.t === 'done') {
      this.updateProgress(j, j.dto.progress.total, j.dto.progress.total, 'done');
      this.finishJob(j, 'done', { result: msg.result });
    } else if (msg.t === 'failed') {
      this.finishJob(j, msg.error.code === 'cancelled' ? 'cancelled' : 'error', { error: msg.error });
    }
  }

  private updateProgress(j: JobEntry, done: number, total: number, stage: string): void {
    const elapsedMs = Date.now() - j.dto.startedAt;
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const etaMs = fraction > 0.01 && elapsedMs > 300 ? Math.round((elapsedMs * (1 - fraction)) / fraction) : null;
    j.dto.progress = { done, total, fraction, stage, elapsedMs, etaMs };
  }

  private emitProgress(j: JobEntry): void {
    j.lastEmit = Date.now();
    this.emit({ event: 'job:progress', payload: { jobId: j.dto.id, kind: j.dto.kind, progress: { ...j.dto.progress } } });
  }

  /** The heartbeat: a job whose engine is busy still reports (elapsed time and ETA move on). */
  private beat(): void {
    const now = Date.now();
    for (const j of this.jobs.values()) {
      if (!j.accepted || j.dto.state !== 'running' || now - j.lastEmit < this.heartbeatMs - 50) continue;
      const p = j.dto.progress;
      this.updateProgress(j, p.done, p.total, p.stage);
      this.emitProgress(j);
    }
  }

  private finishJob(j: JobEntry, state: 'done' | 'error' | 'cancelled' | 'interrupted', extra: { result?: JobDto['result']; error?: ErrorDto }): void {
    j.dto = {
      ...j.dto,
      state,
      finishedAt: Date.now(),
      resumable: state === 'interrupted' && j.dto.kind === 'attack' && j.meta !== undefined,
      ...(extra.result ? { result: extra.result } : {}),
      ...(extra.error ? { error: extra.error } : {}),
    };
    const payload = { job: structuredClone(j.dto) };
    this.emit(state === 'done' ? { event: 'job:done', payload } : { event: 'job:error', payload });
  }

  private killEngine(reason: string): void {
    const t = this.transport;
    this.transport = undefined;
    this.engineState = { ...this.engineState, state: 'stopped' };
    this.failPending(`the engine was restarted (${reason})`);
    this.interruptRunning(`the engine was restarted (${reason})`);
    t?.kill();
  }

  private onEngineExit(code: number | null, reason: string): void {
    this.transport = undefined;
    this.engineState = { ...this.engineState, state: 'crashed', pid: undefined, lastError: reason };
    this.failPending(`the engine stopped (${reason})`);
    const interrupted = this.interruptRunning(`the engine stopped (${reason})`);
    this.emit({ event: 'engine:crashed', payload: { reason, exitCode: code, interrupted, restartable: true } });
  }

  private interruptRunning(message: string): string[] {
    const ids: string[] = [];
    for (const j of this.jobs.values()) {
      if (j.dto.state !== 'running') continue;
      ids.push(j.dto.id);
      this.finishJob(j, 'interrupted', { error: { code: ERROR_CODES.engineDown, message, hint: j.meta ? 'resume it: finished batches are kept' : 'start it again' } });
    }
    return ids;
  }

  private failPending(message: string): void {
    for (const p of this.pending.values()) p.reject(new ContractError(ERROR_CODES.engineDown, message, 'restart the engine'));
    this.pending.clear();
  }
}
