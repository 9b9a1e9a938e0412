/**
 * The dependency rule for Vue single-file components, which ESLint cannot parse yet (no
 * vue-eslint-parser installed): a .vue file imports neither tfjs, Node, nor Electron; it reaches
 * main only through the Bridge. The same patterns as eslint.config.js's renderer rule.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const RENDERER = new URL('../../../renderer/', import.meta.url);
const FORBIDDEN = [/^@tensorflow\//, /^node:/, /^(fs|path|child_process|sharp|electron)$/, /(^|\/)electron\//];

async function vueFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await vueFiles(p)));
    else if (e.name.endsWith('.vue')) out.push(p);
  }
  return out;
}

describe('renderer .vue files', () => {
  it('import no tfjs, Node or Electron module', async () => {
    const files = await vueFiles(RENDERER.pathname);
    expect(files.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      for (const m of text.matchAll(/\bimport\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (FORBIDDEN.some((re) => re.test(spec))) offenders.push(`${path.relative(RENDERER.pathname, f)}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
