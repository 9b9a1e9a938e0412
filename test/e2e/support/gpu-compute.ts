/**
 * Helpers for the GPU parity test (gpu-parity.spec.ts): the engine's wasm reference runs through
 * the real CLI, the inputs and outputs read back from its experiment folder, and the bundled
 * model's bytes in the shape window.printshotCompute (renderer/src/compute/check-page.ts) takes.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

export interface ReferenceImage {
  relPath: string;
  label: number;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  clean: Uint8Array;
  adversarial: Uint8Array;
  success: boolean;
}

export interface ReferenceRun {
  method: string;
  params: Record<string, unknown>;
  seed: number | string;
  batchSize: number;
  backend: string;
  modelFingerprint: string;
  images: ReferenceImage[];
}

async function raw(file: string): Promise<{ data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 }> {
  // sharp widens grey PNGs to sRGB unless told to keep one band, as the engine's reader does.
  const grey = (await sharp(file).metadata()).channels === 1;
  const { data, info } = await (grey ? sharp(file).toColourspace('b-w') : sharp(file)).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels as 1 | 3 | 4 };
}

/** `printshot attack … --workers 1` on the bundled model and samples (wasm), read back from its experiment. */
export async function referenceRun(out: string, cliArgs: string[]): Promise<ReferenceRun> {
  await run(process.execPath, [path.join(root, 'bin/printshot.mjs'), 'attack', ...cliArgs, '--workers', '1', '--out', out, '--json'], {
    cwd: root,
    env: { ...process.env, PRINTSHOT_PROGRESS: 'off' },
    maxBuffer: 64 << 20,
  });
  const runsDir = path.join(out, 'runs');
  const [manifestFile] = (await readdir(runsDir)).filter((f) => f.endsWith('.json'));
  const m = JSON.parse(await readFile(path.join(runsDir, manifestFile), 'utf8'));
  const images: ReferenceImage[] = [];
  for (const im of m.images as { relPath: string; label: number; file: string; success: boolean }[]) {
    const clean = await raw(path.join(out, 'clean', im.relPath));
    const adv = await raw(path.join(out, im.file));
    images.push({ relPath: im.relPath, label: im.label, width: clean.width, height: clean.height, channels: clean.channels, clean: clean.data, adversarial: adv.data, success: im.success });
  }
  return { method: m.method, params: m.params, seed: m.seed, batchSize: m.batchSize, backend: m.backend, modelFingerprint: m.modelFingerprint, images };
}

/** The bundled model as base64 shards (the check page's input), with the engine's fingerprint to verify against. */
export async function bundledModelB64(fingerprint: string): Promise<{ modelJSON: string; weights: Record<string, string>; card: unknown; fingerprint: string }> {
  const dir = path.join(root, 'assets', 'models', 'fashion-cnn');
  const modelJSON = await readFile(path.join(dir, 'model.json'), 'utf8');
  const weights: Record<string, string> = {};
  for (const group of JSON.parse(modelJSON).weightsManifest as { paths: string[] }[]) {
    for (const p of group.paths) weights[p] = (await readFile(path.join(dir, p))).toString('base64');
  }
  const card = JSON.parse(await readFile(path.join(dir, 'model-card.json'), 'utf8'));
  return { modelJSON, weights, card, fingerprint };
}

export interface Parity {
  pixels: number;
  withinOne: number;
  maxDiff: number;
  images: number;
  sameDecision: number;
}

/** Pixel-level (|Δ| ≤ 1 level) and decision-level agreement of a GPU run with the reference. */
export function parity(ref: ReferenceRun, gpu: { relPath: string; success: boolean; adversarial: { b64: string } }[]): Parity {
  const byPath = new Map(gpu.map((g) => [g.relPath, g]));
  const p: Parity = { pixels: 0, withinOne: 0, maxDiff: 0, images: 0, sameDecision: 0 };
  for (const r of ref.images) {
    const g = byPath.get(r.relPath);
    if (!g) throw new Error(`the GPU run has no result for ${r.relPath}`);
    const data = Buffer.from(g.adversarial.b64, 'base64');
    if (data.length !== r.adversarial.length) throw new Error(`${r.relPath}: ${data.length} GPU bytes against ${r.adversarial.length}`);
    for (let i = 0; i < data.length; i++) {
      const d = Math.abs(data[i] - r.adversarial[i]);
      if (d <= 1) p.withinOne++;
      if (d > p.maxDiff) p.maxDiff = d;
    }
    p.pixels += data.length;
    p.images++;
    if (g.success === r.success) p.sameDecision++;
  }
  return p;
}
