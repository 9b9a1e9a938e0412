// @vitest-environment jsdom
/**
 * Live detection on the webcam preview (the composable behind the Capture view): frames go to
 * the detector one at a time, results become the status line and the steadiness that auto
 * capture waits for, and the detector is disposed with the view.
 */
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { applyHomography, type Point } from '../../src/registration/homography';
import { CaptureWorkerKey, useCaptureWorker } from '../../renderer/src/composables/capture-worker';
import { useLiveDetection } from '../../renderer/src/composables/live-detection';
import { markerCornersMm } from '../../renderer/src/lib/live-markers';
import { EXPERIMENT_ID, sampleLayout, stubDom } from './helpers';

beforeEach(() => {
  stubDom();
  (globalThis as { createImageBitmap?: unknown }).createImageBitmap = vi.fn(async () => ({ close: vi.fn() }));
});

const layout = sampleLayout();
const H = [2, 0, 200, 0, 2, 60, 0, 0, 1];
const detections = layout.markers.map((m) => ({ text: m.payload, corners: markerCornersMm(m).map((p) => applyHomography(H, p)) as [Point, Point, Point, Point] }));

function harness(detect: (frame: unknown) => Promise<unknown>) {
  const detector = { detect: vi.fn(detect), encode: vi.fn(), dispose: vi.fn() };
  let live!: ReturnType<typeof useLiveDetection>;
  const wrapper = mount(
    defineComponent({
      setup() {
        const worker = useCaptureWorker();
        live = useLiveDetection(worker, () => ({ experimentId: EXPERIMENT_ID, layouts: [layout] }));
        return () => h('div');
      },
    }),
    { global: { provide: { [CaptureWorkerKey as symbol]: () => detector } } },
  );
  const video = { readyState: 4, videoWidth: 1280, videoHeight: 720 } as HTMLVideoElement;
  return { wrapper, live: () => live, detector, video };
}

describe('live detection', () => {
  it('reports the sheet in view and turns steady after three still frames', async () => {
    const { wrapper, live, detector, video } = harness(async () => ({ id: 1, detections, width: 1280, height: 720, ms: 12 }));
    live().start(video);
    await live().tick();
    expect(live().status.value).toMatchObject({ markersFound: 4, cellsFound: 2, complete: true });
    expect(live().detectMs.value).toBe(12);
    expect(live().steady.value).toBe(false);
    await live().tick();
    await live().tick();
    expect(live().steady.value).toBe(true);
    expect(detector.detect).toHaveBeenCalledTimes(3);
    wrapper.unmount();
    expect(detector.dispose).toHaveBeenCalled();
  });

  it('keeps one frame in flight and shows a detector failure', async () => {
    let release!: () => void;
    const { wrapper, live, detector, video } = harness(
      () =>
        new Promise((_resolve, reject) => {
          release = () => reject(new Error('wasm failed to load'));
        }),
    );
    live().start(video);
    const first = live().tick();
    await Promise.resolve();
    await live().tick(); // skipped: the first frame is still being decoded
    await vi.waitFor(() => expect(detector.detect).toHaveBeenCalledTimes(1));
    release();
    await first;
    expect(live().error.value).toBe('marker detection failed: wasm failed to load');
    live().stop();
    expect(live().status.value.sheet).toBeNull();
    wrapper.unmount();
  });

  it('waits for the video to have a frame', async () => {
    const { wrapper, live, detector } = harness(async () => ({ id: 1, detections: [], width: 0, height: 0, ms: 1 }));
    live().start({ readyState: 1, videoWidth: 0 } as HTMLVideoElement);
    await live().tick();
    expect(detector.detect).not.toHaveBeenCalled();
    wrapper.unmount();
  });
});
