/**
 * One error style, end to end in the browser workbench (issue 22): an image folder with damaged
 * files lists every one with its reason and a Fix line and loads nothing until "Load the N good
 * images"; a new folder that fails then clears the listing instead of leaving it on screen.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_WORKSPACE } from '../../playwright.config';
import { freshWorkbench, openView, ROOT, shot } from './support/workbench';

test('a damaged image folder: every bad file listed, the good ones loaded on request, a failing folder clears the listing', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const dir = path.join(E2E_WORKSPACE, 'damaged-images');
  const samples = path.join(ROOT, 'assets', 'samples');
  for (const cls of ['Bag', 'Coat']) await mkdir(path.join(dir, cls), { recursive: true });
  await copyFile(path.join(samples, 'Bag', '00018.png'), path.join(dir, 'Bag', 'a.png'));
  await copyFile(path.join(samples, 'Bag', '00030.png'), path.join(dir, 'Bag', 'b.png'));
  await copyFile(path.join(samples, 'Bag', '00031.png'), path.join(dir, 'Coat', 'c.png'));
  await writeFile(path.join(dir, 'Bag', 'broken.png'), 'not an image');
  await writeFile(path.join(dir, 'Coat', 'empty.jpg'), '');

  await freshWorkbench(page);
  await openView(page, 'model');
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await openView(page, 'images');
  await expect(page.getByTestId('images-summary')).toContainText('image(s) in the bundled samples');

  await page.locator('#images-folder-path').fill(dir);
  await page.getByTestId('images-view').getByRole('button', { name: 'Open', exact: true }).click();
  const note = page.getByTestId('images-unreadable');
  await expect(note.getByRole('listitem')).toHaveText([/^Bag\/broken\.png: .+/, /^Coat\/empty\.jpg: .+/]);
  await expect(note).toContainText('Fix:');
  await expect(note).not.toContainText('bad-image');
  // The bundled samples' listing is gone: nothing of another folder under this folder's problem.
  await expect(page.locator('ul.grid li')).toHaveCount(0);
  await expect(page.getByTestId('images-summary')).toHaveCount(0);
  await shot(page, testInfo, 'images-damaged-folder');

  await note.getByRole('button', { name: 'Load the 3 good images' }).click();
  await expect(page.locator('ul.grid li')).toHaveCount(3);
  await expect(page.getByTestId('images-summary')).toContainText('3 image(s)');
  await expect(page.getByTestId('images-summary')).toContainText('2 unreadable file(s) left out: Bag/broken.png, Coat/empty.jpg');
  await expect(page.getByTestId('images-unreadable')).toHaveCount(0);

  await page.locator('#images-folder-path').fill(path.join(E2E_WORKSPACE, 'no-such-folder'));
  await page.getByTestId('images-view').getByRole('button', { name: 'Open', exact: true }).click();
  const error = page.getByTestId('images-view').getByTestId('error-note');
  await expect(error).toContainText('Fix:');
  await expect(page.locator('ul.grid li')).toHaveCount(0);
});
