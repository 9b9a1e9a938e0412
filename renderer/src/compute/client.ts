/**
 * The page's handle on the compute context (compute.worker.ts, docs/gpu.md). Loads no tfjs: the
 * worker is a separate bundle that Vite builds from the `new URL(…)` below, and it is started only
 * when something asks for the GPU (a probe or a job), so pages that never use it never load it.
 */
import type { ComputeAttackSpec, ComputeDeviceInfo, ComputeErrorDto, ComputeImage, ComputeModel, ComputeRequest, ComputeResponse, ComputeResult } from './protocol';

export type { ComputeAttackSpec, ComputeDeviceInfo, ComputeImage, ComputeModel, ComputeResult } from './protocol';

/** An error the worker reported: the PrintshotError code, message and fix it carried. */
export class ComputeError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(dto: ComputeErrorDto) {
    super(dto.message);
    this.name = 'ComputeError';
    this.code = dto.code;
    this.hint = dto.hint;
  }
}

export interface ComputeProgress {
  imagesDone: number;
  imagesTotal: number;
  step: number;
  steps: number;
}

export interface ComputeJob {
  readonly done: Promise<{ info: ComputeDeviceInfo; results: ComputeResult[]; ms: number }>;
  cancel(): void;
}

export interface ComputeClient {
  /** Starts the GPU backend (float32 check included) and says which device it runs on. */
  probe(opts?: { simulateFloat16?: boolean }): Promise<ComputeDeviceInfo>;
  /** One attack job; image and shard buffers are transferred to the worker (the caller's copies become empty). */
  attack(model: ComputeModel, spec: ComputeAttackSpec, images: ComputeImage[], onProgress?: (p: ComputeProgress) => void): ComputeJob;
  dispose(): void;
}

interface Pending {
  resolve(msg: ComputeResponse): void;
  reject(e: Error): void;
  progress?: (p: ComputeProgress) => void;
}

export function computeClient(): ComputeClient {
  const worker = new Worker(new URL('./compute.worker.ts', import.meta.url), { type: 'module', name: 'compute' });
  const pending = new Map<number, Pending>();
  let next = 1;
  worker.onmessage = (e: MessageEvent<ComputeResponse>) => {
    const msg = e.data;
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') return p.progress?.(msg);
    pending.delete(msg.id);
    if (msg.kind === 'error') p.reject(new ComputeError(msg.error));
    else p.resolve(msg);
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(e.message || 'the compute worker stopped'));
    pending.clear();
  };
  function send(msg: ComputeRequest, transfer: Transferable[], progress?: Pending['progress']): Promise<ComputeResponse> {
    return new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve, reject, progress });
      worker.postMessage(msg, transfer);
    });
  }
  return {
    async probe(opts = {}) {
      const r = await send({ type: 'probe', id: next++, simulateFloat16: opts.simulateFloat16 }, []);
      if (r.kind !== 'probe') throw new Error(`unexpected compute reply '${r.kind}'`);
      return r.info;
    },
    attack(model, spec, images, onProgress) {
      const id = next++;
      const buffers = new Set<ArrayBuffer>([...images.map((i) => i.data.buffer as ArrayBuffer), ...Object.values(model.weights).map((w) => w.buffer as ArrayBuffer)]);
      const done = send({ type: 'attack', id, model, spec, images }, [...buffers], onProgress).then((r) => {
        if (r.kind !== 'done') throw new Error(`unexpected compute reply '${r.kind}'`);
        return { info: r.info, results: r.results, ms: r.ms };
      });
      return { done, cancel: () => worker.postMessage({ type: 'cancel', id } satisfies ComputeRequest) };
    },
    dispose() {
      worker.terminate();
      for (const p of pending.values()) p.reject(new Error('the compute worker was closed'));
      pending.clear();
    },
  };
}
