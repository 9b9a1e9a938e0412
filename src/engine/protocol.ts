/**
 * Messages between the engine host (Electron main, or the serve-mode server) and the engine
 * process (Electron utilityProcess, or a Node child process). Plain structured-cloneable data:
 * both transports use structured clone, so Uint8Array PNG bytes pass without base64.
 */
import type { Channel, Envelope, ErrorDto, JobKind, JobResult, ParsedRequestOf } from '../contract';
import type { CallScope } from './runtime/scope';

/** Channels the host answers itself; everything else runs in the engine. */
export const HOST_CHANNELS = [
  'app:info',
  'engine:restart',
  'job:list',
  'job:status',
  'job:cancel',
  'job:resume',
  'experiment:recent',
  'file:read',
  'file:export',
  'file:open',
  'fs:list',
] as const satisfies readonly Channel[];

export type HostChannel = (typeof HOST_CHANNELS)[number];
export type EngineChannel = Exclude<Channel, HostChannel>;

/** Engine channels that start a job: the host gives the job its id before the call. */
export const JOB_CHANNELS = {
  'attack:start': 'attack',
  'eval:run': 'eval',
  'sheet:render': 'sheet',
  'capture:register': 'register',
  'report:export': 'report',
  'reproduce:run': 'reproduce',
  'robustness:run': 'robustness',
  'zoo:pull': 'zoo',
  'robustness:suite': 'robustness',
  'patch:train': 'patch',
  'patch:apply': 'patch',
} as const satisfies Partial<Record<EngineChannel, JobKind>>;

export type JobChannel = keyof typeof JOB_CHANNELS;

export function isJobChannel(c: string): c is JobChannel {
  return Object.prototype.hasOwnProperty.call(JOB_CHANNELS, c);
}

/** What the engine tells the host about a running job so a crashed job can be resumed. */
export interface JobMeta {
  experimentDir: string;
  runId: string;
}

export type ToEngine =
  /** scope: the caller's open experiment (serve mode, one per tab; runtime/scope.ts). */
  | { t: 'call'; id: number; channel: EngineChannel; payload: unknown; jobId?: string; scope?: CallScope }
  | { t: 'cancel'; jobId: string }
  /** After the host killed a stuck engine to cancel a job: record the cancel its run could not. */
  | { t: 'stop-run'; meta: JobMeta; reason: string }
  | {
      t: 'resume';
      id: number;
      jobId: string;
      kind: JobKind;
      /** The original request; absent for a run listed from disk (its manifest holds the parameters). */
      request?: ParsedRequestOf<'attack:start'>;
      meta: JobMeta;
    };

export type FromEngine =
  | { t: 'ready'; pid: number }
  | { t: 'reply'; id: number; envelope: Envelope }
  | { t: 'progress'; jobId: string; done: number; total: number; stage: string; metrics?: Record<string, number> }
  | { t: 'meta'; jobId: string; meta: JobMeta }
  | { t: 'done'; jobId: string; result: JobResult }
  | { t: 'failed'; jobId: string; error: ErrorDto };

/** The two ends a transport gives the engine: utilityProcess's parentPort or process.send. */
export interface EnginePort {
  send(msg: FromEngine): void;
  onMessage(listener: (msg: ToEngine) => void): void;
}
