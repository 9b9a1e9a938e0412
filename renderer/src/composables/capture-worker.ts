/**
 * The Capture view's worker: marker detection on live frames (zxing-wasm; ~15–40 ms for a 720p
 * frame) and encoding captured frames (PNG plus a thumbnail), so the page's main thread never
 * blocks on either. Provided under CaptureWorkerKey so component tests can put a fake in its
 * place (jsdom has no Worker, OffscreenCanvas or wasm).
 */
import { inject, onBeforeUnmount, type InjectionKey } from 'vue';
import type { DetectResponse, EncodeResponse, WorkerRequest } from '../workers/protocol';

export interface CaptureWorker {
  detect(frame: ImageBitmap | { data: ArrayBuffer; width: number; height: number }): Promise<DetectResponse>;
  /** PNG bytes of the frame (when png is true) and a JPEG thumbnail `thumbWidth` wide. Takes ownership of the bitmap. */
  encode(bitmap: ImageBitmap, opts: { png: boolean; thumbWidth?: number }): Promise<EncodeResponse>;
  dispose(): void;
}

export const CaptureWorkerKey: InjectionKey<() => CaptureWorker> = Symbol('capture-worker');

export function captureWorker(): CaptureWorker {
  const worker = new Worker(new URL('../workers/capture.worker.ts', import.meta.url), { type: 'module', name: 'capture' });
  const pending = new Map<number, { resolve: (r: never) => void; reject: (e: Error) => void }>();
  let next = 1;
  worker.onmessage = (e: MessageEvent<{ id: number; error?: string }>) => {
    const p = pending.get(e.data.id);
    pending.delete(e.data.id);
    if (!p) return;
    if (e.data.error) p.reject(new Error(e.data.error));
    else p.resolve(e.data as never);
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(e.message || 'the capture worker stopped'));
    pending.clear();
  };
  function send<T>(msg: WorkerRequest, transfer: Transferable[]): Promise<T> {
    return new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve: resolve as (r: never) => void, reject });
      worker.postMessage(msg, transfer);
    });
  }
  return {
    detect(frame) {
      const id = next++;
      if (typeof ImageBitmap !== 'undefined' && frame instanceof ImageBitmap) return send({ type: 'detect', id, bitmap: frame }, [frame]);
      const image = frame as { data: ArrayBuffer; width: number; height: number };
      return send({ type: 'detect', id, image }, [image.data]);
    },
    encode(bitmap, opts) {
      return send({ type: 'encode', id: next++, bitmap, png: opts.png, thumbWidth: opts.thumbWidth ?? 240 }, [bitmap]);
    },
    dispose() {
      worker.terminate();
      for (const p of pending.values()) p.reject(new Error('disposed'));
      pending.clear();
    },
  };
}

/** One worker per view, started on first use and ended with the view. */
export function useCaptureWorker(): () => CaptureWorker {
  const factory = inject(CaptureWorkerKey, captureWorker);
  let worker: CaptureWorker | null = null;
  onBeforeUnmount(() => {
    worker?.dispose();
    worker = null;
  });
  return () => (worker ??= factory());
}
