/**
 * FakeBridge: an in-memory Bridge for component and store tests. It validates every request
 * against the contract (so a component sending a malformed request fails its test, as it would
 * fail in main), records calls, answers from overridable handlers with canned data, and lets a
 * test push events (progress, done, engine crash) with emit() or finish a job with completeJob().
 */
import {
  ContractError,
  ERROR_CODES,
  parseRequest,
  type Channel,
  type ErrorDto,
  type EventName,
  type EventPayload,
  type JobDto,
  type JobResult,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../../src/contract';
import { fakeAttacks, fakeExperiment, fakeImages, fakeModel, fakeTransforms, FAKE_LABELS, TINY_PNG } from './fake-data';
import { fakeRobustnessModels } from './fake-robustness';
import { fakeFolderListing } from './fake-folders';
import { fakeZoo } from './fake-zoo';
import { fakePatchPreview } from './fake-patch';
import { runDisplayName } from '../../../src/attacks/names';
import type { Bridge } from '../../../renderer/src/bridge/types';

export type FakeHandler<K extends Channel> = (request: ParsedRequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>;
type Handlers = { [K in Channel]?: FakeHandler<K> };

export interface FakeCall {
  channel: Channel;
  request: unknown;
}

export class FakeBridge implements Bridge {
  readonly mode = 'fake' as const;
  readonly calls: FakeCall[] = [];
  private readonly handlers: Handlers;
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly jobs = new Map<string, JobDto>();
  private nextJob = 1;

  constructor(overrides: Handlers = {}) {
    this.handlers = { ...this.defaults(), ...overrides };
  }

  /** Replaces the handler of one channel. */
  handle<K extends Channel>(channel: K, handler: FakeHandler<K>): this {
    (this.handlers as Record<Channel, unknown>)[channel] = handler;
    return this;
  }

  /** Makes a channel fail with this error. */
  fail(channel: Channel, error: ErrorDto): this {
    (this.handlers as Record<Channel, unknown>)[channel] = () => {
      throw ContractError.from(error);
    };
    return this;
  }

  callsOf<K extends Channel>(channel: K): ParsedRequestOf<K>[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.request as ParsedRequestOf<K>);
  }

  async call<K extends Channel>(channel: K, request: unknown): Promise<ResponseOf<K>> {
    const parsed = parseRequest(channel, request); // throws ContractError('bad-request') like main
    this.calls.push({ channel, request: parsed });
    const handler = this.handlers[channel] as FakeHandler<K> | undefined;
    if (!handler) throw new ContractError(ERROR_CODES.notAvailable, `FakeBridge: no handler for ${channel}`);
    return structuredClone(await handler(parsed));
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) l(structuredClone(payload));
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Emits progress for a job the fake started (fraction in [0,1]). */
  progress(jobId: string, fraction: number, stage = 'working', metrics?: Record<string, number>): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`FakeBridge: no job ${jobId}`);
    job.progress = { done: fraction * 100, total: 100, fraction, stage, elapsedMs: 1000 * fraction, etaMs: fraction > 0 ? 1000 * (1 - fraction) : null, ...(metrics ? { metrics } : {}) };
    this.emit('job:progress', { jobId, kind: job.kind, progress: job.progress });
  }

  /** Finishes a job: done with a result, or failed/cancelled/interrupted with an error. */
  completeJob(jobId: string, outcome: { result: JobResult } | { state: 'error' | 'cancelled' | 'interrupted'; error: ErrorDto }): JobDto {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`FakeBridge: no job ${jobId}`);
    Object.assign(job, 'result' in outcome ? { state: 'done', result: outcome.result } : { state: outcome.state, error: outcome.error }, { finishedAt: Date.now() });
    job.resumable = job.state === 'interrupted' && job.kind === 'attack';
    this.emit(job.state === 'done' ? 'job:done' : 'job:error', { job });
    return structuredClone(job);
  }

  /** The most recent job the fake started (of this kind), for tests that finish it. */
  lastJob(kind?: JobDto['kind']): JobDto {
    const list = [...this.jobs.values()].filter((j) => kind === undefined || j.kind === kind);
    const job = list.at(-1);
    if (!job) throw new Error(`FakeBridge: no ${kind ?? ''} job started`);
    return structuredClone(job);
  }

  private startJob(kind: JobDto['kind'], label: string): { jobId: string } {
    const id = `job-${this.nextJob++}`;
    this.jobs.set(id, {
      id,
      kind,
      label,
      state: 'running',
      progress: { done: 0, total: 1, fraction: 0, stage: 'starting', elapsedMs: 0, etaMs: null },
      startedAt: Date.now(),
      resumable: false,
    });
    return { jobId: id };
  }

  private job(jobId: string): JobDto {
    const job = this.jobs.get(jobId);
    if (!job) throw new ContractError(ERROR_CODES.badRequest, `no job ${jobId}`);
    return job;
  }

  private defaults(): Handlers {
    let model: ReturnType<typeof fakeModel> | null = null;
    let experiment: ReturnType<typeof fakeExperiment> | null = null;
    const images = fakeImages();
    return {
      'app:info': () => ({ version: '0.0.0-fake', mode: 'serve', platform: 'fake', nativeDialogs: false, engine: { state: 'ready', restarts: 0 } }),
      'engine:restart': () => ({ state: 'ready', restarts: 1 }),
      'model:info': () => model,
      'model:load': () => (model = fakeModel()),
      'model:setCard': (req) => (model = { ...(model ?? fakeModel()), ...req.card, cardEdited: true } as ReturnType<typeof fakeModel>),
      'zoo:list': () => fakeZoo(),
      'zoo:pull': (req) => this.startJob('zoo', `pull ${req.name}`),
      'images:list': (req) => {
        const { offset, limit } = req.page ?? { offset: 0, limit: 100 };
        return { root: '/fake/samples', total: images.length, labels: [...FAKE_LABELS], items: images.slice(offset, offset + limit) };
      },
      'images:classify': () => ({
        total: images.length,
        top1: { correct: images.length, total: images.length },
        top5: { correct: images.length, total: images.length },
        items: images.map((i) => ({ relPath: i.relPath, label: i.label, top: [{ label: i.label, name: i.labelName, prob: 0.9 }], correctTop1: true, correctTop5: true })),
      }),
      'attack:list': () => fakeAttacks(),
      'transform:list': () => fakeTransforms(),
      'attack:start': (req) => this.startJob('attack', runDisplayName(req.method, req.params)),
      'eval:run': () => this.startJob('eval', 'evaluate'),
      'sheet:render': () => this.startJob('sheet', 'sheets'),
      'capture:register': () => this.startJob('register', 'register'),
      'job:list': () => [...this.jobs.values()],
      'job:status': (req) => this.job(req.jobId),
      'job:cancel': (req) => {
        const job = this.job(req.jobId);
        return job.state === 'running' ? this.completeJob(job.id, { state: 'cancelled', error: { code: 'cancelled', message: 'cancelled by the user' } }) : job;
      },
      'job:resume': (req) => Object.assign(this.job(req.jobId), { state: 'running', resumable: false }),
      'experiment:new': (req) => (experiment = fakeExperiment(req.location.kind === 'path' ? req.location.path : '/fake/experiments/new')),
      'experiment:open': (req) => (experiment = fakeExperiment(req.location.kind === 'path' ? req.location.path : '/fake/experiments/demo')),
      'experiment:current': () => experiment,
      'experiment:recent': () => [],
      'run:images': () => ({ total: 0, labels: [...FAKE_LABELS], items: [] }),
      'report:export': (req) => this.startJob('report', `report (${req.format})`),
      'reproduce:run': (req) => this.startJob('reproduce', `reproduce ${req.template}`),
      'robustness:models': (req) => fakeRobustnessModels(req.models),
      'robustness:run': (req) => this.startJob('robustness', `robustness: ${req.methods.join(', ')} × eps ${req.eps.join(', ')}`),
      'robustness:suite': (req) => this.startJob('robustness', `robustness: ${req.suite} suite × eps ${req.eps.join(', ')}`),
      'patch:train': (req) => this.startJob('patch', `patch ${req.target}`),
      'patch:apply': (req) => this.startJob('patch', `patch run from ${req.patch.split('/').pop()}`),
      'patch:preview': (req) => fakePatchPreview(req.count),
      // No model bytes and no experiment here: the GPU path answers as an engine without it would.
      'compute:prepare': () => {
        throw new ContractError(ERROR_CODES.notAvailable, 'FakeBridge: no compute context', 'use Compute: CPU (wasm)');
      },
      'compute:record': () => {
        throw new ContractError(ERROR_CODES.notAvailable, 'FakeBridge: no compute context', 'use Compute: CPU (wasm)');
      },
      'capture:photos': () => ({ accepted: 0, rejected: 0, duplicates: 0, photos: [], cells: [], note: null }),
      'file:read': (req) => ({ name: req.path.split('/').pop()!, mime: 'image/png', bytes: TINY_PNG }),
      'file:export': () => ({ savedTo: null }),
      'file:open': () => ({ opened: false }),
      'fs:list': (req) => fakeFolderListing(req),
    };
  }
}
