import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Path of the Electron binary if it is installed and downloaded, else why not. Reads what
 * require('electron') would return (path.txt, ELECTRON_OVERRIDE_DIST_PATH) without requiring it:
 * electron 45's index.js starts a binary download when the binary is missing.
 */
export function electronBinary(): { path: string } | { missing: string } {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const bin = override ? path.join(override, rel ?? 'electron') : rel ? path.join(pkgDir, 'dist', rel) : undefined;
  if (bin && existsSync(bin)) return { path: bin };
  return { missing: bin ? `the Electron binary is not at ${bin}` : 'the Electron binary was never downloaded (offline install)' };
}

