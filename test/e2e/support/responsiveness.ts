/**
 * Responsiveness probes in the page: a PerformanceObserver for 'longtask' entries (tasks over
 * 50 ms on the main thread), installed before the app loads, and the cancel latency measured in
 * the page from the click on Cancel to the moment the UI shows the job as cancelled.
 */
import type { Locator, Page } from '@playwright/test';

export interface LongTask {
  start: number;
  duration: number;
  name: string;
}

export interface LoafScript {
  invoker: string;
  sourceURL: string;
  sourceFunctionName: string;
  duration: number;
  forcedStyleAndLayoutDuration: number;
}
export interface LongFrame {
  start: number;
  duration: number;
  blockingDuration: number;
  renderStart: number;
  styleAndLayoutStart: number;
  scripts: LoafScript[];
}

export async function installResponsivenessProbe(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: unknown[]; __longFrames: unknown[] };
    w.__longTasks = [];
    w.__longFrames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration, name: e.name });
    }).observe({ type: 'longtask', buffered: true });
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as (PerformanceEntry & Record<string, unknown> & { scripts: (PerformanceEntry & Record<string, unknown>)[] })[]) {
          w.__longFrames.push({
            start: e.startTime,
            duration: e.duration,
            blockingDuration: e.blockingDuration, firstUI: e.firstUIEventTimestamp,
            renderStart: e.renderStart,
            styleAndLayoutStart: e.styleAndLayoutStart,
            scripts: e.scripts.map((s) => ({ start: s.startTime, exec: s.executionStart, pause: s.pauseDuration, invoker: s.invoker, sourceURL: s.sourceURL, sourceFunctionName: s.sourceFunctionName, duration: s.duration, forcedStyleAndLayoutDuration: s.forcedStyleAndLayoutDuration })),
          });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
    } catch {
      /* no LoAF in this browser */
    }
  });
}

export async function readLongTasks(page: Page, from: number, to: number): Promise<LongTask[]> {
  const all = await page.evaluate(() => (window as unknown as { __longTasks: LongTask[] }).__longTasks);
  return all.filter((t) => t.start + t.duration >= from && t.start <= to);
}

export async function readLongFrames(page: Page, from: number, to: number): Promise<LongFrame[]> {
  const all = await page.evaluate(() => (window as unknown as { __longFrames: LongFrame[] }).__longFrames);
  return all.filter((t) => t.start + t.duration >= from && t.start <= to);
}

/** ms from the click on `button` (as the page saw it) until an element with data-testid `doneTestId` is in the DOM. */
export async function measureCancel(page: Page, button: Locator, doneTestId: string): Promise<number> {
  await page.evaluate((testId) => {
    const w = window as unknown as { __cancelLatency: Promise<number> };
    w.__cancelLatency = new Promise<number>((resolve) => {
      let clickedAt = 0;
      document.addEventListener('click', () => (clickedAt = clickedAt || performance.now()), { capture: true });
      new MutationObserver(() => {
        if (clickedAt && document.querySelector(`[data-testid="${testId}"]`)) resolve(performance.now() - clickedAt);
      }).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
  }, doneTestId);
  await button.click();
  return page.evaluate(() => (window as unknown as { __cancelLatency: Promise<number> }).__cancelLatency);
}
