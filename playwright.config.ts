/**
 * End-to-end tests (Playwright Test) against Debian's Chromium, never a downloaded browser.
 *
 * - `browser`: the browser workbench (serve mode) started by `webServer`, driven through the whole
 *   loop with Chromium's fake webcam. The camera reads E2E_WEBCAM, a .y4m that global setup
 *   creates as a grey placeholder and the test rewrites from a simulated photo of the sheet it
 *   rendered (Chromium opens the file at getUserMedia time, not at launch).
 * - `electron`: the real desktop app through `_electron.launch`; skipped, with the reason, where
 *   the Electron binary is not installed.
 *
 * `npm run test:e2e` builds the app first (electron-vite build), then runs both.
 */
import path from 'node:path';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';

const root = import.meta.dirname;
/** Outside outputDir, which Playwright empties at start; the serve command empties it itself. */
export const E2E_WORKSPACE = path.join(root, 'test-results', 'e2e-workspace');
export const E2E_WEBCAM = path.join(root, 'test-results', 'e2e-webcam.y4m');

/** Headless Debian Chromium with a fake webcam fed from E2E_WEBCAM. */
const BROWSER = {
  browserName: 'chromium',
  headless: true,
  launchOptions: {
    executablePath: process.env.PRINTSHOT_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${E2E_WEBCAM}`,
    ],
  },
} satisfies PlaywrightTestConfig['use'];

/**
 * Headless Chromium WITH WebGL: ANGLE on SwiftShader (a CPU rasteriser, so it runs on machines
 * without a GPU), the blocklist ignored. PRINTSHOT_GPU_ARGS replaces these flags on a machine with
 * a real GPU (e.g. '--use-angle=vulkan --enable-features=Vulkan').
 */
export const GPU_ARGS = process.env.PRINTSHOT_GPU_ARGS?.split(' ').filter(Boolean) ?? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
const GPU_BROWSER = {
  browserName: 'chromium',
  headless: true,
  launchOptions: {
    executablePath: process.env.PRINTSHOT_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...GPU_ARGS],
  },
} satisfies PlaywrightTestConfig['use'];

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  timeout: 150_000,
  expect: { timeout: 20_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // One line on stdout carries the URL with its token; the named group lands in process.env.PRINTSHOT_URL.
    command: `rm -rf "${E2E_WORKSPACE}" && node bin/printshot.mjs serve --workspace "${E2E_WORKSPACE}"`,
    wait: { stdout: /\(browser mode\): (?<printshot_url>http:\/\/127\.0\.0\.1:\d+\/[?#]token=[A-Za-z0-9_-]+)/ },
    reuseExistingServer: false,
    timeout: 90_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
  projects: [
    {
      name: 'browser',
      // Every spec under test/e2e except the desktop one and the GPU one (project `gpu`).
      testIgnore: /(electron|gpu-parity)\.spec\.ts$/,
      use: BROWSER,
    },
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
    // WebGL through SwiftShader for the GPU compute context (docs/gpu.md): no --disable-gpu.
    { name: 'gpu', testMatch: /gpu-parity\.spec\.ts$/, use: GPU_BROWSER },
    // A benchmark, not a test (npm run bench:ui): npm run test:e2e names the two projects above.
    { name: 'bench-ui', testDir: 'bench/ui', testMatch: /responsiveness\.spec\.ts$/, use: BROWSER },
  ],
});
