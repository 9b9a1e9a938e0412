/**
 * Issue 19 in the browser workbench: a patch through the same path as every attack. On the bundled
 * model: Patch view → train a small targeted patch (few steps; live curves while it trains) → its
 * held-out evaluation with counts and intervals, the patch image and the engine-made preview →
 * "Make a run from this patch" → Print renders that run's sheet → Chromium's fake webcam, fed a
 * simulated photo of the sheet (as workbench.spec.ts does), registers it → Evaluate shows the
 * photo results for the patch run. Then a reload: the Patch view reads its result back.
 */
import { expect, test } from '@playwright/test';
import { E2E_WEBCAM } from '../../playwright.config';
import { api, freshWorkbench, openView, shot, webcamFromSheet } from './support/workbench';

test('a patch: train → make a run → sheet → fake-webcam capture → evaluate', async ({ page }, testInfo) => {
  // About a minute idle; the 2-core VM shared with other jobs can double it.
  test.setTimeout(240_000);
  await freshWorkbench(page);
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await expect(page.getByTestId('experiment-name')).toContainText('experiment-');

  await test.step('patch: train a 20 % Sandal patch for 20 steps, with live curves', async () => {
    await openView(page, 'patch');
    await page.getByLabel('Target').selectOption('Sandal');
    await page.getByLabel('Size(s): share of the image area').fill('0.2');
    await page.getByLabel('Steps (Adam)').fill('20');
    await page.getByLabel('Placements per held-out image').fill('1');
    await page.getByTestId('patch-train').click();
    await expect(page.getByTestId('job-progress')).toHaveAttribute('data-state', 'running');
    // The curves draw while it trains (the job's progress carries step, loss and hit rate).
    await expect(page.locator('[data-testid="patch-curves"][data-live="true"]')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('patch-curves-latest')).toContainText(/20 % patch: step \d+, loss \d+\.\d{3}, batch hit rate \d+ %/);
    await expect(page.getByTestId('patch-results').locator('tbody tr')).toHaveCount(1, { timeout: 120_000 });
    await expect(page.getByTestId('patch-success')).toHaveText(/^\d+\.\d % \(\d+\/\d+\) \[\d+–\d+ %\]$/);
    await expect(page.locator('[data-testid="patch-curves"][data-live="false"] canvas')).toHaveCount(2);
    await expect(page.getByTestId('patch-image').locator('img')).toBeVisible();
    await expect(page.getByTestId('patch-preview').locator('li img')).toHaveCount(6);
    await shot(page, testInfo, 'patch');
  });

  await test.step('make a run from the patch: 8 images, then Print has it chosen', async () => {
    await page.getByLabel('Images: N (empty: all)').fill('8');
    await page.getByTestId('patch-make-run').click();
    await expect(page.getByTestId('print-view')).toBeVisible({ timeout: 60_000 });
    const exp = await api<{ runs: { id: string; method: string; status: string; counts?: { done: number } }[] }>(page, 'experiment:current');
    expect(exp.runs).toEqual([expect.objectContaining({ method: 'patch', status: 'complete', counts: expect.objectContaining({ done: 8 }) })]);
    await expect(page.locator('#print-run')).toHaveValue(exp.runs[0].id);
  });

  let layout = '';
  let dir = '';
  await test.step('print: the patch run on a sheet', async () => {
    await page.getByTestId('print-render').click();
    await expect(page.getByTestId('sheet-previews').locator('canvas')).toHaveCount(1, { timeout: 60_000 });
    const exp = await api<{ dir: string; files: string[] }>(page, 'experiment:current');
    dir = exp.dir;
    layout = exp.files.find((f) => f.startsWith('sheets/') && f.endsWith('.layout.json')) ?? '';
    expect(layout).not.toBe('');
  });

  await test.step('capture: the fake webcam sees a photo of that sheet; auto capture registers it', async () => {
    await webcamFromSheet(dir, layout, E2E_WEBCAM);
    await openView(page, 'capture');
    await page.getByTestId('camera-start').click();
    await expect(page.getByTestId('capture-status')).toHaveText(/sheet 1\/1 found, 4\/4 markers, 16\/16 cells/, { timeout: 30_000 });
    const accepted = page.getByTestId('photo-strip').locator('li[data-state="accepted"]');
    await expect(accepted).toHaveCount(1, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop camera' }).click();
  });

  await test.step('evaluate: photo results for the patch run', async () => {
    await openView(page, 'evaluate');
    await page.getByTestId('photo-evaluate').click();
    await expect(page.getByTestId('photo-destruction')).toContainText(/Destruction rate on photos \(.*patch.*\): top-1 \d+\.\d % \(\d+\/\d+\)/, { timeout: 60_000 });
    await expect(page.getByTestId('capture-log')).toContainText('1 accepted');
    await expect(page.locator('table[data-table="table3-photo"]')).toBeVisible();
    await shot(page, testInfo, 'patch-evaluate');
  });

  await test.step('reload: the Patch view reads its training and run back', async () => {
    await page.reload();
    await openView(page, 'patch');
    await expect(page.getByTestId('patch-restored')).toContainText('Read back from results/patch.json');
    await expect(page.getByTestId('patch-results').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByTestId('patch-run-made')).toContainText(/made from this patch: success on its saved images \d+\.\d % \(\d+\/\d+\)/);
  });
});
