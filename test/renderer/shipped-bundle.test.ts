/**
 * The shipped renderer holds no test fakes: a production build of renderer/ (the same input as
 * electron-vite's renderer build, into a temporary folder) is searched for strings that only the
 * FakeBridge and its canned data contain. The fakes live in test/support/fake-bridge and reach
 * component tests only through BridgeKey (test/renderer/helpers.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const fakeDir = path.join(root, 'test/support/fake-bridge');
/** Strings each found in the fakes and nowhere in renderer/src. */
const FAKE_ONLY = ['0.0.0-fake', 'FakeBridge: no handler for', '/fake/experiments/demo', 'Small CNN on Fashion-MNIST (fake)', 'fashion-cnn-distilled'];

function readTree(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(js|html|css|ts|vue)$/.test(e.name))
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('the shipped renderer bundle', () => {
  let outDir = '';
  let bundle = '';

  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'printshot-renderer-'));
    await build({
      configFile: false,
      logLevel: 'silent',
      root: path.join(root, 'renderer'),
      plugins: [vue()],
      // As electron.vite.config.ts: the compute worker needs code splitting, so ES module workers.
      worker: { format: 'es' },
      build: { outDir, emptyOutDir: true, rollupOptions: { input: path.join(root, 'renderer/index.html') } },
    });
    bundle = readTree(outDir);
  }, 180_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('the marker strings are the fakes\' own: present in test/support/fake-bridge, absent from renderer/src', () => {
    const fakes = readTree(fakeDir);
    const source = readTree(path.join(root, 'renderer/src'));
    for (const s of FAKE_ONLY) {
      expect(fakes, s).toContain(s);
      expect(source, s).not.toContain(s);
    }
  });

  it('contains the real bridges and none of the fakes', () => {
    // The search runs over the real build: serve mode's token header and its event stream path are there.
    expect(bundle).toContain('x-printshot-token');
    expect(bundle).toContain('/api/events');
    for (const s of FAKE_ONLY) expect(bundle, s).not.toContain(s);
  });
});
