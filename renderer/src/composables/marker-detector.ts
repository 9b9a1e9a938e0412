/**
 * The marker detector the Capture view uses: a Web Worker running zxing-wasm, so decoding a
 * 720p frame (~15–40 ms) never blocks the page. Provided under MarkerDetectorKey so component
 * tests can put a fake in its place (jsdom has no Worker and no wasm).
 */
import { inject, type InjectionKey } from 'vue';
import type { DetectRequest, DetectResponse } from '../workers/protocol';

export interface MarkerDetector {
  detect(frame: ImageBitmap | { data: ArrayBuffer; width: number; height: number }): Promise<DetectResponse>;
  dispose(): void;
}

export const MarkerDetectorKey: InjectionKey<() => MarkerDetector> = Symbol('marker-detector');

export function workerDetector(): MarkerDetector {
  const worker = new Worker(new URL('../workers/markers.worker.ts', import.meta.url), { type: 'module', name: 'markers' });
  const pending = new Map<number, { resolve: (r: DetectResponse) => void; reject: (e: Error) => void }>();
  let next = 1;
  worker.onmessage = (e: MessageEvent<DetectResponse>) => {
    const p = pending.get(e.data.id);
    pending.delete(e.data.id);
    if (!p) return;
    if (e.data.error) p.reject(new Error(e.data.error));
    else p.resolve(e.data);
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(e.message || 'the marker detector stopped'));
    pending.clear();
  };
  return {
    detect(frame) {
      const id = next++;
      const isBitmap = typeof ImageBitmap !== 'undefined' && frame instanceof ImageBitmap;
      const msg: DetectRequest = isBitmap ? { id, bitmap: frame as ImageBitmap } : { id, image: frame as DetectRequest['image'] };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage(msg, isBitmap ? [frame as ImageBitmap] : [(frame as { data: ArrayBuffer }).data]);
      });
    },
    dispose() {
      worker.terminate();
      for (const p of pending.values()) p.reject(new Error('disposed'));
      pending.clear();
    },
  };
}

export function useMarkerDetectorFactory(): () => MarkerDetector {
  return inject(MarkerDetectorKey, workerDetector);
}
