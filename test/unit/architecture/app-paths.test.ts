/**
 * One AppPaths (src/shared/node/paths.ts): assets from the package layout, datasets and the
 * workspace from defaults the environment overrides, and no module finding them on its own.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetPath, DATASETS_ENV, packageRoot, resolveAppPaths, WORKSPACE_ENV } from '../../../src/shared/node/paths';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mts|vue)$/.test(name) ? [p] : [];
  });
}

describe('AppPaths', () => {
  it('defaults: the package assets, Debian datasets, ~/Printshot', () => {
    const p = resolveAppPaths({});
    expect(p.assets).toBe(path.join(packageRoot(), 'assets'));
    expect(packageRoot()).toBe(root);
    expect(existsSync(assetPath('models', 'fashion-cnn', 'model.json'))).toBe(true);
    expect(p.datasets).toBe('/usr/share/datasets');
    expect(p.workspace).toBe(path.join(os.homedir(), 'Printshot'));
  });

  it('the environment moves datasets and the workspace (relative paths resolved)', () => {
    const p = resolveAppPaths({ [DATASETS_ENV]: '/data/sets', [WORKSPACE_ENV]: 'rel/ws' });
    expect(p.datasets).toBe('/data/sets');
    expect(p.workspace).toBe(path.resolve('rel/ws'));
    expect(resolveAppPaths({ [DATASETS_ENV]: '  ' }).datasets).toBe('/usr/share/datasets');
  });

  it('is the only place that finds assets by module URL or names the datasets folder', () => {
    const offenders = [...sources(path.join(root, 'src')), ...sources(path.join(root, 'electron'))]
      .filter((f) => !f.endsWith(path.join('shared', 'node', 'paths.ts')))
      .filter((f) => {
        const text = readFileSync(f, 'utf8');
        return /new URL\(\s*['"][./]*\.\.\/[^'"]*assets/.test(text) || text.includes('/usr/share/datasets');
      })
      .map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });
});
