/**
 * Issue 21, GPU attacks: the compute context (renderer/src/compute's Web Worker on
 * tfjs-backend-webgl) against the engine's wasm path, in headless Chromium with WebGL through
 * SwiftShader (the `gpu` project of playwright.config.ts). For FGSM, BIM and EOT-PGD on the
 * bundled model and the same stratified sample and seed, the GPU's 8-bit outputs must match the
 * CLI's wasm run on ≥ 99 % of pixels within ±1 level, and the success decisions (re-judged after
 * 8-bit rounding on each side) on ≥ 98 % of images. Also: float32 render targets are checked
 * (and a float16-only device is refused with the message), and model bytes whose fingerprint
 * is not the engine's are refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { bundledModelB64, parity, referenceRun, type ReferenceRun } from './support/gpu-compute';
import { api, bundledModelExperiment, freshWorkbench, openView } from './support/workbench';
import { openExperiment, readRunManifest } from '../../src/workspace';

const URL_WITH_TOKEN = process.env.PRINTSHOT_URL;
/**
 * Images per attack: with 50, one differing decision is 98 %, at the bar. SwiftShader runs
 * shaders on the CPU, so more images cost minutes (GPU_PARITY_IMAGES=200 for a longer check).
 */
const N = Number(process.env.GPU_PARITY_IMAGES ?? 50);
const SEED = 21;

const ATTACKS: { name: string; cli: string[] }[] = [
  { name: 'fgsm', cli: ['--method', 'fgsm', '--eps', '8'] },
  { name: 'bim', cli: ['--method', 'bim', '--eps', '8'] },
  // Photometric EOT: print tone, lighting, blur and noise, all differentiable ops. The JPEG of
  // 'print-camera' uses the host's codec (sharp against the browser's), which is not bit-equal.
  { name: 'eot-pgd', cli: ['--method', 'eot-pgd', '--eps', '8', '--iterations', '10', '--samples', '4', '--distribution', 'photometric'] },
];

test.describe.configure({ mode: 'serial' });

/**
 * One page, hence one compute worker, for the whole file: WebGL shaders are compiled once per
 * worker, which on SwiftShader under load costs more than a small attack.
 */
let shared: Page;
test.beforeAll(async ({ browser }) => {
  shared = await browser.newPage();
});
test.afterAll(async () => {
  await shared?.close();
});

async function openCheckPage(): Promise<Page> {
  expect(URL_WITH_TOKEN, 'webServer did not report the workbench URL').toBeTruthy();
  if (!shared.url().endsWith('/compute-check.html')) await shared.goto(new URL('/compute-check.html', URL_WITH_TOKEN!).href);
  await expect(shared.locator('#status')).toHaveAttribute('data-ready', 'true');
  return shared;
}

type PageResult = { info?: { device: string; software: boolean; float32: boolean }; error?: { code: string; message: string; hint?: string } };

test('the GPU backend starts with float32 render targets, and a float16-only device is refused with the reason', async () => {
  const page = await openCheckPage();
  const ok = (await page.evaluate(() => (window as any).printshotCompute.probe())) as PageResult;
  expect(ok.error, JSON.stringify(ok.error)).toBeUndefined();
  expect(ok.info!.float32).toBe(true);
  expect(ok.info!.device).toMatch(/\S/);
  test.info().annotations.push({ type: 'device', description: `${ok.info!.device}${ok.info!.software ? ' (software rasteriser: no GPU)' : ''}` });

  const refused = (await page.evaluate(() => (window as any).printshotCompute.probe({ simulateFloat16: true }))) as PageResult;
  expect(refused.info).toBeUndefined();
  expect(refused.error!.code).toBe('not-available');
  expect(refused.error!.message).toContain('only float16');
  expect(refused.error!.message).toContain('vanish in float16');
  expect(refused.error!.hint).toContain('CPU (wasm)');
});

test.describe('parity with the engine (wasm)', () => {
  let tmp: string;
  test.beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'printshot-gpu-parity-'));
  });
  test.afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  for (const attack of ATTACKS) {
    test(`${attack.name}: ≥ 99 % of pixels within ±1 and ≥ 98 % of success decisions equal`, async () => {
      test.setTimeout(600_000);
      const ref: ReferenceRun = await referenceRun(path.join(tmp, attack.name), [...attack.cli, '--limit', String(N), '--sample', 'stratified', '--seed', String(SEED)]);
      expect(ref.backend).toBe('wasm');
      expect(ref.images).toHaveLength(N);
      // Not vacuous: the attack changed the outputs and won on some images, not all.
      const moved = ref.images.filter((r) => r.adversarial.some((v, i) => v !== r.clean[i])).length;
      expect(moved).toBeGreaterThan(N / 2);
      const wins = ref.images.filter((r) => r.success).length;
      expect(wins).toBeGreaterThan(0);

      const page = await openCheckPage();
      const model = await bundledModelB64(ref.modelFingerprint);
      const images = ref.images.map((r) => ({ relPath: r.relPath, label: r.label, width: r.width, height: r.height, channels: r.channels, b64: Buffer.from(r.clean).toString('base64') }));
      const spec = { method: ref.method, params: ref.params, seed: ref.seed, batchSize: ref.batchSize };
      const out = await page.evaluate(([m, s, ims]) => (window as any).printshotCompute.attack(m, s, ims), [model, spec, images] as const);
      expect(out.error, JSON.stringify(out.error)).toBeUndefined();
      const p = parity(ref, out.results);
      const line = `${attack.name} on ${out.info.device}: ${p.withinOne}/${p.pixels} pixels within ±1 (${((100 * p.withinOne) / p.pixels).toFixed(3)} %, max |Δ| ${p.maxDiff}), ${p.sameDecision}/${p.images} same decisions; wasm successes ${wins}/${N}, GPU ${out.results.filter((r: { success: boolean }) => r.success).length}/${N}; GPU ${(out.ms / 1000).toFixed(1)} s`;
      console.log(line);
      test.info().annotations.push({ type: 'parity', description: line });
      expect(p.withinOne / p.pixels).toBeGreaterThanOrEqual(0.99);
      expect(p.sameDecision / p.images).toBeGreaterThanOrEqual(0.98);
    });
  }

  test('model bytes whose fingerprint is not the engine\'s are refused', async () => {
    const page = await openCheckPage();
    const model = await bundledModelB64('0'.repeat(64));
    const img = { relPath: 'x.png', label: 0, width: 28, height: 28, channels: 1, b64: Buffer.alloc(28 * 28, 128).toString('base64') };
    const out = await page.evaluate(([m, ims]) => (window as any).printshotCompute.attack(m, { method: 'fgsm', params: { eps: 8 }, seed: 0, batchSize: 1 }, ims), [model, [img]] as const);
    expect(out.error.code).toBe('bad-model');
    expect(out.error.message).toMatch(/fingerprint [0-9a-f]{12}, not the engine's 000000000000/);
  });
});

/**
 * The workbench end to end (issue 21 part 2): Compute: GPU (WebGL) in the Attack view runs FGSM in
 * the compute worker (compute:prepare → worker → compute:record), the status line names the
 * device, and the engine records the run with backend 'webgl' and the device in its manifest.
 */
test('the Attack view runs an attack on the GPU and the engine records it with backend webgl', async ({ page }) => {
  test.setTimeout(300_000);
  await freshWorkbench(page);
  await bundledModelExperiment(page);
  await openView(page, 'attack');
  await page.getByLabel('Method').selectOption('fgsm');
  await page.locator('#attack-eps').fill('8');
  await page.locator('#attack-limit').fill('4');
  await page.locator('#attack-compute').selectOption('gpu');
  await expect(page.getByTestId('compute-plan')).toContainText('Runs on the GPU: WebGL · SwiftShader', { timeout: 120_000 });
  await page.getByTestId('attack-start').click();
  await expect(page.getByTestId('compute-backend')).toHaveText('WebGL · SwiftShader');
  await expect(page.getByTestId('attack-start')).toHaveText('Start attack', { timeout: 240_000 });
  await expect(page.getByTestId('error-note')).toHaveCount(0);

  const exp = await api<{ dir: string; runs: { id: string; method: string; status: string }[] }>(page, 'experiment:current');
  const run = exp.runs.find((r) => r.method === 'fgsm');
  expect(run?.status).toBe('complete');
  const manifest = await readRunManifest(exp.dir, (await openExperiment(exp.dir)).runs.find((r) => r.id === run!.id)!);
  expect(manifest.backend).toBe('webgl');
  expect(manifest.device).toMatch(/SwiftShader/);
  expect(manifest.images).toHaveLength(4);
});
