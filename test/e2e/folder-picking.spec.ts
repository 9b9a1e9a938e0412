/**
 * File picking in the browser workbench (issue 22): serve mode's folder browser, confined to the
 * workspace, the bundled assets and --allow folders. Pick the hardened model and the sample
 * images through it, see the wrong-kind suggestion take an image folder from the Model step to
 * Images, and have a path outside the granted roots (/etc) refused, in the page and on the API.
 */
import { expect, test, type Page } from '@playwright/test';
import { api, freshWorkbench, openView, shot } from './support/workbench';

/** Opens the step's folder browser and walks into the bundled assets. */
async function browseAssets(page: Page, view: 'model' | 'images') {
  const scope = page.getByTestId(`${view}-view`);
  await scope.getByRole('button', { name: 'Browse…' }).click();
  const browser = scope.getByTestId('folder-browser');
  await browser.getByRole('button', { name: 'Bundled assets (read-only)' }).click();
  await expect(browser.getByTestId('folder-current')).toHaveText(/\/assets$/);
  return browser;
}

test('pick a model and an image folder through the folder browser; /etc is refused', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await freshWorkbench(page);

  await test.step('Model: Browse… → Bundled assets → models → fashion-cnn-hardened', async () => {
    await openView(page, 'model');
    const browser = await browseAssets(page, 'model');
    await browser.getByRole('button', { name: 'models/' }).click();
    await expect(browser.locator('li[data-kind="model"]')).toHaveCount(3);
    await shot(page, testInfo, 'folder-browser-models');
    await browser.getByRole('button', { name: 'Choose fashion-cnn-hardened' }).click();
    await expect(page.getByTestId('model-info')).toContainText('fashion-cnn-hardened');
  });

  await test.step('Images: Browse… → Bundled assets → samples', async () => {
    await openView(page, 'images');
    const browser = await browseAssets(page, 'images');
    await expect(browser.locator('li[data-kind="images"]')).toContainText('samples');
    await browser.getByRole('button', { name: 'Choose samples' }).click();
    await expect(page.getByTestId('images-summary')).toContainText('200 image(s)');
    await expect(page.getByTestId('images-summary')).toContainText('assets/samples');
  });

  await test.step('the image folder chosen in Model: "this is an image folder: open it in Images", and the button goes there', async () => {
    await openView(page, 'model');
    const browser = await browseAssets(page, 'model');
    await browser.getByRole('button', { name: 'Choose samples' }).click();
    const note = page.getByTestId('model-view').getByTestId('folder-suggestion');
    await expect(note).toContainText('is an image folder, not a model folder: open it in Images.');
    await note.getByRole('button', { name: 'Open it in Images' }).click();
    await expect(page.getByTestId('images-view')).toBeVisible();
    await expect(page.getByTestId('images-summary')).toContainText('assets/samples');
  });

  await test.step('the folders just used come back as recent ones', async () => {
    const roots = await api<{ recent: { name: string; kind: string }[] }>(page, 'fs:list', {});
    expect(roots.recent.map((r) => [r.name, r.kind])).toEqual(expect.arrayContaining([['samples', 'images'], ['fashion-cnn-hardened', 'model']]));
  });

  await test.step('a path outside the granted roots is refused with a Fix line', async () => {
    await openView(page, 'model');
    const browser = await browseAssets(page, 'model');
    await browser.getByLabel('Go to').fill('/etc');
    await browser.getByRole('button', { name: 'Go', exact: true }).click();
    const alert = browser.getByRole('alert');
    await expect(alert).toContainText('/etc is outside the folders this workbench may open');
    await expect(alert).toContainText('Fix: choose a folder under one of those, or restart with printshot serve --allow /etc');
    await expect(browser.getByTestId('folder-current')).toHaveText(/\/assets$/);
    await shot(page, testInfo, 'folder-browser-refused');
    await expect(api(page, 'fs:list', { path: '/etc' })).rejects.toThrow(/outside the folders this workbench may open/);
    await expect(api(page, 'fs:list', { path: '/etc/../../etc/ssh' })).rejects.toThrow(/outside/);
  });
});
