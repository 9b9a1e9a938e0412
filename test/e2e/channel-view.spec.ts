/**
 * Issue 17, "see the channel": after a fake-webcam capture (the whole loop's setup: bundled model,
 * FGSM eps 16 on 8 images, one sheet, Chromium's fake webcam fed a simulated photo of it), the
 * Capture view shows the photo with its marker overlay and rectified sheet, and the Evaluate view
 * shows a clean / adversarial / photo triptych with top-5 for every registered cell, zooms one at
 * native resolution, and shows them all again after page.reload(), with the last photo results.
 * DOM checks carry the assertions; screenshots of the page and the triptych grid are attached.
 */
import { expect, test, type Page } from '@playwright/test';
import { E2E_WEBCAM } from '../../playwright.config';
import { api, freshWorkbench, openView, shot, webcamFromSheet } from './support/workbench';

async function expectTriptychs(page: Page, cells: number): Promise<void> {
  const trips = page.getByTestId('cell-triptych');
  await expect(trips).toHaveCount(cells, { timeout: 60_000 });
  // Every panel: clean, adversarial and photo with a top-5 each (the photo's from the loaded model), and the heat map.
  await expect(page.locator('[data-testid="cell-triptych"] [data-panel="photo"] ol.top5')).toHaveCount(cells);
  await expect(page.locator('[data-testid="cell-triptych"] ol.top5 li')).toHaveCount(cells * 15);
  await expect(page.locator('[data-testid="cell-triptych"] [data-panel="perturbation"] canvas')).toHaveCount(cells);
}

test('the channel in the workbench: marker overlay, rectified sheet, a triptych per registered cell, zoom, and all of it after a reload', async ({ page }, testInfo) => {
  // The whole loop plus a report and a reload: about 2 min idle, more on a loaded 2-core VM.
  test.setTimeout(300_000);
  await freshWorkbench(page);
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await expect(page.getByTestId('experiment-name')).toContainText('experiment-');

  await openView(page, 'attack');
  await page.getByLabel('Method').selectOption('fgsm');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('8');
  await page.getByTestId('attack-start').click();
  await expect(page.getByTestId('attack-results').locator('tbody tr')).toHaveCount(8, { timeout: 60_000 });

  await openView(page, 'print');
  await page.getByTestId('print-render').click();
  await expect(page.getByTestId('print-save')).toBeVisible({ timeout: 60_000 });
  const exp = await api<{ dir: string }>(page, 'experiment:current');

  await test.step('capture: the fake webcam registers the sheet; the photo shows its markers and rectified sheet', async () => {
    await webcamFromSheet(exp.dir, 'sheets/fgsm-eps16.layout.json', E2E_WEBCAM);
    await openView(page, 'capture');
    await page.getByTestId('camera-start').click();
    await expect(page.getByTestId('photo-strip').locator('li[data-state="accepted"]')).toHaveCount(1, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Stop camera' }).click();
    await expect(page.getByTestId('capture-accepted')).toContainText('1 photo(s) accepted in this experiment');
    const photo = page.getByTestId('registered-photo');
    await expect(photo).toHaveCount(1);
    await expect(photo.locator('[data-testid="marker-overlay"] polygon')).toHaveCount(4);
    await expect(photo.getByTestId('rectified-sheet').locator('img')).toBeVisible();
    await shot(page, testInfo, 'channel-capture');
  });

  const registered = await api<{ cells: unknown[]; photos: unknown[] }>(page, 'capture:photos', { predict: false });
  const cells = registered.cells.length;
  expect(cells).toBe(16);

  await test.step('evaluate: a triptych per registered cell, one zoomed at native resolution', async () => {
    await openView(page, 'evaluate');
    await expectTriptychs(page, cells);
    await expect(page.getByTestId('registered-photo').locator('polygon')).toHaveCount(4);
    const crop = page.locator('[data-testid="cell-triptych"][data-role="adversarial"]').first().locator('[data-panel="photo"] button');
    await crop.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('zoom-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('zoom-size')).toHaveText(/^28 × 28 px · shown ×\d+$/);
    const natural = await dialog.getByTestId('zoom-image').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(natural).toEqual([28, 28]);
    await shot(page, testInfo, 'channel-zoom');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(crop).toBeFocused();
    // The gain slider redraws the heat maps; the histogram follows the selected cell.
    await page.getByTestId('perturbation-gain').fill('32');
    await expect(page.locator('[data-panel="perturbation"] canvas').first()).toHaveAttribute('aria-label', /×32/);
    await expect(page.getByTestId('histogram-summary')).toContainText(/L∞ \d+ levels/);
    await page.getByTestId('photo-evaluate').click();
    await expect(page.getByTestId('photo-destruction')).toContainText(/Destruction rate on photos/, { timeout: 90_000 });
    await page.getByTestId('triptychs').screenshot({ path: testInfo.outputPath('channel-triptychs.png') });
    await testInfo.attach('channel-triptychs', { path: testInfo.outputPath('channel-triptychs.png'), contentType: 'image/png' });
    await shot(page, testInfo, 'channel-evaluate');
  });

  await test.step('reload: the photos, every triptych and the last photo results come back from disk', async () => {
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
    await openView(page, 'evaluate');
    await expectTriptychs(page, cells);
    await expect(page.getByTestId('registered-photo')).toHaveCount(1);
    await expect(page.getByTestId('photo-destruction')).toContainText(/Destruction rate on photos/);
    await page.locator('[data-testid="cell-triptych"] [data-panel="clean"] button').first().click();
    await expect(page.getByTestId('zoom-dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await openView(page, 'capture');
    await expect(page.getByTestId('capture-accepted')).toHaveText('1 photo(s) accepted in this experiment.');
    await shot(page, testInfo, 'channel-after-reload');
  });
});
