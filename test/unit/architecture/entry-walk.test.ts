/**
 * What the renderer and the preload actually load: every runtime import followed from their
 * entry points (type-only imports are erased, so they are not followed), with the same parser
 * and resolver as `npm run deps`. Neither may reach a Node built-in, tfjs or another Node-side
 * package, nor src/ beyond src/contract (and, for the renderer, the browser-safe leaf files
 * the module map names). Lint checks each import; this checks where the chains end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImports, resolveRelative } from '../../../scripts/deps-graph.mjs';
import { isNodeBuiltin, PRELOAD_SRC, RENDERER_SRC } from '../../../scripts/layering.mjs';

const root = path.resolve(__dirname, '../../..');
const CODE = /\.(ts|mts|vue|js|mjs)$/;

interface Walk {
  /** Repository-relative files reached. */
  files: Set<string>;
  /** Bare specifiers reached, each with the first file that imports it. */
  packages: Map<string, string>;
  unresolved: string[];
}

function walk(base: string, entries: string[]): Walk {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const unresolved: string[] = [];
  const queue = entries.map((e) => path.join(base, e));
  while (queue.length) {
    const file = queue.pop()!;
    const rel = path.relative(base, file).split(path.sep).join('/');
    if (files.has(rel)) continue;
    files.add(rel);
    for (const imp of parseImports(file)) {
      if (imp.typeOnly) continue;
      const spec = imp.spec.replace(/\?.*$/, ''); // Vite query suffixes (?url, ?worker)
      if (!spec.startsWith('.')) {
        if (!packages.has(spec)) packages.set(spec, rel);
        continue;
      }
      const target = resolveRelative(file, spec);
      if (!target) unresolved.push(`${rel}: ${imp.spec}`);
      else if (CODE.test(target)) queue.push(target);
    }
  }
  return { files, packages, unresolved };
}

/** Packages that exist only in Node, or are the tensor engine the renderer must never load. */
const nodeSide = (spec: string) => isNodeBuiltin(spec) || /^(@tensorflow\/|sharp$|pdfkit$|electron$|commander$|cli-progress$|tsx$|fflate$)/.test(spec);

describe('walking imports from an entry point', () => {
  it('finds a Node import two files away and skips type-only imports (the walk can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'printshot-walk-'));
    try {
      fs.mkdirSync(path.join(dir, 'src/model'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'entry.ts'), "import { a } from './a';\nimport type { T } from './src/model/types';\nexport const x = a;\n");
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { load } from './src/model/load';\nexport const a = load;\n");
      fs.writeFileSync(path.join(dir, 'src/model/load.ts'), "import { readFile } from 'node:fs/promises';\nexport const load = readFile;\n");
      fs.writeFileSync(path.join(dir, 'src/model/types.ts'), "import sharp from 'sharp';\nexport type T = typeof sharp;\n");
      const w = walk(dir, ['entry.ts']);
      expect([...w.files].sort()).toEqual(['a.ts', 'entry.ts', 'src/model/load.ts']);
      expect([...w.packages.keys()]).toEqual(['node:fs/promises']);
      expect([...w.packages.keys()].filter(nodeSide)).toEqual(['node:fs/promises']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the renderer', () => {
  const workers = fs.readdirSync(path.join(root, 'renderer/src/workers')).filter((f) => f.endsWith('.worker.ts'));
  const w = walk(root, ['renderer/src/main.ts', ...workers.map((f) => `renderer/src/workers/${f}`)]);

  it('reaches its whole UI (the walk is not vacuous)', () => {
    expect(w.unresolved).toEqual([]);
    expect(w.files.has('renderer/src/App.vue')).toBe(true);
    expect(w.files.has('src/contract/index.ts')).toBe(true);
    expect([...w.files].filter((f) => f.endsWith('.vue')).length).toBeGreaterThan(10);
  });

  it('loads no Node built-in, tfjs or other Node-side package', () => {
    const bad = [...w.packages].filter(([spec]) => nodeSide(spec)).map(([spec, by]) => `${spec} (from ${by})`);
    expect(bad).toEqual([]);
  });

  it('reaches no src/ file beyond src/contract and the browser-safe leaves', () => {
    const core = [...w.files].filter((f) => f.startsWith('src/'));
    expect(core.filter((f) => !f.startsWith('src/contract/') && !RENDERER_SRC.includes(f))).toEqual([]);
  });
});

describe('the preload', () => {
  const w = walk(root, ['electron/preload/index.ts']);

  it('loads only electron, and from src/ only src/contract/names', () => {
    expect(w.unresolved).toEqual([]);
    expect([...w.packages.keys()]).toEqual(['electron']);
    expect([...w.files].filter((f) => f.startsWith('src/'))).toEqual(PRELOAD_SRC);
    expect([...w.files].filter((f) => !f.startsWith('src/') && !f.startsWith('electron/preload/'))).toEqual([]);
  });
});
