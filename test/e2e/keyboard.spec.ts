/**
 * The whole loop with the keyboard only (issue 22): no mouse, no element.click(): Tab/Shift+Tab
 * to reach controls, Enter/Space to press them, typing into fields, and the workbench shortcuts
 * (g then a step number, Ctrl+Enter to start, Ctrl+Shift+E to export, ? for the help overlay).
 * Bundled model → new experiment → images → FGSM on 4 images → sheet → synthetic sweeps → report.
 */
import { expect, test } from '@playwright/test';
import { freshWorkbench, goStep, shot, tabTo } from './support/workbench';

test('the whole loop from the keyboard only: load model → experiment → attack → sheet → sweeps → report', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await freshWorkbench(page);

  await test.step('? opens the shortcut list, Esc closes it', async () => {
    await page.keyboard.press('?');
    const help = page.getByTestId('shortcut-help');
    await expect(help).toBeVisible();
    await expect(help).toContainText('g then 9');
    await page.keyboard.press('Escape');
    await expect(help).toBeHidden();
  });

  await test.step('model: Tab to "Load the bundled model", Enter', async () => {
    await tabTo(page, page.getByRole('button', { name: 'Load the bundled model' }));
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  });

  await test.step('experiment: Tab to "New experiment" in the experiment bar, Space', async () => {
    await tabTo(page, page.getByTestId('experiment-bar').getByRole('button', { name: 'New experiment' }));
    await page.keyboard.press('Space');
    await expect(page.getByTestId('experiment-name')).toContainText('experiment-');
  });

  await test.step('images: g 2, clean predictions', async () => {
    await goStep(page, 2, 'images');
    await expect(page.getByTestId('images-summary')).toContainText('200 image(s)');
    await tabTo(page, page.getByRole('button', { name: 'Show clean predictions' }));
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('images-accuracy')).toContainText('Top-1');
  });

  await test.step('attack: g 3, FGSM by typing its name, eps 16 on 4 images, Ctrl+Enter', async () => {
    await goStep(page, 3, 'attack');
    const method = page.locator('#attack-method');
    await tabTo(page, method);
    await page.keyboard.type('Fast g');
    await expect(method).toHaveValue('fgsm');
    await tabTo(page, page.locator('#attack-eps'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('16');
    await tabTo(page, page.locator('#attack-limit'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('4');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('attack-summary')).toContainText('fgsm eps=16');
    await page.keyboard.press('Escape'); // out of the field: single-key shortcuts are ignored while typing
    await expect(page.getByTestId('attack-results').locator('tbody tr')).toHaveCount(4);
  });

  await test.step('print: g 4, Ctrl+Enter renders the sheet', async () => {
    await goStep(page, 5, 'print');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('sheet-previews').locator('canvas')).toHaveCount(1);
  });

  await test.step('evaluate: g 6, Tab to "Run the sweeps", Enter', async () => {
    await goStep(page, 7, 'evaluate');
    await tabTo(page, page.getByTestId('sweep-run'));
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-transform="jpeg"] canvas')).toHaveCount(2, { timeout: 60_000 });
    await expect(page.getByTestId('sweep-digital')).toContainText('4 image(s)');
  });

  await test.step('report: Ctrl+Shift+E opens Report and exports', async () => {
    await page.keyboard.press('Control+Shift+E');
    await expect(page.getByTestId('report-view')).toBeVisible();
    await expect(page.getByTestId('report-files').locator('li.fresh')).toContainText('.pdf', { timeout: 60_000 });
    await shot(page, testInfo, 'keyboard-report');
  });
});
