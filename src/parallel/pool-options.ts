/**
 * The attack pool's options, its default size and the error mapping from worker messages: split
 * from pool.ts (which re-exports them) to keep the pool itself readable.
 */
import { availableParallelism } from 'node:os';
import type { AttackImageResult, AttackJobProgress } from '../attacks';
import { currentBackend, type BackendName } from '../model';
import { PrintshotError, type ErrorCode } from '../shared';
import type { Classifier } from '../model/classifier';
import type { WireError } from './protocol';

export interface AttackPoolOptions {
  /** Model folder, or 'default' for the bundled model. Each worker loads it once. */
  readonly modelDir: string;
  /** Worker threads; defaults to defaultWorkerCount(). */
  readonly workers?: number;
  readonly backend?: BackendName;
  /**
   * wasm threads per worker (experimental: tfjs-backend-wasm's threaded build, see wasm-threads.ts
   * and docs/parallel.md). Default 1: one single-threaded backend per worker measured faster.
   */
  readonly wasmThreads?: number;
  /**
   * The worker script. Defaults to worker-entry.mjs, which loads worker.ts through tsx (checkout,
   * npx, tests). A bundled build (electron-vite) must build src/parallel/worker.ts as its own
   * entry and pass that file's URL here, since the bundle holds no .ts files.
   */
  readonly workerEntry?: URL;
  /**
   * Also attack batches on the calling thread with this (loaded) classifier: the local lane
   * (local-lane.ts). create() then returns at once, the local lane starts the job, and each worker
   * takes batches as soon as it is ready; `workers` may be 0.
   */
  readonly local?: Classifier;
}

export interface PoolJobOptions {
  readonly seed: number | string;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: AttackJobProgress) => void | Promise<void>;
  /** Each finished batch, in completion order (not input order). */
  readonly onBatch?: (results: AttackImageResult[]) => void | Promise<void>;
  /** Per-batch worker diagnostics: timing and tf.memory().numTensors around the batch. */
  readonly onWorkerReport?: (r: WorkerBatchReport) => void;
}

export type ParallelAttackOptions = AttackPoolOptions & PoolJobOptions;

export interface WorkerBatchReport {
  readonly worker: number;
  readonly start: number;
  readonly size: number;
  readonly tensorsBefore: number;
  readonly tensorsAfter: number;
  readonly ms: number;
}

/**
 * One worker per core on wasm (one thread per backend instance in Node). With tfjs-node the
 * native runtime already spreads each op over all cores, so extra workers only oversubscribe.
 */
export async function defaultWorkerCount(): Promise<number> {
  const backend = await currentBackend();
  return backend?.name === 'tensorflow' ? 1 : Math.max(1, availableParallelism());
}

/** Re-creates a worker's PrintshotError with its code; anything else is a bug and stays an Error. */
export function fromWire(e: WireError, context: string): Error {
  if (e.code === 'cancelled') return new PrintshotError('cancelled', e.message);
  const message = `${context}: ${e.message}`;
  return e.code ? new PrintshotError(e.code as ErrorCode, message, e.hint) : new Error(message);
}
