/**
 * Pulling zoo models from a loopback mirror: the bundled fashion-cnn served as a tiny zoo model
 * (so loadClassifier can open the result), plus the real catalogue entries served with stand-in
 * files to show their URLs resolve through the mirror. The network is never used.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerModelsCommand } from '../../../src/cli/commands/models';
import { DEFAULT_MODEL_DIR, loadClassifier } from '../../../src/model/node';
import { PrintshotError } from '../../../src/shared';
import { findZooEntry, listZoo, pullModel, ZOO, zooStatus, type ZooEntry } from '../../../src/zoo';
import { startServer, type TestServer } from './server';

let server: TestServer;
let data: string;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const modelJson = await readFile(join(DEFAULT_MODEL_DIR, 'model.json'));
const shard = await readFile(join(DEFAULT_MODEL_DIR, 'group1-shard1of1.bin'));
const labels = JSON.parse(await readFile(join(DEFAULT_MODEL_DIR, 'model-card.json'), 'utf8')).labels as string[];

/** fashion-cnn as a zoo entry whose URLs (on a fictitious host) resolve through the mirror. */
const tiny: ZooEntry = {
  name: 'tiny-fashion',
  title: 'Tiny test model',
  description: 'fashion-cnn served from loopback',
  format: 'layers',
  modelUrl: 'https://models.example/fashion/model.json?tfjs-format=file',
  labelsUrl: 'https://labels.example/fashion.txt',
  labelsSkip: 0,
  labelOffset: 0,
  classes: 10,
  input: { height: 28, width: 28, channels: 1 },
  range: '0-1',
  outputs: 'probabilities',
  approxBytes: shard.length,
  sha256: null,
  paper: 'none',
  license: 'MIT',
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  server = await startServer();
  process.env.PRINTSHOT_ZOO_BASE_URL = server.base; // belt and braces: nothing may leave loopback
});
afterAll(async () => {
  delete process.env.PRINTSHOT_ZOO_BASE_URL;
  await server.close();
});
beforeEach(async () => {
  data = await mkdtemp(join(tmpdir(), 'printshot-zoo-'));
  server.files.clear();
  server.redirects.clear();
  server.log.length = 0;
  server.files.set('/models.example/fashion/model.json', modelJson);
  server.files.set('/models.example/fashion/group1-shard1of1.bin', shard);
  server.files.set('/labels.example/fashion.txt', new TextEncoder().encode(`${labels.join('\n')}\n`));
});
afterEach(async () => rm(data, { recursive: true, force: true }));

const opts = () => ({ dataDir: data, baseUrl: server.base, retryDelayMs: 1 });

async function failure(p: Promise<unknown>): Promise<PrintshotError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  return err as PrintshotError;
}

describe('pullModel', () => {
  it('downloads through a redirect, writes a model card and pins hashes; loadClassifier opens it', async () => {
    server.redirects.set('/models.example/fashion/model.json', '/moved/model.json');
    server.files.set('/moved/model.json', modelJson);
    const progress: string[] = [];
    const r = await pullModel(tiny, { ...opts(), onProgress: (p) => progress.push(`${p.index}/${p.files}`) });
    expect(r.upToDate).toBe(false);
    expect(r.dir).toBe(join(data, 'models', 'tiny-fashion'));
    expect(r.lock.files.map((f) => [f.path, f.sha256, f.verifiedBy])).toEqual([
      ['model.json', sha(modelJson), 'pinned'],
      ['group1-shard1of1.bin', sha(shard), 'pinned'],
      ['labels.txt', expect.any(String), 'pinned'],
    ]);
    expect(progress).toContain('1/null');
    expect(progress.at(-1)).toBe('3/3');
    // Shards are fetched beside the original model.json with its query string, like tfjs does.
    expect(server.log.map((l) => l.path + l.search)).toEqual([
      '/models.example/fashion/model.json?tfjs-format=file',
      '/moved/model.json?tfjs-format=file',
      '/models.example/fashion/group1-shard1of1.bin?tfjs-format=file',
      '/labels.example/fashion.txt',
    ]);
    const card = JSON.parse(await readFile(join(r.dir, 'model-card.json'), 'utf8'));
    expect(card).toMatchObject({ name: 'tiny-fashion', labels, range: '0-1', provenance: { zoo: 'tiny-fashion', labelOffset: 0 } });

    const clf = await loadClassifier(r.dir);
    const bundled = await loadClassifier('default');
    expect(clf.labels).toEqual(labels);
    expect(clf.fingerprint).toBe(bundled.fingerprint);
    clf.dispose();
    bundled.dispose();

    server.log.length = 0;
    expect((await pullModel(tiny, opts())).upToDate).toBe(true);
    expect(server.log).toEqual([]);
    expect((await zooStatus(tiny, opts())).state).toBe('downloaded');
  });

  it('resumes an interrupted pull without refetching finished files', async () => {
    server.cutOnce.set('/models.example/fashion/group1-shard1of1.bin', 200_000);
    const err = await failure(pullModel(tiny, { ...opts(), retries: 0 }));
    expect(err.message).toMatch(/group1-shard1of1\.bin\?tfjs-format=file: connection/);
    expect((await zooStatus(tiny, opts())).state).toBe('partial');
    server.log.length = 0;
    const r = await pullModel(tiny, { ...opts(), retries: 0 });
    expect(server.log.map((l) => [l.path, l.range])).toEqual([
      ['/models.example/fashion/group1-shard1of1.bin', expect.stringMatching(/^bytes=\d+-$/)],
      ['/labels.example/fashion.txt', undefined],
    ]);
    expect(r.lock.files[1].sha256).toBe(sha(shard));
  });

  it('verifies against catalogue and pinned hashes', async () => {
    const wrong = { ...tiny, sha256: { 'group1-shard1of1.bin': 'f'.repeat(64) } };
    const err = await failure(pullModel(wrong, opts()));
    expect(err.message).toMatch(/checksum mismatch for group1-shard1of1\.bin/);
    expect(existsSync(join(data, 'models', 'tiny-fashion', 'group1-shard1of1.bin.part'))).toBe(false);
    expect(existsSync(join(data, 'models', 'tiny-fashion', 'model-card.json'))).toBe(false);

    const right = { ...tiny, sha256: { 'group1-shard1of1.bin': sha(shard) } };
    const r = await pullModel(right, opts());
    expect(r.lock.files[1].verifiedBy).toBe('catalogue');
    // A damaged local file is fetched again; a server file that changed since pinning is refused.
    await writeFile(join(r.dir, 'labels.txt'), 'tampered');
    expect((await pullModel(tiny, opts())).upToDate).toBe(false);
    await writeFile(join(r.dir, 'labels.txt'), 'tampered');
    server.files.set('/labels.example/fashion.txt', new TextEncoder().encode(labels.join('\n')));
    expect((await failure(pullModel(tiny, opts()))).message).toMatch(/checksum mismatch for labels\.txt/);
  });

  it('fails clearly on a 404 and on a label file that does not fit the model', async () => {
    server.files.delete('/labels.example/fashion.txt');
    expect((await failure(pullModel(tiny, opts()))).message).toBe(`${server.base}/labels.example/fashion.txt: HTTP 404 Not Found (not found)`);
    expect(existsSync(join(data, 'models', 'tiny-fashion', 'model-card.json'))).toBe(false);
    server.files.set('/labels.example/fashion.txt', new TextEncoder().encode('a\nb\n'));
    expect((await failure(pullModel(tiny, opts()))).message).toMatch(/label file has 2 labels after skipping 0, expected 10/);
  });
});

describe('catalogue entries through the mirror', () => {
  it('every catalogue URL maps into the mirror, and a pull writes a card with 1001 labels and labelOffset 1', async () => {
    const entry = findZooEntry('MobileNet-V2-1.0-224');
    const host = new URL(entry.modelUrl);
    const folder = `/${host.host}${host.pathname.replace(/model\.json$/, '')}`;
    const graph = { format: 'graph-model', modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [] }] };
    server.files.set(`${folder}model.json`, new TextEncoder().encode(JSON.stringify(graph)));
    server.files.set(`${folder}group1-shard1of2.bin`, new Uint8Array(8));
    server.files.set(`${folder}group1-shard2of2.bin`, new Uint8Array(4));
    const lines = ['background', ...Array.from({ length: 1000 }, (_, i) => `class ${i}`)];
    server.files.set('/storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt', new TextEncoder().encode(lines.join('\n')));
    const r = await pullModel(entry.name, opts());
    const card = JSON.parse(await readFile(join(r.dir, 'model-card.json'), 'utf8'));
    expect(card.labels).toHaveLength(1001);
    expect(card.labels[0]).toBe('background');
    expect(card).toMatchObject({ input: { height: 224, width: 224, channels: 3 }, range: '0-1', outputs: 'logits', provenance: { labelOffset: 1, networkRange: '-1-1' } });
    expect(server.log.every((l) => l.search === '' || l.search === '?tfjs-format=file')).toBe(true);
    const states = Object.fromEntries((await listZoo(opts())).map((s) => [s.entry.name, s.state]));
    expect(states).toEqual({ 'mobilenet-v1-1.0-224': 'absent', 'mobilenet-v2-1.0-224': 'downloaded', 'inception-v3': 'absent' });
    expect(() => findZooEntry('resnet')).toThrow(/no model 'resnet' in the zoo/);
  });

  it('rejects a model.json whose shard paths leave the model folder', async () => {
    const evil = { ...tiny, name: 'evil' };
    server.files.set('/models.example/fashion/model.json', new TextEncoder().encode(JSON.stringify({ weightsManifest: [{ paths: ['../../x.bin'] }] })));
    expect((await failure(pullModel(evil, opts()))).message).toMatch(/unsafe weight path/);
  });
});

describe('printshot models', () => {
  it('list, info and pull through the CLI', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const env = process.env.PRINTSHOT_DATA_DIR;
    process.env.PRINTSHOT_DATA_DIR = data;
    const cli = (args: string[]) => {
      const program = new Command().exitOverride();
      registerModelsCommand(program);
      return program.parseAsync(['node', 'printshot', 'models', ...args]);
    };
    try {
      await cli(['list', '--json']);
      expect(JSON.parse(out.pop() ?? '').map((m: { name: string }) => m.name)).toEqual(ZOO.map((e) => e.name));
      await cli(['info', 'inception-v3']);
      expect(out.pop()).toMatch(/299×299×3[\s\S]*output 0 is "background"[\s\S]*unverified in the catalogue; pinned on first download[\s\S]*state: absent/);
      await expect(cli(['pull', 'nope'])).rejects.toMatchObject({ code: 'bad-argument' });
      await expect(cli(['pull', 'inception-v3'])).rejects.toMatchObject({ code: 'io', message: expect.stringContaining('404') });
    } finally {
      spy.mockRestore();
      if (env === undefined) delete process.env.PRINTSHOT_DATA_DIR;
      else process.env.PRINTSHOT_DATA_DIR = env;
    }
  });
});
