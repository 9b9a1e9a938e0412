/**
 * Issue 18's robustness curves in the browser workbench, end to end on the real engine: the
 * Defences view runs the standard suite (its default comparison) on the plain, adversarially
 * trained and distilled bundled models, on two images at eps 4 and 16, and shows one
 * accuracy-vs-eps chart per model with the suite table and the curves CSV; after a page reload the
 * view reads the same result back from the experiment.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { bundledModelExperiment, openView, shot } from './support/workbench';

const URL_WITH_TOKEN = process.env.PRINTSHOT_URL;
const PANELS = ['robustness-fashion-cnn', 'robustness-fashion-cnn-hardened', 'robustness-fashion-cnn-distilled'];

/** One curve chart per model, each with its suite line at eps 0 (clean), 4 and 16 in its text alternative. */
async function expectCurves(page: Page): Promise<void> {
  const results = page.getByTestId('defences-results');
  await expect(results).toHaveAttribute('data-suite', 'standard');
  const charts = results.locator('[data-testid="defences-charts"] figure');
  await expect(charts).toHaveCount(3);
  expect(await charts.evaluateAll((figs) => figs.map((f) => f.getAttribute('data-panel')))).toEqual(PANELS);
  for (let i = 0; i < 3; i++) {
    await expect(charts.nth(i).locator('canvas')).toBeVisible();
    await expect(charts.nth(i).locator('figcaption')).toContainText(/standard suite \(worst case\): eps 0 [\d.]+ %, eps 4 [\d.]+ %, eps 16 [\d.]+ %/);
  }
  // Robust accuracy with its interval, who broke what, time and queries: one row per model and eps.
  const table = results.locator('table[data-table="robustness-suite"]');
  await expect(table.locator('tbody tr')).toHaveCount(6);
  await expect(table.locator('thead')).toContainText('apgd-ce');
  await expect(table.locator('thead')).toContainText('square');
  await expect(table.locator('tbody tr').first()).toContainText(/\(\d\/2\)/);
}

test('the standard suite from the Defences view: a curve chart per model, the CSV, and both again after a reload', async ({ page }, testInfo) => {
  expect(URL_WITH_TOKEN, 'webServer did not report the workbench URL').toBeTruthy();
  await page.goto(URL_WITH_TOKEN!);
  await bundledModelExperiment(page);

  await openView(page, 'defences');
  await expect(page.getByTestId('defences-models').locator('li')).toHaveCount(1);
  await page.getByTestId('defences-add-defended').click();
  await expect(page.getByTestId('defences-models').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('defences-mode-suite')).toBeChecked();
  await expect(page.locator('#defences-suite-eps')).toHaveValue('4, 8, 16, 25');
  await page.locator('#defences-suite-eps').fill('4, 16');
  await page.locator('#defences-limit').fill('2');
  await page.getByTestId('defences-run').click();
  await expect(page.getByTestId('job-progress')).toBeVisible();
  await expect(page.getByTestId('defences-results')).toBeVisible({ timeout: 120_000 });
  await expectCurves(page);
  await expect(page.getByTestId('defences-masking-summary')).toContainText('Masking checks');
  await page.getByTestId('defences-charts').scrollIntoViewIfNeeded();
  await shot(page, testInfo, 'defences-suite');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('defences-curves-csv').click()]);
  expect(download.suggestedFilename()).toBe('robustness-curves.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\n');
  expect(csv).toHaveLength(1 + 3 * 2);
  expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['fashion-cnn', 'fashion-cnn', 'fashion-cnn-hardened', 'fashion-cnn-hardened', 'fashion-cnn-distilled', 'fashion-cnn-distilled']);

  await page.reload();
  await openView(page, 'defences');
  await expect(page.getByTestId('defences-summary')).toContainText('saved');
  await expectCurves(page);
});
