/**
 * The browser workbench end to end, on the bundled model: load → attack (FGSM, eps 16, 8 sample
 * images) → render a sheet → capture it through Chromium's fake webcam, fed a .y4m made from a
 * simulated photo of that very sheet → registration → the destruction rate on photos. Screenshots
 * of every view are saved as artifacts. A second test measures responsiveness during a BIM job
 * and asserts it (no long task, cancel ≤ 1 s) when other jobs leave the machine's cores alone.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { expect, test, type Page } from '@playwright/test';
import { E2E_WEBCAM } from '../../playwright.config';
import { cpuLoad, cpuSnapshot, loadTooHigh } from './support/cpu-load';
import { installResponsivenessProbe, measureCancel, readLongFrames, readLongTasks } from './support/responsiveness';
import { api, shot, webcamFromSheet } from './support/workbench';

const URL_WITH_TOKEN = process.env.PRINTSHOT_URL;

async function open(page: Page, view: string): Promise<void> {
  await page.locator(`nav a[data-view="${view}"]`).click();
  await expect(page.locator(`[data-testid="${view}-view"]`)).toBeVisible();
}

async function freshWorkbench(page: Page): Promise<void> {
  expect(URL_WITH_TOKEN, 'webServer did not report the workbench URL').toBeTruthy();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(URL_WITH_TOKEN!);
  // The page took the token from the URL fragment and removed it from the address bar.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
  test.info().annotations.push({ type: 'console-errors', description: () => errors.join(' | ') } as never);
}

test('the whole loop: model → attack → sheet → fake-webcam capture → registration → destruction rate', async ({ page }, testInfo) => {
  await installResponsivenessProbe(page);
  await freshWorkbench(page);

  await test.step('model: load the bundled model and test it on samples', async () => {
    await page.getByRole('button', { name: 'Load the bundled model' }).click();
    await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
    await page.getByRole('button', { name: 'Classify one sample per class' }).click();
    await expect(page.getByTestId('model-samples').locator(':scope > li')).toHaveCount(10);
    await shot(page, testInfo, 'model');
  });

  await test.step('experiment: a new one in the workspace', async () => {
    await page.getByRole('button', { name: 'New experiment' }).click();
    await expect(page.getByTestId('experiment-name')).toContainText('experiment-');
  });

  await test.step('images: the samples with clean predictions', async () => {
    await open(page, 'images');
    await expect(page.getByTestId('images-summary')).toContainText('200 image(s)');
    await page.getByRole('button', { name: 'Show clean predictions' }).click();
    await expect(page.getByTestId('images-accuracy')).toContainText('Top-1');
    await shot(page, testInfo, 'images');
  });

  await test.step('attack: FGSM, eps 16, 8 images', async () => {
    await open(page, 'attack');
    await page.getByLabel('Method').selectOption('fgsm');
    await page.locator('#attack-eps').fill('16');
    await page.locator('#attack-limit').fill('8');
    await page.getByTestId('attack-start').click();
    await expect(page.getByTestId('attack-summary')).toContainText('fgsm eps=16');
    // Issue 14: success among the images right before the attack, with count and interval, beside adversarial accuracy.
    await expect(page.getByTestId('attack-summary')).toContainText(/success \d+\.\d % \(\d+\/\d+\) \[\d+–\d+ %\] of the images right before the attack/);
    await expect(page.getByTestId('attack-summary')).toContainText(/adversarial accuracy \d+\.\d % \(\d+\/8\) \[\d+–\d+ %\]/);
    await expect(page.getByTestId('attack-results').locator('tbody tr')).toHaveCount(8);
    await shot(page, testInfo, 'attack');
  });

  let experimentDir = '';
  await test.step('print: render the sheet and preview it', async () => {
    await open(page, 'print');
    await page.getByTestId('print-render').click();
    await expect(page.getByTestId('sheet-previews').locator('canvas')).toHaveCount(1);
    await expect(page.getByTestId('print-save')).toBeVisible();
    await shot(page, testInfo, 'print');
    const exp = await api<{ dir: string; files: string[] }>(page, 'experiment:current');
    experimentDir = exp.dir;
    expect(exp.files).toContain('sheets/fgsm-eps16.layout.json');
  });

  await test.step('capture: the fake webcam sees a photo of that sheet; auto capture registers it', async () => {
    await webcamFromSheet(experimentDir, 'sheets/fgsm-eps16.layout.json', E2E_WEBCAM);
    await open(page, 'capture');
    const t0 = await page.evaluate(() => performance.now());
    await page.getByTestId('camera-start').click();
    await expect(page.getByTestId('capture-status')).toHaveText(/sheet 1\/1 found, 4\/4 markers, 16\/16 cells/, { timeout: 30_000 });
    const accepted = page.getByTestId('photo-strip').locator('li[data-state="accepted"]');
    await expect(accepted).toHaveCount(1, { timeout: 30_000 });
    await expect(accepted).toContainText('16 cells');
    // Live detection keeps running (≤ 5 frames/s, decoded in a worker): the page stays responsive.
    await page.waitForTimeout(2000);
    const t1 = await page.evaluate(() => performance.now());
    await shot(page, testInfo, 'capture');
    const longTasks = await readLongTasks(page, t0, t1);
    const result = { windowMs: Math.round(t1 - t0), longTasks: longTasks.length, longestTaskMs: longTasks.reduce((m, t) => Math.max(m, t.duration), 0) };
    await writeFile(testInfo.outputPath('capture-responsiveness.json'), JSON.stringify({ ...result, t0, tasks: longTasks }, null, 2));
    console.log(`capture responsiveness (camera on, live markers, one capture registered): ${JSON.stringify(result)}`);
  });

  await test.step('evaluate: destruction rate on photos, then synthetic sweeps', async () => {
    await open(page, 'evaluate');
    await page.getByTestId('photo-evaluate').click();
    await expect(page.getByTestId('photo-destruction')).toContainText(/Destruction rate on photos \(.*eps=16, average case\): top-1 \d+\.\d % \(\d+\/\d+\)/, { timeout: 60_000 });
    await expect(page.getByTestId('capture-log')).toContainText('1 accepted');
    await expect(page.locator('table[data-table="table3-photo"]')).toBeVisible();
    await shot(page, testInfo, 'evaluate');
    await page.getByTestId('sweep-run').click();
    await expect(page.locator('[data-transform="jpeg"] canvas')).toHaveCount(2, { timeout: 60_000 });
    await page.locator('[data-transform="brightness"]').scrollIntoViewIfNeeded();
    await shot(page, testInfo, 'evaluate-sweeps');
  });

  await test.step('report: export a PDF', async () => {
    await open(page, 'report');
    await page.getByTestId('report-export').click();
    await expect(page.getByTestId('report-files').locator('li.fresh')).toContainText('.pdf', { timeout: 60_000 });
    await shot(page, testInfo, 'report');
  });
});

test('responsiveness during a BIM job: no main-thread task over 50 ms, cancel within 1 s (asserted unless other jobs load the machine)', async ({ page }, testInfo) => {
  await installResponsivenessProbe(page);
  await freshWorkbench(page);
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await open(page, 'attack');
  await page.getByLabel('Method').selectOption('bim');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('');
  await page.locator('#param-bim-iterations').fill('40');

  const now = () => page.evaluate(() => performance.now());
  const marks: Record<string, number> = {};
  // PRINTSHOT_TRACE=1 also writes a Chromium trace of the window (trace.json) for attribution.
  const tracing = process.env.PRINTSHOT_TRACE === '1';
  if (tracing) await page.context().browser()!.startTracing(page, { path: testInfo.outputPath('trace.json'), categories: (process.env.PRINTSHOT_TRACE_CATS ?? 'toplevel,devtools.timeline,blink.user_timing').split(',') });
  // The window is the job: from the click on Start to the page showing it cancelled.
  const cpu0 = cpuSnapshot();
  const t0 = await now();
  await page.getByTestId('attack-start').click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toHaveAttribute('data-state', 'running');
  marks.running = await now();
  // Let it run, and use the UI meanwhile: switch views and come back.
  await page.waitForTimeout(1500);
  marks.navigate = await now();
  await open(page, 'images');
  marks.images = await now();
  await open(page, 'model');
  marks.model = await now();
  await open(page, 'attack');
  marks.back = await now();
  await page.waitForTimeout(1500);
  await expect(progress).toHaveAttribute('data-state', 'running');
  // The screenshot is the test harness's work, not the app's: its span is left out of the count.
  const shotFrom = await now();
  await shot(page, testInfo, 'attack-running');
  const shotTo = await now();
  marks.cancel = await now();
  const cancel = await measureCancel(page, progress.getByRole('button', { name: 'Cancel' }), 'attack-cancelled');
  const t1 = await now();
  const load = cpuLoad(cpu0, cpuSnapshot());
  if (tracing) await page.context().browser()!.stopTracing();

  const seen = await readLongTasks(page, t0, t1);
  const duringShot = (t: { start: number; duration: number }) => t.start < shotTo && t.start + t.duration > shotFrom;
  const longTasks = seen.filter((t) => !duringShot(t));
  const rel = (t: number) => Math.round(t - t0);
  const result = {
    windowMs: Math.round(t1 - t0),
    longTasks: longTasks.length,
    longestTaskMs: longTasks.reduce((m, t) => Math.max(m, t.duration), 0),
    cancelLatencyMs: Math.round(cancel),
    duringScreenshot: seen.filter(duringShot).length,
    // Cores busy during the window: ours (engine, server, browser, test) and everyone else's.
    foreignCores: load.foreignCores,
    ownCores: load.ownCores,
    loadavg1: Number(loadavg()[0].toFixed(2)),
    browser: page.context().browser()?.version(),
  };
  const timeline = { ...Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, rel(v)])), shot: [rel(shotFrom), rel(shotTo)], end: rel(t1) };
  // Long animation frames carry script attribution (which handler, which file) for any long task.
  const frames = (await readLongFrames(page, t0, t1)).map((f) => ({ ...f, start: rel(f.start) }));
  const report = { ...result, load, timeline, tasks: seen.map((t) => ({ ...t, start: rel(t.start) })), frames };
  await writeFile(testInfo.outputPath('responsiveness.json'), JSON.stringify(report, null, 2));
  await testInfo.attach('responsiveness', { body: JSON.stringify(report, null, 2), contentType: 'application/json' });
  console.log(`responsiveness: ${JSON.stringify(result)}`);

  // Behaviour, always: the measurement happened and Cancel ended the job.
  expect(result.windowMs).toBeGreaterThan(0);
  expect(Number.isFinite(cancel)).toBe(true);
  // Timings, only where they measure the app: a task is timed in wall-clock ms, so other jobs on
  // the same cores stretch it. Above FOREIGN_LOAD_MAX the figures are recorded, not judged.
  const overloaded = loadTooHigh(load);
  testInfo.annotations.push({ type: 'responsiveness', description: `${JSON.stringify(result)}${overloaded ? `; not asserted: ${overloaded}` : '; asserted'}` });
  if (overloaded) {
    console.warn(`responsiveness: timings not asserted (${overloaded})`);
    return;
  }
  expect(longTasks, `main-thread tasks over 50 ms during the BIM job; attribution: ${JSON.stringify(frames)}`).toEqual([]);
  expect(result.cancelLatencyMs, 'cancel latency (click → "cancelled" shown)').toBeLessThanOrEqual(1000);
});

test('two tabs, two experiments: an attack lands in the experiment of the tab that started it (issue 14)', async ({ page, context }) => {
  const other = await context.newPage();
  await freshWorkbench(page);
  await freshWorkbench(other);
  const names: string[] = [];
  for (const p of [page, other]) {
    await p.getByRole('button', { name: 'Load the bundled model' }).click();
    await expect(p.getByTestId('model-info')).toContainText('fashion-cnn');
    await p.getByRole('button', { name: 'New experiment' }).click();
    await expect(p.getByTestId('experiment-name')).toContainText('experiment-');
    names.push((await p.getByTestId('experiment-name').textContent()) ?? '');
  }
  expect(names[0]).not.toBe(names[1]);
  // The second tab opened its experiment last; before per-tab experiments the first tab's attack landed there.
  await page.bringToFront();
  await open(page, 'attack');
  await page.getByLabel('Method').selectOption('fgsm');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('8');
  await page.getByTestId('attack-start').click();
  await expect(page.getByTestId('attack-summary')).toContainText('fgsm eps=16');
  const mine = await api<{ dir: string; runs: { method: string; eps: number }[] }>(page, 'experiment:current');
  const theirs = await api<{ dir: string; runs: unknown[] }>(other, 'experiment:current');
  expect(mine.runs).toEqual([expect.objectContaining({ method: 'fgsm', eps: 16 })]);
  expect(theirs.runs).toEqual([]);
  expect(mine.dir).not.toBe(theirs.dir);
  await expect(page.getByTestId('experiment-name')).toHaveText(names[0]);
  await expect(other.getByTestId('experiment-name')).toHaveText(names[1]);
});
