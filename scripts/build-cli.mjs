#!/usr/bin/env node
// Bundles the CLI, the engine child process and the attack worker into bundle/ with esbuild, so
// that `printshot` runs plain JavaScript (no TypeScript compilation at start). Runs on
// `npm install` / `npm ci` (the `prepare` script); `npm run build:cli` by hand.
//
// - ESM with code splitting: each command imports its implementation inside its action, so a
//   command's heavy modules (tfjs, sharp, pdfkit...) sit in chunks loaded only when it runs.
// - node_modules stay external: wasm binaries, native addons and package-relative files resolve
//   exactly as they do from src/.
// - bundle/stamp.json lists every source the bundle was built from; bin/printshot.mjs falls back
//   to tsx when one of them is newer than the build (someone is editing src/).
// - Installing is safe while a printshot process runs from bundle/ (or another build runs):
//   chunks have content hashes and are only added, entries are replaced by rename.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_DIR = path.join(root, 'bundle');
/** Chunks no current entry uses are deleted once this old (a running process may still load them). */
const STALE_CHUNK_MS = 60 * 60 * 1000;

export async function buildCli({ quiet = false } = {}) {
  // Taken before esbuild reads the sources: an edit during the build leaves the bundle stale.
  const builtAt = Date.now();
  const tmp = path.join(BUNDLE_DIR, `.tmp-${process.pid}-${builtAt}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: { main: 'src/cli/main.ts', 'engine-child': 'src/engine/child.ts', worker: 'src/parallel/worker.ts' },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      sourcemap: 'linked',
      metafile: true,
      logLevel: quiet ? 'error' : 'warning',
      // src/shared/node/paths.ts tells bundled code from sources by this constant.
      define: { __PRINTSHOT_BUNDLE__: JSON.stringify('bundle') },
    });
    const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
    mkdirSync(path.join(BUNDLE_DIR, 'chunks'), { recursive: true });
    const chunks = readdirSync(path.join(tmp, 'chunks'));
    for (const f of chunks) renameSync(path.join(tmp, 'chunks', f), path.join(BUNDLE_DIR, 'chunks', f));
    for (const f of readdirSync(tmp)) if (f !== 'chunks') renameSync(path.join(tmp, f), path.join(BUNDLE_DIR, f));
    // What each output imports, statically or lazily (test/unit/cli/bundle.test.ts reads it).
    writeAtomic('meta.json', JSON.stringify(result.metafile));
    // Last: the stamp is what makes bin/printshot.mjs use the new entries.
    writeAtomic('stamp.json', `${JSON.stringify({ builtAt, inputs }, null, 1)}\n`);
    pruneChunks(new Set(chunks));
    if (!quiet) process.stderr.write(`built bundle/ from ${inputs.length} sources in ${((Date.now() - builtAt) / 1000).toFixed(1)} s\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function writeAtomic(name, text) {
  const tmp = path.join(BUNDLE_DIR, `.${name}.${process.pid}`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(BUNDLE_DIR, name));
}

function pruneChunks(current) {
  const dir = path.join(BUNDLE_DIR, 'chunks');
  for (const f of readdirSync(dir)) {
    if (current.has(f)) continue;
    const file = path.join(dir, f);
    try {
      if (Date.now() - statSync(file).mtimeMs > STALE_CHUNK_MS) rmSync(file, { force: true });
    } catch {
      /* pruned by a concurrent build */
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildCli({ quiet: process.argv.includes('--quiet') });
}
