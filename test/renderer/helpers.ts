/**
 * Mounting views and creating stores against a FakeBridge. Stores inject the bridge through the
 * app context (Pinia runs setup stores inside it), so both paths provide it under BridgeKey.
 * jsdom has no canvas, object URLs or ImageBitmap: the stubs below make those paths no-ops.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { vi } from 'vitest';
import { createApp, type Component } from 'vue';
import type { JobResult } from '../../src/contract';
import { BridgeKey } from '../../renderer/src/bridge';
import { FakeBridge } from '../support/fake-bridge/fake';
import { CaptureWorkerKey, type CaptureWorker } from '../../renderer/src/composables/capture-worker';

export { FakeBridge, flushPromises };

export function stubDom(): void {
  // jsdom prints "not implemented" for canvas; no context means charts and previews skip drawing.
  HTMLCanvasElement.prototype.getContext = vi.fn(() => null) as never;
  let n = 0;
  URL.createObjectURL = vi.fn(() => `blob:fake/${++n}`);
  URL.revokeObjectURL = vi.fn();
  // Downloads click a link; jsdom would try to navigate.
  HTMLAnchorElement.prototype.click = vi.fn();
}

/** A Pinia bound to an app that provides the fake bridge, for store tests. */
export function storeContext(fake = new FakeBridge()): { fake: FakeBridge; pinia: Pinia } {
  const app = createApp({});
  app.provide(BridgeKey, fake);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { fake, pinia };
}

export function fakeWorker(): CaptureWorker & { detect: ReturnType<typeof vi.fn>; encode: ReturnType<typeof vi.fn> } {
  return {
    detect: vi.fn(async () => ({ id: 1, detections: [], width: 1280, height: 720, ms: 5 })),
    encode: vi.fn(async () => ({ id: 2, width: 1280, height: 720, thumb: new Uint8Array([0xff, 0xd8]) })),
    dispose: vi.fn(),
  } as never;
}

export function mountWith(component: Component, fake = new FakeBridge(), worker = fakeWorker()) {
  const pinia = createPinia();
  const wrapper = mount(component, {
    attachTo: document.body,
    global: { plugins: [pinia], provide: { [BridgeKey as symbol]: fake, [CaptureWorkerKey as symbol]: () => worker } },
  });
  setActivePinia(pinia);
  return { wrapper, fake, pinia, worker };
}

/** Waits for the fake's newest job of a kind, then finishes it with a result. */
export async function finishJob(fake: FakeBridge, kind: JobResult['kind'], result: JobResult): Promise<void> {
  await flushPromises();
  fake.completeJob(fake.lastJob(kind).id, { result });
  await flushPromises();
  await flushPromises();
}

export const EXPERIMENT_ID = '3f2a9c01-b7e4-4d2a-8c3b-1234567890ab';

/** A one-sheet A4 layout with four corner markers and one clean/adversarial pair. */
export function sampleLayout(experimentId = EXPERIMENT_ID, sheetId = 'ABCD1234') {
  const corners = [
    [10, 10],
    [150, 10],
    [150, 237],
    [10, 237],
  ] as const;
  const prefix = experimentId.replace(/-/g, '').toUpperCase().slice(0, 12);
  return {
    schemaVersion: 1 as const,
    experimentId,
    sheetId,
    sheetIndex: 0,
    sheetCount: 1,
    paper: { name: 'a4' as const, orientation: 'portrait' as const, widthMm: 210, heightMm: 297 },
    marginMm: 10,
    header: ['Printshot · test', 'sheet 1/1 · fgsm eps=16', `2026-01-01 · sheet id ${sheetId}`],
    markers: corners.map(([x, y], corner) => ({ corner: corner as 0 | 1 | 2 | 3, xMm: x, yMm: y, modules: 25, moduleMm: 2, payload: `PS1:${prefix}:${sheetId}:1/1:${corner}` })),
    cells: [
      { index: 0, xMm: 79, yMm: 52, widthMm: 25, heightMm: 25, pixelWidth: 28, pixelHeight: 28, role: 'clean' as const, pair: 0, relPath: 'Coat/1.png', file: 'clean/Coat/1.png', sha256: 'a'.repeat(64), label: 4 },
      { index: 1, xMm: 106, yMm: 52, widthMm: 25, heightMm: 25, pixelWidth: 28, pixelHeight: 28, role: 'adversarial' as const, pair: 0, relPath: 'Coat/1.png', file: 'adversarial/fgsm-eps16/Coat/1.png', sha256: 'b'.repeat(64), label: 4, run: 'adversarial/fgsm-eps16' },
    ],
    calibration: [{ xMm: 70, yMm: 270, sizeMm: 6, rgb: [0, 0, 0] as [number, number, number] }],
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** An experiment with one complete FGSM run and a rendered sheet. */
export function experimentWithRun(files: string[] = ['sheets/fgsm-eps16.layout.json', 'sheets/fgsm-eps16.pdf']) {
  return {
    dir: '/fake/experiments/demo',
    exists: true,
    id: EXPERIMENT_ID,
    name: 'demo',
    images: 8,
    runs: [
      {
        id: 'run-1',
        method: 'fgsm',
        eps: 16,
        dir: 'adversarial/fgsm-eps16',
        status: 'complete' as const,
        createdAt: '2026-01-01T00:00:00.000Z',
        // The case: 5 of 8 right before the attack, 4 of those fooled; the raw count (7/8)
        // includes the 3 already wrong. Wilson 95 % intervals: 4/5 → [0.3755, 0.9638], 1/8 → [0.0224, 0.4709].
        summary: {
          images: 8,
          successes: 7,
          successRate: 0.875,
          cleanTop1Correct: 5,
          advTop1Correct: 1,
          meanLinf: 16,
          meanL2: 343.4,
          alreadyMisclassified: 3,
          cleanAccuracy: { count: 5, total: 8, rate: 0.625, ci: { low: 0.3057, high: 0.8632 } },
          attackSuccess: { count: 4, total: 5, rate: 0.8, ci: { low: 0.3755, high: 0.9638 } },
          adversarialAccuracy: { count: 1, total: 8, rate: 0.125, ci: { low: 0.0224, high: 0.4709 } },
          rawSuccess: { count: 7, total: 8, rate: 0.875, ci: { low: 0.5291, high: 0.9776 } },
        },
      },
    ],
    files,
  };
}
