/**
 * Where the package's own files are, from any build of the code: src/ run through tsx or vitest,
 * the CLI bundle (bundle/*.mjs and bundle/chunks/*.mjs, scripts/build-cli.mjs) and electron-vite's
 * out/main. Each sits at a different depth, so `new URL('../../assets', import.meta.url)` is right
 * for one layout only; walking up to the package.json named 'printshot' is right for all (in a
 * packaged app, app.asar holds that package.json and Electron maps asarUnpack'ed files).
 *
 * Node-only (fs, os): not exported from src/shared/index.ts, which the renderer also imports.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Replaced by a string literal in the CLI bundle (scripts/build-cli.mjs); undeclared elsewhere. */
declare const __PRINTSHOT_BUNDLE__: string | undefined;

/** True when this code runs from the esbuild bundle, which holds no .ts files to hand to tsx. */
export const BUNDLED = typeof __PRINTSHOT_BUNDLE__ === 'string';

const PACKAGE_NAME = 'printshot';
let root: string | undefined;

/** The folder of printshot's package.json, found by walking up from this module's file. */
export function packageRoot(): string {
  if (root) return root;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === PACKAGE_NAME) return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`printshot: no package.json named '${PACKAGE_NAME}' above ${start}`);
  }
}

function readName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** A path inside the package, e.g. fromPackageRoot('assets', 'models', 'fashion-cnn'). */
export function fromPackageRoot(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}

/** The CLI bundle's file for an entry ('worker', 'engine-child'), see scripts/build-cli.mjs. */
export function bundleEntry(name: string): string {
  return fromPackageRoot('bundle', `${name}.mjs`);
}

/**
 * The app's folders, resolved once per process from the package layout and the environment, then
 * read by every Node entry point and the modules below it (instead of each module finding its own):
 *
 * - assets: the package's assets/ (bundled models, samples, fonts);
 * - datasets: the root of system datasets, Debian's /usr/share/datasets unless
 *   PRINTSHOT_DATASETS_DIR says otherwise (Fashion-MNIST is its fashion-mnist/ folder; commands
 *   that read it also take --data). Not PRINTSHOT_DATA_DIR: that names the model zoo's folder;
 * - workspace: where the workbench puts new experiments, ~/Printshot unless PRINTSHOT_WORKSPACE.
 */
export interface AppPaths {
  readonly assets: string;
  readonly datasets: string;
  readonly workspace: string;
}

export const DATASETS_ENV = 'PRINTSHOT_DATASETS_DIR';
export const WORKSPACE_ENV = 'PRINTSHOT_WORKSPACE';

/** AppPaths for an environment (pure apart from locating the package; tests pass their own env). */
export function resolveAppPaths(env: Readonly<Record<string, string | undefined>> = process.env): AppPaths {
  const fromEnv = (name: string, fallback: string) => (env[name]?.trim() ? path.resolve(env[name]!.trim()) : fallback);
  return {
    assets: fromPackageRoot('assets'),
    datasets: fromEnv(DATASETS_ENV, '/usr/share/datasets'),
    workspace: fromEnv(WORKSPACE_ENV, path.join(os.homedir(), 'Printshot')),
  };
}

let resolved: AppPaths | undefined;

/** This process's AppPaths (resolved on first use from process.env). */
export function appPaths(): AppPaths {
  return (resolved ??= resolveAppPaths());
}

/** A file or folder inside assets/, e.g. assetPath('models', 'fashion-cnn'). */
export function assetPath(...parts: string[]): string {
  return path.join(appPaths().assets, ...parts);
}

/** Fashion-MNIST IDX files, as Debian's datasets package installs them (harden, distill, demo). */
export const DEFAULT_DATA_DIR = path.join(appPaths().datasets, 'fashion-mnist');

/** Where the workbench puts new experiments unless told otherwise. */
export const DEFAULT_WORKSPACE = appPaths().workspace;
