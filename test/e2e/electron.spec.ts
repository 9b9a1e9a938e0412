/**
 * The real desktop app through Playwright's `_electron.launch`: the window opens on the
 * workbench, the preload's bridge answers (app:info says electron), and the bundled model loads
 * through the utility-process engine. Skipped, with the reason, where the Electron binary is not
 * installed (an offline `npm ci` never downloads it).
 */
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../../src/services/electron-binary';

const binary = electronBinary();
const ROOT = path.resolve(import.meta.dirname, '..', '..');

const skipReason = 'missing' in binary ? `Electron binary not installed (${binary.missing}): the desktop suite is skipped` : null;
if (skipReason) process.stdout.write(`${skipReason}\n`);
test.skip(skipReason !== null, skipReason ?? '');

test('the desktop app opens the workbench and loads the bundled model', async () => {
  const app = await electron.launch({
    executablePath: (binary as { path: string }).path,
    // '.' as `npm start` does: package.json "main" names out/main/index.js and gives the app its name.
    args: [...(process.platform === 'linux' ? ['--no-sandbox', '--disable-gpu'] : []), '.'],
    cwd: ROOT,
  });
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
    await expect(page.getByTestId('app-mode')).toContainText('Desktop');
    const sandboxed = await page.evaluate(() => typeof (globalThis as { require?: unknown }).require === 'undefined' && typeof (globalThis as { printshot?: unknown }).printshot === 'object');
    expect(sandboxed).toBe(true);
    await page.getByRole('button', { name: 'Load the bundled model' }).click();
    await expect(page.getByTestId('model-info')).toContainText('fashion-cnn', { timeout: 60_000 });
  } finally {
    await app.close();
  }
});
