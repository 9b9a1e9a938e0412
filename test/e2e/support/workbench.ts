/**
 * Helpers for the workbench E2E test: calling the API from the page (with the token the page keeps
 * in sessionStorage, as the renderer's bridge does), making the fake webcam's picture from a simulated photo of a rendered sheet, and
 * saving screenshots (test artifacts; copied to docs/screenshots/ with UPDATE_SCREENSHOTS=1).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import sharp from 'sharp';
import { writeY4m } from './y4m';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** POST /api/<channel> from inside the page, as the renderer's bridge does (bytes stay base64). */
export async function api<T = unknown>(page: Page, channel: string, request: unknown = {}): Promise<T> {
  const envelope = await page.evaluate(
    async ([c, body]) => {
      const token = sessionStorage.getItem('printshot-token') ?? '';
      // As the page's own bridge does: this tab's id, so the answer is about this tab's open experiment.
      const tab = sessionStorage.getItem('printshot-tab');
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-printshot-token': token, ...(tab ? { 'x-printshot-tab': tab } : {}) };
      const res = await fetch(`/api/${c}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
    },
    [channel, request] as const,
  );
  if (!envelope.ok) throw new Error(`${channel}: ${envelope.error?.message}`);
  return envelope.value as T;
}

/**
 * `printshot simulate` on the experiment's sheet (one lossless 1280×720 photo with a random pose,
 * lighting and camera noise), then that photo as the fake webcam's .y4m.
 */
export async function webcamFromSheet(experimentDir: string, layoutFile: string, y4m: string): Promise<string> {
  const out = await mkdtemp(path.join(tmpdir(), 'printshot-e2e-sim-'));
  await run(
    process.execPath,
    [path.join(ROOT, 'bin', 'printshot.mjs'), 'simulate', '--sheets', path.join(experimentDir, layoutFile), '--experiment', experimentDir, '--count', '1', '--lossless', '--width', '1280', '--height', '720', '--seed', '7', '--out', out],
    { cwd: ROOT, timeout: 120_000 },
  );
  const photo = (await readdir(out)).find((f) => f.endsWith('.png') && !f.includes('truth'));
  if (!photo) throw new Error(`printshot simulate wrote no photo into ${out}`);
  const { data, info } = await sharp(path.join(out, photo)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  await writeY4m(y4m, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, { channels: info.channels, frames: 2 });
  return path.join(out, photo);
}

/** A screenshot of the page as a test artifact; with UPDATE_SCREENSHOTS=1 also docs/screenshots/NAME.png. */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    const docs = path.join(ROOT, 'docs', 'screenshots');
    await mkdir(docs, { recursive: true });
    // A palette PNG for the README: a quarter of the size, no visible difference for UI shots.
    await sharp(file).png({ palette: true, quality: 90, compressionLevel: 9 }).toFile(path.join(docs, `${name}.png`));
  }
}

/** Clicks a step in the navigation and waits for its view. */
export async function openView(page: Page, view: string): Promise<void> {
  await page.locator(`nav a[data-view="${view}"]`).click();
  await expect(page.locator(`[data-testid="${view}-view"]`)).toBeVisible();
}

/**
 * Opens the workbench at the URL the server printed (token in the fragment), checks the page took
 * the token out of the address bar, and collects page errors into an annotation.
 */
export async function freshWorkbench(page: Page, urlWithToken = process.env.PRINTSHOT_URL): Promise<void> {
  expect(urlWithToken, 'webServer did not report the workbench URL').toBeTruthy();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(urlWithToken!);
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
  test.info().annotations.push({ type: 'console-errors', description: () => errors.join(' | ') } as never);
}

/** From the Model step: the bundled model loaded and a new experiment open. */
export async function bundledModelExperiment(page: Page): Promise<void> {
  await openView(page, 'model');
  await page.getByRole('button', { name: 'Load the bundled model' }).click();
  await expect(page.getByTestId('model-info')).toContainText('fashion-cnn');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await expect(page.getByTestId('experiment-name')).toContainText('experiment-');
}

/**
 * The responsiveness scenario's setup: the bundled model, a new experiment, and the Attack view
 * filled for a long BIM job (eps 16, 40 iterations, every sample image), not yet started.
 */
export async function prepareLongBim(page: Page): Promise<void> {
  await bundledModelExperiment(page);
  await openView(page, 'attack');
  await page.getByLabel('Method').selectOption('bim');
  await page.locator('#attack-eps').fill('16');
  await page.locator('#attack-limit').fill('');
  await page.locator('#param-bim-iterations').fill('40');
}

/**
 * Keyboard only: presses Tab (Shift+Tab with back) until `target` has the focus, as a keyboard
 * user would; fails if it is not reachable within `max` presses.
 */
export async function tabTo(page: Page, target: ReturnType<Page['locator']>, { back = false, max = 120 } = {}): Promise<void> {
  await expect(target).toBeVisible();
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${String(target)} is not reachable with ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}`);
}

/** The workbench's step shortcut: g, then the step's number (1 Model … 9 Report). */
export async function goStep(page: Page, n: number, view: string): Promise<void> {
  await page.keyboard.press('g');
  await page.keyboard.press(String(n));
  await expect(page.locator(`[data-testid="${view}-view"]`)).toBeVisible();
}
