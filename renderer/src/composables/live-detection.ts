/**
 * Live marker detection on the webcam preview, throttled to at most 5 frames a second with one
 * frame in flight: the frame is grabbed as an ImageBitmap (no pixel copy on the main thread) and
 * decoded in the worker (which the caller owns). Each result updates the status line, the overlay and the steadiness
 * judgement that auto capture waits for.
 */
import { onBeforeUnmount, ref, shallowRef } from 'vue';
import type { SheetLayout } from '../../../src/sheets/types';
import { EMPTY_STATUS, liveStatus, SteadyTracker, type Detection, type LiveStatus } from '../lib/live-markers';
import type { CaptureWorker } from './capture-worker';

export const DETECT_INTERVAL_MS = 200;

export function useLiveDetection(worker: () => CaptureWorker, context: () => { experimentId?: string; layouts: readonly SheetLayout[] }) {
  const status = ref<LiveStatus>({ ...EMPTY_STATUS });
  const detections = shallowRef<Detection[]>([]);
  const frame = ref<{ width: number; height: number }>({ width: 0, height: 0 });
  const steady = ref(false);
  const detectMs = ref<number | null>(null);
  const error = ref<string | null>(null);
  const running = ref(false);
  const tracker = new SteadyTracker();
  let timer: ReturnType<typeof setInterval> | undefined;
  let inFlight = false;
  let video: HTMLVideoElement | null = null;

  async function tick(): Promise<void> {
    if (inFlight || !video || video.readyState < 2 || video.videoWidth === 0) return;
    inFlight = true;
    try {
      const bitmap = await createImageBitmap(video);
      const r = await worker().detect(bitmap);
      if (!running.value) return;
      frame.value = { width: r.width, height: r.height };
      detections.value = r.detections;
      detectMs.value = r.ms;
      const ctx = context();
      status.value = liveStatus(r.detections, ctx.experimentId, ctx.layouts, frame.value);
      steady.value = tracker.push(status.value, r.detections);
      error.value = null;
    } catch (e) {
      error.value = `marker detection failed: ${(e as Error)?.message ?? String(e)}`;
    } finally {
      inFlight = false;
    }
  }

  function start(el: HTMLVideoElement): void {
    stop();
    video = el;
    running.value = true;
    timer = setInterval(() => void tick(), DETECT_INTERVAL_MS);
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
    running.value = false;
    video = null;
    tracker.reset();
    steady.value = false;
    status.value = { ...EMPTY_STATUS };
    detections.value = [];
  }

  onBeforeUnmount(stop);
  return { status, detections, frame, steady, detectMs, error, running, start, stop, tick };
}
