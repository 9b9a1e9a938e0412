/**
 * Bounded parsing: a zip bomb, an oversized weight shard, a topology that would allocate
 * gigabytes and an oversized request body are each refused before the work they ask for, with
 * the process's memory (RSS, sampled while the call runs) staying within a bound far below what
 * the input asks for.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { createDeflateRaw } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Routes } from '../../../src/contract';
import { loadClassifier, loadClassifierFromMemory } from '../../../src/model/node';
import { readModelDir } from '../../../src/model/node';
import { checkTopology } from '../../../src/model/topology-budget';
import { DEFAULT_MAX_BODY_BYTES, startServer } from '../../../src/serve';
import { unarchiveExperiment } from '../../../src/workspace';
import { extractEntry, readZipEntries } from '../../../src/workspace/zipfile';
import { tempDir } from '../../fixtures/images/make';
import { buildZip } from './zip-builder';

const MB = 1024 * 1024;
const MODEL = path.resolve(import.meta.dirname, '../../../assets/models/fashion-cnn');
/** What a refusal may cost on top of the process's RSS before the call. */
const RSS_BOUND = 150 * MB;

let dir: string;
let cleanup: () => Promise<void>;
let zeros256: Buffer;

/** Runs `fn`, sampling RSS every 5 ms; returns its outcome and the peak RSS growth. */
async function measured<T>(fn: () => Promise<T>): Promise<{ error?: Error & { code?: string }; value?: T; grewBy: number }> {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    return { value: await fn(), grewBy: Math.max(peak, process.memoryUsage().rss) - before };
  } catch (e) {
    return { error: e as Error & { code?: string }, grewBy: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(timer);
  }
}

/** 256 MB of zeros, deflated (~250 KB), without holding the 256 MB. */
async function deflatedZeros(megabytes: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const z = createDeflateRaw({ level: 9 });
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => z.on('end', resolve));
  const chunk = Buffer.alloc(MB);
  for (let i = 0; i < megabytes; i++) if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
  z.end();
  await done;
  return Buffer.concat(out);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ps-bounded-'));
  zeros256 = await deflatedZeros(256);
}, 60_000);
afterAll(() => cleanup());

describe('zip bombs', () => {
  it('refuses an entry declaring 256 MB from ~250 KB before extracting anything', async () => {
    const zip = path.join(dir, 'bomb.zip');
    await writeFile(zip, buildZip([{ name: 'x/printshot-archive.json', data: Buffer.from('{}') }, { name: 'x/big.json', data: zeros256, method: 8, size: 256 * MB }]));
    expect((await stat(zip)).size).toBeLessThan(MB);
    const dest = path.join(dir, 'unpacked');
    const r = await measured(() => unarchiveExperiment(zip, dest));
    expect(r.error?.message).toMatch(/big\.json expands \d+:1 \(over 200:1\), refused as a zip bomb/);
    expect(existsSync(dest)).toBe(false);
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  });

  it('stops a lying entry at its declared size and removes the partial file', async () => {
    const zip = path.join(dir, 'liar.zip');
    await writeFile(zip, buildZip([{ name: 'small.json', data: zeros256, method: 8, size: 1000 }]));
    const [entry] = await readZipEntries(zip);
    const target = path.join(dir, 'small.json');
    const r = await measured(() => extractEntry(zip, entry, target));
    expect(r.error?.message).toMatch(/more data than the 1000 bytes declared/);
    expect(existsSync(target)).toBe(false);
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  });

  it('refuses overlapping entries and a declared total over the cap', async () => {
    const data = Buffer.alloc(100, 7);
    await writeFile(path.join(dir, 'overlap.zip'), buildZip([{ name: 'a', data }, { name: 'b', data, offsetOf: 0 }]));
    await expect(readZipEntries(path.join(dir, 'overlap.zip'))).rejects.toThrow(/entries a and b overlap/);
    await writeFile(path.join(dir, 'total.zip'), buildZip([{ name: 'a', data }, { name: 'b', data }]));
    await expect(readZipEntries(path.join(dir, 'total.zip'), { maxTotalBytes: 150, maxRatio: 200, ratioFloorBytes: MB })).rejects.toThrow(/declares 200 bytes in all, over the 150-byte limit/);
    expect(await readZipEntries(path.join(dir, 'total.zip'))).toHaveLength(2);
  });
});

describe('model files', () => {
  it('refuses a 1 GB shard by its size on disk, without reading it', async () => {
    const model = path.join(dir, 'big-shard');
    await cp(MODEL, model, { recursive: true });
    const shard = (await readdir(model)).find((f) => f.endsWith('.bin'))!;
    await truncate(path.join(model, shard), 1024 * MB); // sparse: costs no disk
    const r = await measured(() => readModelDir(model));
    expect(r.error?.message).toMatch(new RegExp(`oversized weight shard ${shard.replace('.', '\\.')}: expected \\d+ bytes from the manifest, found ${1024 * MB}`));
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  });

  it('refuses a model.json over 64 MB unread', async () => {
    const model = path.join(dir, 'big-json');
    await mkdir(model);
    await writeFile(path.join(model, 'model.json'), '');
    await truncate(path.join(model, 'model.json'), 100 * MB);
    const r = await measured(() => readModelDir(model));
    expect(r.error?.message).toMatch(/model\.json is 104857600 bytes, over the 67108864-byte limit/);
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  });

  const dense = (layers: unknown[], kernel: number[]) => ({
    modelJSON: {
      format: 'layers-model',
      modelTopology: { class_name: 'Sequential', config: { name: 'm', layers } },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: kernel, dtype: 'float32' }] }],
    },
    weights: { 'w.bin': new Uint8Array(kernel.reduce((a, b) => a * b, 4)) },
  });

  it('refuses a Dense layer of a billion units from its config, before tfjs builds it', async () => {
    const m = dense([{ class_name: 'Dense', config: { name: 'd', units: 1_000_000_000, use_bias: false, batch_input_shape: [null, 4] } }], [4, 10]);
    const r = await measured(() => loadClassifierFromMemory(m));
    expect(r.error?.message).toMatch(/layer d \(Dense\) declares a \?×1000000000 kernel but the manifest has \[4,10\]/);
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  });

  it('refuses a weight whose size only shape inference reveals (Flatten of a huge input) before allocating it', async () => {
    const layers = [
      { class_name: 'Flatten', config: { name: 'f', batch_input_shape: [null, 30000, 30000] } },
      { class_name: 'Dense', config: { name: 'd', units: 10, use_bias: false } },
    ];
    const r = await measured(() => loadClassifierFromMemory(dense(layers, [4, 10])));
    expect(r.error?.message).toMatch(/layer d would create a \[900000000,10\] kernel, more weights than the manifest holds/);
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  });

  it('still loads a real model: the budget is exactly what its manifest holds', async () => {
    const classifier = await loadClassifier(MODEL);
    expect(classifier.labels).toHaveLength(10);
    classifier.dispose();
  });
});

describe('serve request bodies', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    srv = await startServer({ routes: { 'app:info': async () => ({}) } as unknown as Routes });
  });
  afterAll(() => srv.close());

  /** Streams `total` bytes of JSON-ish body in 1 MB chunks (one reused buffer), declared or chunked. */
  function post(total: number, declare: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'x-printshot-token': srv.token };
      if (declare) headers['content-length'] = total;
      const req = request(`http://127.0.0.1:${srv.port}/api/app:info`, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
      const chunk = Buffer.alloc(MB, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += MB;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  }

  it('the limit fits the largest real payload: a 50-megapixel JPEG (~25 MB, 33 MB as base64)', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBeGreaterThanOrEqual(Math.ceil((25 * MB * 4) / 3) + MB);
    expect(DEFAULT_MAX_BODY_BYTES).toBeLessThanOrEqual(128 * MB);
  });

  it.each([
    ['declared by Content-Length', true],
    ['streamed without a length', false],
  ])('refuses a 400 MB body %s with 413, within a bounded RSS', async (_what, declare) => {
    const r = await measured(() => post(400 * MB, declare));
    expect(r.value).toBe(413);
    expect(r.grewBy).toBeLessThan(RSS_BOUND);
  }, 60_000);
});

describe('checkTopology', () => {
  const conv = (kernel_size: unknown, shape: number[]) => () =>
    checkTopology({ class_name: 'Sequential', config: { layers: [{ class_name: 'Conv2D', config: { name: 'c', filters: 8, kernel_size } }] } }, [{ name: 'c/kernel', shape, dtype: 'float32' }], 'model.json');

  it('reads conv kernels given as a list or as one number', () => {
    expect(conv([3, 3], [3, 3, 1, 8])).not.toThrow();
    expect(conv(3, [3, 3, 1, 8])).not.toThrow();
    expect(conv(5, [3, 3, 1, 8])).toThrow(/layer c \(Conv2D\) declares a 5×5×\?×8 kernel but the manifest has \[3,3,1,8\]/);
  });

  it('finds weights of nested models by suffix and refuses fixed-size layers without weights', () => {
    const embedding = { class_name: 'Embedding', config: { name: 'e', input_dim: 1000, output_dim: 4 } };
    const nested = { class_name: 'Model', config: { layers: [{ class_name: 'Sequential', config: { name: 'inner', layers: [embedding] } }] } };
    expect(() => checkTopology(nested, [{ name: 'inner/e/embeddings', shape: [1000, 4], dtype: 'float32' }], 'm')).not.toThrow();
    expect(() => checkTopology(nested, [], 'm')).toThrow(/layer e \(Embedding, 1000×4\) has no embeddings in the weights manifest/);
  });
});
