/**
 * GPU attack throughput (issue 21): img/s of the compute context (renderer/src/compute's Web
 * Worker on tfjs-backend-webgl, in Chromium) against the engine's wasm backend in Node, for FGSM,
 * BIM and EOT-PGD on the bundled model, the same images, seed and batch size. It also reports
 * how far the two outputs agree (pixels within ±1, same success decisions), as the parity test
 * checks.
 *
 *   npm run bench:gpu [-- --images 64] [-- --batch 32] [-- --attacks fgsm,bim,eot-pgd] [-- --json]
 *
 * Needs the built renderer (npm run build; out/renderer/compute-check.html) and Chromium
 * (PRINTSHOT_CHROMIUM, default /usr/bin/chromium). Chromium runs with PRINTSHOT_GPU_ARGS, default
 * SwiftShader's flags (WebGL on the CPU): where the device string names a software rasteriser
 * there is no GPU, and the GPU figures are a correctness run only, not a GPU speed.
 * Timing: each side first runs one batch untimed (wasm: compilation of nothing much; webgl: shader
 * compilation, which is paid once per worker), then the whole set timed. GPU time is measured in
 * the worker (model load included, a few ms); wasm time around attackImagesPartitioned.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { getAttack } from '../src/attacks';
import { DEFAULT_MODEL_DIR, installBackend, loadClassifier } from '../src/model/node';
import { attackImagesPartitioned } from '../src/parallel';
import { openImages } from '../src/services/sources';
import { sampleItems } from '../src/images';
import { installNodeHost } from '../src/transforms/node/host';

const { values: opt } = parseArgs({
  options: {
    images: { type: 'string', default: '64' },
    batch: { type: 'string', default: '32' },
    attacks: { type: 'string', default: 'fgsm,bim,eot-pgd' },
    seed: { type: 'string', default: '21' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(opt.images);
const BATCH = Number(opt.batch);
const SEED = Number(opt.seed);
const PARAMS: Record<string, Record<string, unknown>> = {
  fgsm: { eps: 8 },
  bim: { eps: 8 },
  'eot-pgd': { eps: 8, iterations: 10, samples: 4, distribution: 'photometric' },
};
const GPU_ARGS = process.env.PRINTSHOT_GPU_ARGS?.split(' ').filter(Boolean) ?? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
const root = path.resolve(import.meta.dirname, '..');
const rendererDir = path.join(root, 'out', 'renderer');
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** The built renderer on 127.0.0.1 (static files only: the check page needs no API). */
async function serveRenderer(): Promise<{ url: string; close(): void }> {
  const server = createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(rendererDir, path.normalize(rel));
    if (!file.startsWith(rendererDir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(rendererDir, 'compute-check.html'))) throw new Error('out/renderer/compute-check.html is missing: run `npm run build` first');
  installNodeHost();
  const backend = await installBackend();
  const model = await loadClassifier('default');
  const { items } = sampleItems((await openImages('samples', model)).items, N, 'stratified', SEED);
  const modelJSON = await readFile(path.join(DEFAULT_MODEL_DIR, 'model.json'), 'utf8');
  const weights: Record<string, string> = {};
  for (const g of JSON.parse(modelJSON).weightsManifest as { paths: string[] }[]) for (const p of g.paths) weights[p] = (await readFile(path.join(DEFAULT_MODEL_DIR, p))).toString('base64');
  const card = JSON.parse(await readFile(path.join(DEFAULT_MODEL_DIR, 'model-card.json'), 'utf8'));
  const gpuModel = { modelJSON, weights, card, fingerprint: model.fingerprint };
  const b64 = (list: typeof items) => list.map((it) => ({ relPath: it.relPath, label: it.label, width: it.image.width, height: it.image.height, channels: it.image.channels, b64: Buffer.from(it.image.data).toString('base64') }));

  const server = await serveRenderer();
  const browser = await chromium.launch({ executablePath: process.env.PRINTSHOT_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', ...GPU_ARGS] });
  const rows: Record<string, unknown>[] = [];
  let device: string;
  let software: boolean;
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/compute-check.html`);
    await page.waitForSelector('#status[data-ready="true"]');
    const probe = await page.evaluate(() => (globalThis as any).printshotCompute.probe());
    if (probe.error) throw new Error(`GPU backend refused: ${probe.error.message}`);
    device = probe.info.device;
    software = probe.info.software;
    for (const id of opt.attacks!.split(',')) {
      const params = PARAMS[id] ?? {};
      const spec = { method: id, params, seed: SEED, batchSize: BATCH };
      // Warm-up: one batch on each side, untimed.
      await attackImagesPartitioned(getAttack(id), params, items.slice(0, BATCH), { classifier: model, seed: SEED, batchSize: BATCH });
      const warm = await page.evaluate(([m, s, ims]) => (globalThis as any).printshotCompute.attack(m, s, ims), [gpuModel, spec, b64(items.slice(0, BATCH))] as const);
      if (warm.error) throw new Error(`${id} on the GPU: ${warm.error.message}`);
      const t0 = performance.now();
      const ref = await attackImagesPartitioned(getAttack(id), params, items, { classifier: model, seed: SEED, batchSize: BATCH });
      const wasmS = (performance.now() - t0) / 1000;
      const gpu = await page.evaluate(([m, s, ims]) => (globalThis as any).printshotCompute.attack(m, s, ims), [gpuModel, spec, b64(items)] as const);
      if (gpu.error) throw new Error(`${id} on the GPU: ${gpu.error.message}`);
      const gpuS = gpu.ms / 1000;
      let within = 0, pixels = 0, same = 0;
      ref.forEach((r, i) => {
        const g = Buffer.from(gpu.results[i].adversarial.b64, 'base64');
        for (let j = 0; j < g.length; j++) if (Math.abs(g[j] - r.adversarial.data[j]) <= 1) within++;
        pixels += g.length;
        if (gpu.results[i].success === r.success) same++;
      });
      rows.push({ attack: id, params, images: items.length, wasmS, wasmImgPerS: items.length / wasmS, gpuS, gpuImgPerS: items.length / gpuS, pixelsWithinOne: within, pixels, sameDecisions: same });
    }
  } finally {
    await browser.close();
    server.close();
    model.dispose();
  }
  const meta = {
    command: `npm run bench:gpu -- --images ${N} --batch ${BATCH} --attacks ${opt.attacks} --seed ${SEED}`,
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} vCPU, Node ${process.version}`,
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    wasm: `${backend.name} (${backend.reason}), Node, one thread`,
    gpuDevice: device,
    gpuArgs: GPU_ARGS.join(' '),
    note: software ? 'software rasteriser: NO GPU present; the webgl figures are a correctness run only, not a GPU speed' : 'hardware GPU',
  };
  if (opt.json) return void process.stdout.write(`${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  const lines = [
    `bench:gpu  ${meta.date}  load average ${meta.loadavg} (other jobs on this machine count)`,
    `machine: ${meta.machine}`,
    `wasm: ${meta.wasm}`,
    `webgl: ${device} [${meta.gpuArgs}]`,
    `note: ${meta.note}`,
    '',
    '| attack | images | wasm s | wasm img/s | webgl s | webgl img/s | pixels within ±1 | same decisions |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r: any) => `| ${r.attack} ${JSON.stringify(r.params)} | ${r.images} | ${r.wasmS.toFixed(2)} | ${r.wasmImgPerS.toFixed(1)} | ${r.gpuS.toFixed(2)} | ${r.gpuImgPerS.toFixed(1)} | ${r.pixelsWithinOne}/${r.pixels} (${((100 * r.pixelsWithinOne) / r.pixels).toFixed(2)} %) | ${r.sameDecisions}/${r.images} |`),
    '',
    `command: ${meta.command}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:gpu: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
