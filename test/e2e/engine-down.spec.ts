/**
 * One crash, one message (issue 22), against the real engine: kill it during an attack and the
 * engine banner is the page's only alert; the step's content is inert (Start attack cannot be
 * clicked or focused) until Restart engine, and the interrupted attack adds no error note.
 */
import { expect, test } from '@playwright/test';
import { api, freshWorkbench, openView, shot } from './support/workbench';

test('an engine crash shows one message and disables the actions until the restart', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await freshWorkbench(page);
  await openView(page, 'model');
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await expect(page.getByTestId('experiment-name')).toContainText('experiment-');

  await openView(page, 'attack');
  await page.getByLabel('Method').selectOption('bim');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('160');
  await page.getByTestId('attack-start').click();
  await expect(page.getByTestId('job-progress')).toBeVisible();
  const pid = (await api<{ engine: { pid?: number } }>(page, 'app:info')).engine.pid;
  process.kill(pid!, 'SIGKILL');

  const banner = page.getByTestId('engine-banner');
  await expect(banner).toBeVisible({ timeout: 30_000 });
  // Let every message of the crash arrive (job error, failed polls) before counting.
  await page.waitForTimeout(1500);
  await expect(page.getByRole('alert')).toHaveCount(1);
  await expect(page.getByTestId('error-note')).toHaveCount(0);
  await expect(page.locator('main#main')).toHaveJSProperty('inert', true);
  // An inert button takes neither focus nor a click.
  await page.getByTestId('attack-start').focus();
  await expect(page.getByTestId('attack-start')).not.toBeFocused();
  await shot(page, testInfo, 'engine-down');

  await banner.getByRole('button', { name: 'Restart engine' }).click();
  await expect(banner).toHaveCount(0, { timeout: 60_000 });
  await expect(page.locator('main#main')).toHaveJSProperty('inert', false);
  await expect(page.getByTestId('error-note')).toHaveCount(0);
});
