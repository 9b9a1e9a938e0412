/**
 * Fuzzing the parsers that take bytes from outside (fast-check, bounded runs and time): the
 * serve-mode wire decoder, the zip reader and extractor, the model.json + weights-manifest
 * parser with the topology check, and the PNG/JPEG decode path. Each input must give a valid
 * result or a clean, one-line error (PrintshotError / WireError), never another exception, a
 * hang (each case has a deadline) or an unbounded allocation (RSS growth is bounded per suite).
 * The whole file stays around 20 s.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromWire, toWire, WireError } from '../../../src/contract';
import { decodeImage, encodePng } from '../../../src/images';
import { assembleModel } from '../../../src/model/io-handler';
import { checkTopology } from '../../../src/model/topology-budget';
import { PrintshotError } from '../../../src/shared';
import { extractEntry, readZipEntries } from '../../../src/workspace/zipfile';
import { pattern } from '../../fixtures/images/make';
import sharp from 'sharp';
import { buildZip } from './zip-builder';

const MB = 1024 * 1024;
/** Per-suite RSS growth allowed: far below any input's claimed size (GBs). */
const RSS_BOUND = 200 * MB;
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const RUN = { seed: SEED, interruptAfterTimeLimit: 6000, markInterruptAsFailure: false } as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ps-fuzz-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Fails the case when `fn` runs past `ms` (a hang). */
async function deadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([fn(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A clean refusal: our error type, one line. */
function expectClean(e: unknown, ...types: (new (...a: never[]) => Error)[]): void {
  if (!types.some((t) => e instanceof t)) throw e;
  expect((e as Error).message).not.toContain('\n');
}

function rssGuard() {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  return () => expect(process.memoryUsage().rss - before).toBeLessThan(RSS_BOUND);
}

/** A byte string mutated: flips, overwrites with edge values, truncation or extension. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.tuple(fc.nat({ max: base.length - 1 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x01), fc.boolean());
  return fc.tuple(fc.array(edit, { minLength: 1, maxLength: 8 }), fc.oneof(fc.constant(base.length), fc.nat({ max: base.length + 64 }))).map(([edits, len]) => {
    const out = new Uint8Array(len);
    out.set(base.subarray(0, Math.min(len, base.length)));
    for (const [i, v, xor] of edits) if (i < len) out[i] = xor ? out[i] ^ v : v;
    return out;
  });
}

describe('fuzz: wire decoder', () => {
  const dangerous = fc.constantFrom('__proto__', 'constructor', 'prototype', '$bytes', 'a');
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({ $bytes: fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 12 })) }),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(dangerous, fc.string({ maxLength: 6 })), tie('v'), { maxKeys: 4 }),
    ),
  })).v;

  it('decodes or refuses with a WireError, and never touches Object.prototype', () => {
    const done = rssGuard();
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        try {
          fromWire(JSON.parse(text));
        } catch (e) {
          expectClean(e, WireError);
        }
        expect(Object.prototype).not.toHaveProperty('polluted');
        expect(({} as { constructor: unknown }).constructor).toBe(Object);
      }),
      { ...RUN, numRuns: 600 },
    );
    done();
  });

  it('round-trips values with bytes exactly', () => {
    const safeKey = fc.string({ maxLength: 6 }).filter((k) => !['__proto__', 'constructor', 'prototype', '$bytes'].includes(k));
    const payload = fc.dictionary(safeKey, fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.integer(), fc.string({ maxLength: 8 }), fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 })), { maxKeys: 5 });
    fc.assert(
      fc.property(payload, (p) => {
        const back = fromWire(JSON.parse(JSON.stringify(toWire(p))));
        expect(back).toEqual(p);
      }),
      { ...RUN, numRuns: 300 },
    );
  });
});

describe('fuzz: zip reader', () => {
  const entry = fc.record({
    name: fc.stringMatching(/^[a-z]{1,6}(\/[a-z]{1,6})?$/),
    data: fc.uint8Array({ maxLength: 256 }),
    size: fc.option(fc.oneof(fc.nat({ max: 512 }), fc.constant(0xffffffff), fc.nat()), { nil: undefined }),
    method: fc.option(fc.constantFrom(0, 8, 12, 99), { nil: undefined }),
  });
  const archive = fc.oneof(
    fc.array(entry, { minLength: 1, maxLength: 4 }).map((es) => buildZip(es)),
    fc.array(entry, { minLength: 1, maxLength: 3 }).chain((es) => mutated(buildZip(es))),
    fc.uint8Array({ maxLength: 300 }),
  );

  it('lists and extracts or refuses with a PrintshotError, never writing past a declared size', async () => {
    const done = rssGuard();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(archive, async (bytes) => {
        const zip = path.join(dir, `z${n++}.zip`);
        await writeFile(zip, bytes);
        await deadline(2000, async () => {
          try {
            for (const [i, e] of (await readZipEntries(zip)).entries()) {
              const target = path.join(dir, `z${n}-${i}.out`);
              try {
                const got = await extractEntry(zip, e, target);
                expect(got.size).toBeLessThanOrEqual(e.size);
              } catch (err) {
                expectClean(err, PrintshotError);
              } finally {
                await rm(target, { force: true });
              }
            }
          } catch (err) {
            expectClean(err, PrintshotError);
          }
        });
        await rm(zip);
      }),
      { ...RUN, numRuns: 300 },
    );
    done();
  });
});

describe('fuzz: model.json and weights manifest', () => {
  const dims = fc.array(fc.oneof(fc.nat({ max: 8 }), fc.constantFrom(-1, 1.5, 2 ** 31, 1e9, 1e300, Number.MAX_SAFE_INTEGER)), { maxLength: 4 });
  const weight = fc.record({
    name: fc.constantFrom('d/kernel', 'd/bias', 'c/kernel', 'e/embeddings', 'x'),
    shape: dims,
    dtype: fc.constantFrom('float32', 'int32', 'bool', 'string', 'complex64'),
  });
  const layer = fc.record({
    class_name: fc.constantFrom('Dense', 'Conv2D', 'Embedding', 'Flatten', 'Sequential'),
    config: fc.record({
      name: fc.constantFrom('d', 'c', 'e', 'f'),
      units: fc.oneof(fc.nat({ max: 16 }), fc.constant(1e9)),
      filters: fc.nat({ max: 16 }),
      kernel_size: fc.oneof(fc.nat({ max: 5 }), fc.array(fc.nat({ max: 5 }), { maxLength: 3 })),
      input_dim: fc.nat({ max: 1e6 }),
      output_dim: fc.nat({ max: 64 }),
    }),
  });
  const modelJSON = fc.record({
    format: fc.constantFrom('layers-model', 'graph-model', 'other'),
    modelTopology: fc.oneof(fc.record({ class_name: fc.constant('Sequential'), config: fc.record({ name: fc.constant('m'), layers: fc.array(layer, { maxLength: 4 }) }) }), fc.jsonValue({ maxDepth: 2 })),
    weightsManifest: fc.oneof(fc.array(fc.record({ paths: fc.array(fc.constantFrom('w.bin', '../w.bin', '/etc/passwd', ''), { maxLength: 2 }), weights: fc.array(weight, { maxLength: 3 }) }), { maxLength: 2 }), fc.jsonValue({ maxDepth: 1 })),
  });
  const document = fc.oneof(
    modelJSON.map((m) => new TextEncoder().encode(JSON.stringify(m))),
    modelJSON.chain((m) => mutated(new TextEncoder().encode(JSON.stringify(m)))),
  );

  it('assembles or refuses with a PrintshotError, reading no more than the manifest allows', async () => {
    const done = rssGuard();
    await fc.assert(
      fc.asyncProperty(document, fc.nat({ max: 4096 }), async (json, shardBytes) => {
        await deadline(2000, async () => {
          try {
            const bundle = await assembleModel(json, async (rel) => (rel === 'w.bin' ? new Uint8Array(shardBytes) : undefined), 'model.json', async (rel) => (rel === 'w.bin' ? shardBytes : undefined));
            expect(bundle.weightData.byteLength).toBe(shardBytes * bundle.modelJSON.weightsManifest.reduce((n, g) => n + g.paths.length, 0));
            if (bundle.format === 'layers') checkTopology(bundle.modelJSON.modelTopology, bundle.weightSpecs, 'model.json');
          } catch (e) {
            expectClean(e, PrintshotError);
          }
        });
      }),
      { ...RUN, numRuns: 1500 },
    );
    done();
  });
});

describe('fuzz: PNG and JPEG decoding', () => {
  let png: Uint8Array;
  let jpeg: Uint8Array;
  beforeAll(async () => {
    png = await encodePng(pattern(24, 16, 3, 5));
    jpeg = new Uint8Array(await sharp(Buffer.from(pattern(24, 16, 3, 5).data), { raw: { width: 24, height: 16, channels: 3 } }).jpeg({ quality: 80 }).toBuffer());
  });

  /** A PNG whose header claims width × height (CRC fixed up), with the original pixel data. */
  function pngClaiming(w: number, h: number): Uint8Array {
    const out = Buffer.from(png);
    out.writeUInt32BE(w, 16);
    out.writeUInt32BE(h, 20);
    out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
    return out;
  }

  it('decodes or refuses with a PrintshotError, never allocating what a lying header claims', async () => {
    const done = rssGuard();
    const input = fc.oneof(
      fc.constant(0).chain(() => mutated(png)),
      fc.constant(0).chain(() => mutated(jpeg)),
      fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([w, h]) => pngClaiming(w, h)),
      fc.uint8Array({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        await deadline(3000, async () => {
          try {
            const img = await decodeImage(bytes);
            expect(img.data.length).toBe(img.width * img.height * img.channels);
            expect(img.width * img.height).toBeLessThanOrEqual(50_000_000);
          } catch (e) {
            expectClean(e, PrintshotError);
          }
        });
      }),
      { ...RUN, numRuns: 400 },
    );
    done();
  });
});
