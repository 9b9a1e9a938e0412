/**
 * The run lifecycle in the browser workbench, end to end: a BIM attack whose engine is SIGKILLed
 * after its first batch is recorded; after Restart engine and a page reload (the page forgets
 * every job) the Attack view lists the run as stopped, with its state, and Resume finishes it
 * into one complete run that the results picker offers.
 */
import { expect, test, type Page } from '@playwright/test';
import { api, bundledModelExperiment } from './support/workbench';

const URL_WITH_TOKEN = process.env.PRINTSHOT_URL;

interface Run {
  id: string;
  status: string;
  counts?: { done: number; total: number };
}

async function runs(page: Page): Promise<Run[]> {
  return (await api<{ runs: Run[] } | null>(page, 'experiment:current'))?.runs ?? [];
}

test('an attack whose engine was killed is listed after a reload and resumed to a complete run', async ({ page }) => {
  expect(URL_WITH_TOKEN, 'webServer did not report the workbench URL').toBeTruthy();
  await page.goto(URL_WITH_TOKEN!);
  await bundledModelExperiment(page);

  await page.locator('nav a[data-view="attack"]').click();
  await page.getByLabel('Method').selectOption('bim');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('160');
  await page.getByTestId('attack-start').click();
  await expect.poll(async () => (await runs(page))[0]?.counts?.done ?? 0, { timeout: 90_000, intervals: [100] }).toBeGreaterThan(0);
  const pid = (await api<{ engine: { pid?: number } }>(page, 'app:info')).engine.pid;
  process.kill(pid!, 'SIGKILL');

  await page.getByRole('button', { name: 'Restart engine' }).click();
  await expect(page.getByRole('button', { name: 'Restart engine' })).toHaveCount(0, { timeout: 60_000 });
  const [stoppedRun] = await runs(page);
  expect(stoppedRun).toMatchObject({ status: 'interrupted' });
  expect(stoppedRun.counts!.done).toBeLessThan(160);

  await page.reload();
  await page.locator('nav a[data-view="attack"]').click();
  const stopped = page.getByTestId('attack-stopped').locator('li');
  await expect(stopped).toHaveCount(1);
  await expect(stopped).toHaveAttribute('data-state', 'interrupted');
  await expect(stopped).toContainText('bim eps=16');
  await stopped.getByRole('button', { name: 'Resume' }).click();

  await expect.poll(async () => (await runs(page)).map((r) => [r.id, r.status]), { timeout: 120_000 }).toEqual([[stoppedRun.id, 'complete']]);
  await expect(page.getByTestId('attack-stopped')).toHaveCount(0);
  await expect(page.locator(`#attack-run option[value="${stoppedRun.id}"]`)).toBeEnabled();
  await expect(page.getByTestId('attack-summary')).toContainText('bim eps=16');
});
