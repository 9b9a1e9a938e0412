/**
 * The Reproduce panel in the browser workbench, end to end on the real engine: in the Report step,
 * szegedy-spectral (Szegedy et al. Table 5, seconds on the bundled model) runs as a job with a
 * progress bar, then shows its headline figures and links its report files: the HTML link opens
 * the report (read through file:read) in a new tab, and Download saves it.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { bundledModelExperiment, openView, shot } from './support/workbench';

const URL_WITH_TOKEN = process.env.PRINTSHOT_URL;

test('Reproduce: szegedy-spectral from the Report step, its report opened and downloaded', async ({ page, context }, testInfo) => {
  expect(URL_WITH_TOKEN, 'webServer did not report the workbench URL').toBeTruthy();
  await page.goto(URL_WITH_TOKEN!);
  await bundledModelExperiment(page);

  await openView(page, 'report');
  const panel = page.getByTestId('reproduce-panel');
  await expect(panel.locator('[data-testid^="reproduce-run-"]')).toHaveCount(5);
  const spectral = page.getByTestId('reproduce-szegedy-spectral');
  await spectral.getByRole('textbox').fill('20');
  await page.getByTestId('reproduce-run-szegedy-spectral').click();
  const result = page.getByTestId('reproduce-result-szegedy-spectral');
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(result).toContainText(/product of the layer bounds \d/);
  await expect(result).toContainText(/largest measured gradient norm \d/);
  const links = result.getByTestId('reproduce-file-szegedy-spectral');
  await expect(links).toHaveText(['reproduce/szegedy-spectral/reports/szegedy-spectral.html', 'reproduce/szegedy-spectral/reports/szegedy-spectral.csv', 'reproduce/szegedy-spectral/reports/szegedy-spectral.json']);
  await result.scrollIntoViewIfNeeded();
  await shot(page, testInfo, 'reproduce-spectral');

  const [tab] = await Promise.all([context.waitForEvent('page'), links.first().click()]);
  await tab.waitForLoadState();
  await expect(tab.locator('h1')).toContainText('Table 5');
  await tab.close();

  const [download] = await Promise.all([page.waitForEvent('download'), result.getByRole('button', { name: 'Download' }).first().click()]);
  expect(download.suggestedFilename()).toBe('szegedy-spectral.html');
  expect(await readFile(await download.path(), 'utf8')).toContain('Spectral analysis (Szegedy et al. 2013');
});
