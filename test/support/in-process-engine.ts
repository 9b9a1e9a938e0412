/**
 * The workbench engine in this process, for end-to-end tests of its jobs (test/unit/serve/*-job):
 * the real engine (createEngine) behind the real EngineHost and the shared route table, with serve
 * mode's platform on a fresh temporary workspace. Messages between host and engine are cloned and
 * delivered asynchronously, as over IPC, so a test sees what the workbench would. The caller stops
 * the host when done: `afterAll(() => host.stop())`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dispatch, type EventMessage, type JobDto, type Routes } from '../../src/contract';
import { createRoutes, EngineHost, type EngineTransport, type FromEngine } from '../../src/engine';
import { createEngine } from '../../src/engine/runtime/engine';
import { servePlatform } from '../../src/serve';

/** The engine in this process as the host's transport: messages cloned and delivered asynchronously, as over IPC. */
export function inProcessTransport(): EngineTransport {
  let listener: (m: FromEngine) => void = () => undefined;
  const deliver = (m: FromEngine) => setImmediate(() => listener(structuredClone(m)));
  const engine = createEngine({ send: deliver, onMessage: () => undefined });
  setImmediate(() => listener({ t: 'ready', pid: process.pid }));
  return { pid: process.pid, send: (msg) => engine.handle(structuredClone(msg)), onMessage: (l) => void (listener = l), onExit: () => undefined, kill: () => undefined };
}

export interface InProcessEngine {
  host: EngineHost;
  routes: Routes;
  /** The temporary serve workspace (a folder that holds no model, for refusals). */
  workspace: string;
  /** Every event the host emitted, in order, with the time (Date.now()) it arrived. */
  seen: (EventMessage & { at: number })[];
  /** A channel through the route table, as the bridge calls it: its value, or its error thrown with code, message and hint. */
  call: (channel: string, payload: unknown) => Promise<unknown>;
  /** The job as its job:done or job:error event reported it; rejects after `timeoutMs` (default: the engine's jobTimeoutMs). */
  finished: (jobId: string, timeoutMs?: number) => Promise<JobDto>;
}

/** Starts the host on an in-process engine; `prefix` names the temporary workspace, jobTimeoutMs is finished()'s default limit. */
export function startInProcessEngine(prefix: string, opts: { jobTimeoutMs?: number } = {}): InProcessEngine {
  const seen: InProcessEngine['seen'] = [];
  const host = new EngineHost(inProcessTransport, (m) => seen.push({ ...m, at: Date.now() }));
  const workspace = mkdtempSync(path.join(tmpdir(), prefix));
  const routes = createRoutes(host, servePlatform({ workspace, version: 'test' }));

  async function call(channel: string, payload: unknown): Promise<unknown> {
    const envelope = await dispatch(routes, channel, payload);
    if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), envelope.error);
    return envelope.value;
  }

  function finished(jobId: string, timeoutMs = opts.jobTimeoutMs ?? 120_000): Promise<JobDto> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = seen.find((e) => (e.event === 'job:done' || e.event === 'job:error') && e.payload.job.id === jobId);
        if (m) {
          clearInterval(poll);
          resolve((m.payload as { job: JobDto }).job);
        } else if (Date.now() - started > timeoutMs) {
          clearInterval(poll);
          reject(new Error(`job ${jobId} did not finish`));
        }
      }, 20);
    });
  }

  return { host, routes, workspace, seen, call, finished };
}
