#!/usr/bin/env node
// Entry point for `printshot` / `npx printshot`. Runs the esbuild bundle (bundle/main.mjs, built
// by `npm install` / `npm ci` through the `prepare` script, scripts/build-cli.mjs) when it is up
// to date; when a source it was built from is newer, or there is no bundle, it runs the
// TypeScript sources through tsx instead, so that edited code is what runs.
// PRINTSHOT_BUNDLE=on uses the bundle regardless (tests of the bundle), =off never.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** Why the bundle cannot be used, or undefined when it can. */
function staleReason() {
  if (process.env.PRINTSHOT_BUNDLE === 'off') return 'PRINTSHOT_BUNDLE=off';
  if (process.env.PRINTSHOT_BUNDLE === 'on') return undefined;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('bundle/stamp.json', root), 'utf8'));
  } catch {
    return 'no bundle (run npm run build:cli)';
  }
  for (const input of stamp.inputs) {
    let mtime;
    try {
      mtime = statSync(new URL(input, root)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > stamp.builtAt) return `${input} changed after the build`;
  }
  return undefined;
}

const reason = staleReason();
let main;
if (reason === undefined) {
  ({ main } = await import('../bundle/main.mjs'));
} else {
  if (process.env.PRINTSHOT_LOG === 'debug') {
    process.stderr.write(`printshot: running src/ through tsx: ${reason}\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
