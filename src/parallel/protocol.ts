/**
 * Messages between the pool (main thread) and its workers. Images cross as plain Uint8Arrays
 * whose buffers are transferred, never tensors: each worker owns a separate wasm heap.
 */
import type { AttackImageResult } from '../attacks';
import type { BackendName } from '../model';
import type { LabeledImage } from '../shared';

export interface WorkerInit {
  /** Model folder or 'default'; each worker loads it once, at start. */
  readonly modelDir: string;
  readonly backend?: BackendName;
  /** Threads of the wasm backend in this worker (experimental threaded build, wasm-threads.ts); default 1. */
  readonly wasmThreads?: number;
  /**
   * One Int32 set to 1 by the pool on cancel. A worker running an attack only yields to
   * microtasks between steps, so a posted 'abort' message would not be seen until the batch
   * ends; the shared flag is read in the step callback instead.
   */
  readonly abortFlag: SharedArrayBuffer;
}

export interface BatchRequest {
  readonly type: 'batch';
  readonly attackId: string;
  readonly params: unknown;
  readonly seed: number | string;
  readonly start: number;
  readonly items: LabeledImage[];
}

export type ToWorker = BatchRequest | { readonly type: 'close' };

export interface WireError {
  readonly code?: string;
  readonly message: string;
  readonly hint?: string;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly backend: string; readonly threads?: number }
  | { readonly type: 'init-error'; readonly error: WireError }
  | { readonly type: 'progress'; readonly start: number; readonly imagesDone: number; readonly step: number; readonly steps: number }
  | {
      readonly type: 'result';
      readonly start: number;
      readonly results: AttackImageResult[];
      /** tf.memory().numTensors before and after the batch, for leak checks. */
      readonly tensorsBefore: number;
      readonly tensorsAfter: number;
      readonly ms: number;
    }
  | { readonly type: 'batch-error'; readonly start: number; readonly error: WireError };

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    const { code, hint } = e as Error & { code?: unknown; hint?: unknown };
    return { message: e.message, code: typeof code === 'string' ? code : undefined, hint: typeof hint === 'string' ? hint : undefined };
  }
  return { message: String(e) };
}

/** Buffers to transfer with a list of images; deduplicated, since transferring one twice throws. */
export function transferList(images: readonly { data: Uint8Array }[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const im of images) {
    const buf = im.data.buffer;
    if (buf instanceof ArrayBuffer) seen.add(buf);
  }
  return [...seen];
}
