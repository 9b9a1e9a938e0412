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
 *   back the model and experiment the engine had, so resume can continue from disk;
 * - after any restart (of the engine, the app or the server) job:list still shows the open
 *   experiment's interrupted and cancelled runs, read from disk, and job:resume continues them.
 */
import { randomUUID } from 'node:crypto';
import { ContractError, ERROR_CODES, type EngineStateDto, type EventMessage, type ExperimentDto, type JobDto, type ParsedRequestOf, type ResponseOf } from '../contract';
import { JobTable, type JobEntry } from './host-jobs';
import { answerWithin, isRunJobId, runJobDto, runJobId, RESUMABLE_RUN_STATES } from './host-runs';
import type { EngineChannel, FromEngine, ToEngine } from './protocol';
import { isJobChannel, JOB_CHANNELS } from './protocol';
import type { CallScope } from './runtime/scope';

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

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class EngineHost {
  private transport?: EngineTransport;
  private ready?: Promise<void>;
  private engineState: EngineStateDto = { state: 'stopped', restarts: 0 };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly jobs: JobTable;
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
    this.jobs = new JobTable(emit, this.heartbeatMs);
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
    this.heartbeat ??= setInterval(() => this.jobs.beat(), this.heartbeatMs);
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
  /** `scope`: the caller's open experiment, for a host serving several (serve mode's tabs). */
  async call<K extends EngineChannel>(channel: K, request: ParsedRequestOf<K>, label?: string, scope?: CallScope): Promise<ResponseOf<K>> {
    if (this.engineState.state === 'crashed') {
      throw new ContractError(ERROR_CODES.engineDown, 'the engine has stopped', 'restart the engine (finished work is kept)');
    }
    await this.start();
    const jobId = isJobChannel(channel) ? randomUUID() : undefined;
    if (jobId) this.jobs.add(jobId, JOB_CHANNELS[channel as keyof typeof JOB_CHANNELS], label ?? channel, channel, request);
    try {
      const value = await this.request({ t: 'call', id: this.nextId++, channel, payload: request, ...(jobId ? { jobId } : {}), ...(scope ? { scope } : {}) });
      const entry = jobId ? this.jobs.get(jobId) : undefined;
      if (entry) entry.accepted = true;
      this.remember(channel, request, value);
      return value as ResponseOf<K>;
    } catch (e) {
      if (jobId) this.jobs.delete(jobId); // refused before it started: never a job
      throw e;
    }
  }

  /**
   * The jobs of this host, then the open experiment's interrupted and cancelled runs that none of
   * them covers (left by an engine or app that has since restarted, or by the CLI): each as a
   * resumable attack job whose id job:resume takes. `scope`: the caller's experiment (serve mode).
   */
  async listJobs(scope?: CallScope): Promise<JobDto[]> {
    const live = this.jobs.list();
    const exp = await this.openExperiment(2000, scope);
    if (!exp) return live;
    const covered = new Set(live.flatMap((j) => (j.run ? [j.run.id] : [])));
    const runs = exp.runs.filter((r) => RESUMABLE_RUN_STATES.has(r.status) && !covered.has(r.id));
    return [...live, ...runs.map((r) => runJobDto(exp.dir, r))];
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
      const reason = 'cancelled by the user (engine restarted to stop it)';
      this.jobs.finish(j, 'cancelled', { error: { code: 'cancelled', message: reason } });
      this.killEngine('cancelling a busy job');
      const meta = j.meta;
      void this.start().then(
        () => {
          // The killed engine could not mark the run cancelled; left alone it would read as interrupted.
          if (meta) this.transport?.send({ t: 'stop-run', meta, reason });
          this.emit({ event: 'engine:ready', payload: { pid: this.engineState.pid, restarts: this.engineState.restarts } });
        },
        () => undefined,
      );
    }
    return this.job(jobId);
  }

  /**
   * Continues an interrupted or cancelled attack from what its run holds on disk: a job of this
   * host, or a run of the open experiment listed by listJobs (id 'run:<run id>').
   */
  async resume(jobId: string, scope?: CallScope): Promise<JobDto> {
    if (this.engineState.state === 'crashed' || this.engineState.state === 'stopped') await this.restart();
    await this.start();
    const j = this.jobs.get(jobId) ?? (isRunJobId(jobId) ? await this.adoptRun(jobId, scope) : undefined);
    if (!j) throw new ContractError(ERROR_CODES.badRequest, `no job ${jobId}`);
    if (!j.dto.resumable || !j.meta || (j.dto.state !== 'interrupted' && j.dto.state !== 'cancelled')) {
      throw new ContractError(ERROR_CODES.badRequest, `job ${jobId} cannot be resumed`, 'only attack jobs that were interrupted or cancelled can be resumed');
    }
    const before = j.dto;
    j.dto = { ...j.dto, state: 'running', resumable: false, error: undefined, finishedAt: undefined };
    try {
      const request = j.request as ParsedRequestOf<'attack:start'> | undefined;
      await this.request({ t: 'resume', id: this.nextId++, jobId, kind: j.dto.kind, ...(request ? { request } : {}), meta: j.meta });
      j.accepted = true;
    } catch (e) {
      j.dto = before;
      throw e;
    }
    return this.job(jobId);
  }

  /** A job entry for an interrupted or cancelled run of the open experiment (no request: its manifest has the parameters). */
  private async adoptRun(jobId: string, scope?: CallScope): Promise<JobEntry | undefined> {
    const exp = await this.openExperiment(0, scope);
    const run = exp?.runs.find((r) => runJobId(r.id) === jobId);
    if (!exp || !run) return undefined;
    return this.jobs.adopt({ ...runJobDto(exp.dir, run), resumable: RESUMABLE_RUN_STATES.has(run.status) }, { experimentDir: exp.dir, runId: run.id });
  }

  /**
   * The open experiment as the engine describes it (runs with their effective status), or null
   * when there is none or the engine cannot answer within timeoutMs (it may be inside a long step;
   * the job list must not wait for it). timeoutMs 0: wait as long as it takes.
   */
  private async openExperiment(timeoutMs: number, scope?: CallScope): Promise<ExperimentDto | null> {
    if (!(scope ? scope.experimentDir : this.replay.experimentDir) || this.engineState.state !== 'ready' || !this.transport) return null;
    const call = { t: 'call' as const, id: this.nextId++, channel: 'experiment:current' as const, payload: {}, ...(scope ? { scope } : {}) };
    const answer = this.request(call) as Promise<ExperimentDto | null>;
    return timeoutMs ? answerWithin(answer, timeoutMs) : answer;
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
    this.jobs.onMessage(msg);
  }

  private killEngine(reason: string): void {
    const t = this.transport;
    this.transport = undefined;
    this.engineState = { ...this.engineState, state: 'stopped' };
    this.failPending(`the engine was restarted (${reason})`);
    this.jobs.interruptRunning(`the engine was restarted (${reason})`);
    t?.kill();
  }

  private onEngineExit(code: number | null, reason: string): void {
    this.transport = undefined;
    this.engineState = { ...this.engineState, state: 'crashed', pid: undefined, lastError: reason };
    this.failPending(`the engine stopped (${reason})`);
    const interrupted = this.jobs.interruptRunning(`the engine stopped (${reason})`);
    this.emit({ event: 'engine:crashed', payload: { reason, exitCode: code, interrupted, restartable: true } });
  }

  private failPending(message: string): void {
    for (const p of this.pending.values()) p.reject(new ContractError(ERROR_CODES.engineDown, message, 'restart the engine'));
    this.pending.clear();
  }
}
