/**
 * The engine: runs inside the engine process (utilityProcess or child process) and owns
 * everything heavy: the loaded TF.js model, the open experiment, and the jobs. It answers the
 * engine channels of the contract and reports job progress, results and failures as messages.
 * Nothing here blocks the caller: a job call returns as soon as the job is validated and started.
 */
import os from 'node:os';
import { log } from '../../shared';
import { contract, ContractError, dispatch, ERROR_CODES, toErrorDto, type JobKind, type JobResult, type ParsedRequestOf, type ResponseOf } from '../../contract';
import type { EngineChannel, EnginePort, FromEngine, JobMeta, ToEngine } from '../protocol';
import { captureHandlers } from './capture-handlers';
import { computeHandlers } from './compute-handlers';
import { experimentHandlers } from './experiment-handlers';
import { recordCancel, resumeAttackJob } from './attack-resume';
import { jobHandlers } from './job-handlers';
import { modelHandlers } from './model-handlers';
import { patchHandlers } from './patch-handlers';
import { reportHandlers } from './report-handler';
import { reproduceHandlers } from './reproduce-handler';
import { robustnessHandlers } from './robustness-handler';
import type { EngineState } from './state';
import { zooHandlers } from './zoo-handlers';
import { lockedJob, scopedState, type CallScope } from './scope';

/** What a running job can do: check cancellation, report progress, record resume metadata. */
export interface JobControl {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** metrics: the step's figures shown beside the bar (patch:train: step, loss, hit rate). */
  progress(done: number, total: number, stage: string, metrics?: Record<string, number>): void;
  meta(meta: JobMeta): void;
}

export interface EngineContext {
  readonly state: EngineState;
  /**
   * Runs `body` as job `jobId` in the background; its result or error is reported as a message.
   * It holds the lock of `experimentDir` (default: the open experiment) while it runs.
   */
  startJob(jobId: string | undefined, kind: JobKind, body: (job: JobControl) => Promise<JobResult>, experimentDir?: string): { jobId: string };
}

export type EngineHandler<K extends EngineChannel> = (req: ParsedRequestOf<K>, ctx: EngineContext) => Promise<ResponseOf<K>>;
export type EngineHandlers = { [K in EngineChannel]: EngineHandler<K> };

/** Engine progress is throttled here (at most every 100 ms per job); the host adds heartbeats. */
const PROGRESS_INTERVAL_MS = 100;

export function createEngine(port: EnginePort): { state: EngineState; handle(msg: ToEngine): void } {
  const state: EngineState = { jobs: new Map() };
  const send = (m: FromEngine) => port.send(m);

  const ctx: EngineContext = {
    state,
    startJob(jobId, kind, body, experimentDir = state.experimentDir) {
      if (!jobId) throw new ContractError(ERROR_CODES.internal, `a ${kind} job needs an id from the host`);
      const controller = new AbortController();
      state.jobs.set(jobId, { kind, controller });
      let last = 0;
      const control: JobControl = {
        jobId,
        signal: controller.signal,
        progress(done, total, stage, metrics) {
          const now = Date.now();
          if (now - last < PROGRESS_INTERVAL_MS && done < total) return;
          last = now;
          send({ t: 'progress', jobId, done, total, stage, ...(metrics ? { metrics } : {}) });
        },
        meta: (meta) => send({ t: 'meta', jobId, meta }),
      };
      // Started on the next tick so the reply with the job id always precedes the job's events.
      setImmediate(() => {
        lockedJob(kind, experimentDir, () => body(control))()
          .then((result) => send({ t: 'done', jobId, result }))
          .catch((e: unknown) => {
            const error = controller.signal.aborted ? { code: ERROR_CODES.cancelled, message: 'cancelled by the user' } : toErrorDto(e);
            send({ t: 'failed', jobId, error });
          })
          .finally(() => state.jobs.delete(jobId));
      });
      return { jobId };
    },
  };

  const handlers: EngineHandlers = { ...modelHandlers, ...experimentHandlers, ...jobHandlers, ...reportHandlers, ...captureHandlers, ...robustnessHandlers, ...zooHandlers, ...patchHandlers, ...reproduceHandlers, ...computeHandlers };

  async function call(channel: EngineChannel, payload: unknown, jobId: string | undefined, scope: CallScope | undefined) {
    // The host validated already; validating again applies defaults and guards the process edge.
    const routes = { [channel]: (req: unknown) => (handlers[channel] as EngineHandler<EngineChannel>)(req as never, withJobId(ctx, jobId, scope)) };
    return dispatch(routes, channel, payload);
  }

  return {
    state,
    handle(msg) {
      if (msg.t === 'cancel') {
        state.jobs.get(msg.jobId)?.controller.abort();
      } else if (msg.t === 'stop-run') {
        void recordCancel(msg.meta, msg.reason);
      } else if (msg.t === 'call') {
        if (!(msg.channel in handlers) || !(msg.channel in contract)) {
          send({ t: 'reply', id: msg.id, envelope: { ok: false, error: { code: ERROR_CODES.unknownChannel, message: `the engine has no ${String(msg.channel)}` } } });
          return;
        }
        void call(msg.channel, msg.payload, msg.jobId, msg.scope).then((envelope) => send({ t: 'reply', id: msg.id, envelope }));
      } else if (msg.t === 'resume') {
        resumeAttackJob(ctx, msg.jobId, msg.request, msg.meta).then(
          (value) => send({ t: 'reply', id: msg.id, envelope: { ok: true, value } }),
          (e: unknown) => send({ t: 'reply', id: msg.id, envelope: { ok: false, error: toErrorDto(e) } }),
        );
      }
    },
  };
}

/**
 * The context as seen by one call: startJob uses the id the host assigned to this call, and a
 * scoped call (serve mode) sees its own open experiment.
 */
function withJobId(ctx: EngineContext, jobId: string | undefined, scope?: CallScope): EngineContext {
  const state = scope ? scopedState(ctx.state, scope) : ctx.state;
  return { state, startJob: (_id, kind, body) => ctx.startJob(jobId, kind, body, state.experimentDir) };
}

/** Connects an engine to a port and announces it; the entry points of both transports call this. */
export function runEngine(port: EnginePort, pid: number): void {
  lowerEnginePriority();
  const engine = createEngine(port);
  port.onMessage((msg) => engine.handle(msg));
  port.send({ t: 'ready', pid });
}

/**
 * Attacks keep a core busy for minutes; on a 2-core laptop the window would then wait for a core
 * on every frame (docs/BENCHMARKS.md, UI responsiveness). Below-normal priority lets the UI win
 * without slowing the engine when the machine is otherwise idle. PRINTSHOT_ENGINE_NICE=0 keeps
 * normal priority.
 */
export function lowerEnginePriority(env: NodeJS.ProcessEnv = process.env): number | null {
  if (env.PRINTSHOT_ENGINE_NICE === '0') return null;
  try {
    os.setPriority(os.constants.priority.PRIORITY_BELOW_NORMAL);
    return os.getPriority();
  } catch (e) {
    log.warn(`engine: could not lower its priority (${(e as Error).message})`);
    return null;
  }
}
