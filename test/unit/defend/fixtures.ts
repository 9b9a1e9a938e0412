/**
 * Shared by the defend tests: whether this machine can train (PyTorch in /usr/bin/python3 or
 * PRINTSHOT_PYTHON), and a tiny Fashion-MNIST in IDX format made from the 200 bundled samples,
 * so the tests need neither /usr/share/datasets nor a download.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readImage8 } from '../../../src/images';
import { findPython } from '../../../src/services/defend';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Why the training tests cannot run here, or undefined when they can. */
export function torchMissing(): string | undefined {
  const python = findPython();
  const r = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return undefined;
  return `${python} cannot import torch (install python3-torch to run the training tests)`;
}

const dirs: string[] = [];
export async function tempDir(prefix = 'printshot-defend-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt16BE(0, 0);
  head.writeUInt8(0x08, 2); // unsigned bytes
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([head, data]));
}

/** Writes the four IDX files into `dir`: train = the 200 samples in a fixed mixed order, test = the first `nTest`. */
export async function writeSampleIdx(dir: string, nTest = 60): Promise<string> {
  await mkdir(dir, { recursive: true });
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (const [c, label] of LABELS.entries()) {
    const folder = join(ROOT, 'assets', 'samples', label.replace(/[/\\:]/g, '-'));
    for (const f of (await readdir(folder)).filter((n) => n.endsWith('.png')).sort()) {
      images.push((await readImage8(join(folder, f), { channels: 1 })).data);
      labels.push(c);
    }
  }
  // Interleave classes (i-th of each class in turn) so any prefix holds every class.
  const order = [...labels.keys()].sort((a, b) => (a % 20) - (b % 20) || a - b);
  const x = Buffer.concat(order.map((i) => images[i]));
  const y = Uint8Array.from(order.map((i) => labels[i]));
  const n = order.length;
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), idx([n, 28, 28], x));
  await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), idx([n], y));
  await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), idx([nTest, 28, 28], x.subarray(0, nTest * 784)));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), idx([nTest], y.subarray(0, nTest)));
  return dir;
}
