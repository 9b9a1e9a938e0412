/**
 * The packaged app's lockdown, read the way electron-builder reads it: electron-builder.yml
 * through app-builder-lib's own loader and schema validation, its `electronFuses` turned into a
 * fuse wire by electron-builder's generateFuseConfig and flipped with @electron/fuses, exactly as
 * `npm run dist` does after packing. The wire is read back from a real packaged binary when
 * dist/linux-unpacked exists (`npx electron-builder --linux dir`), else from a stand-in binary
 * holding Electron's fuse sentinel (there is no Electron binary on CI). Dev switches are
 * ignored when app.isPackaged.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { flipFuses, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { PlatformPackager } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';
import { devRendererUrl } from '../../../electron/main/security';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = 49;
const DISABLE = 48;
/** Electron 45's defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on; the rest off. */
const ELECTRON_DEFAULTS = [ENABLE, DISABLE, ENABLE, ENABLE, DISABLE, DISABLE, DISABLE, ENABLE];
const PACKAGED = path.join(ROOT, 'dist', 'linux-unpacked', 'printshot');

async function builderConfig() {
  const config = await getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

async function packagedBinary(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ps-fuses-'));
  const file = path.join(dir, 'printshot');
  if (existsSync(PACKAGED)) await copyFile(PACKAGED, file);
  else await writeFile(file, Buffer.concat([Buffer.alloc(4096, 0xcc), Buffer.from(SENTINEL), Buffer.from([1, ELECTRON_DEFAULTS.length, ...ELECTRON_DEFAULTS]), Buffer.alloc(4096, 0xcc)]));
  return file;
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema and packs the app into app.asar', async () => {
    const config = await builderConfig();
    expect(config.asar).not.toBe(false);
    expect(config.extraMetadata).toMatchObject({ main: 'out/main/index.js' });
  });

  it('sets the fuses: no RunAsNode, no NODE_OPTIONS or --inspect, cookie encryption, app.asar only, asar integrity', async () => {
    const { electronFuses } = await builderConfig();
    expect(electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it(`flips them in the binary as electron-builder does (${existsSync(PACKAGED) ? 'the packaged dist/linux-unpacked binary' : 'a stand-in binary with Electron’s fuse sentinel'})`, async () => {
    const { electronFuses } = await builderConfig();
    const generate = (PlatformPackager.prototype as unknown as { generateFuseConfig(f: unknown): Promise<Parameters<typeof flipFuses>[1]> }).generateFuseConfig;
    const binary = await packagedBinary();
    await flipFuses(binary, await generate.call({}, electronFuses));
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ENABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(DISABLE);
  });
});

describe('dev-only switches', () => {
  it('a packaged app ignores ELECTRON_RENDERER_URL, however it is set', () => {
    for (const url of ['http://localhost:5173/', 'https://evil.example/', 'http://127.0.0.1:5173/']) {
      expect(devRendererUrl({ ELECTRON_RENDERER_URL: url }, true)).toBeUndefined();
    }
  });

  it('in development only a loopback http dev server counts', () => {
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, false)).toBe('http://localhost:5173/');
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173/' }, false)).toBe('http://127.0.0.1:5173/');
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'https://evil.example/' }, false)).toBeUndefined();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost.evil.example/' }, false)).toBeUndefined();
    expect(devRendererUrl({}, false)).toBeUndefined();
  });
});
