/**
 * `printshot classify` on a folder of unlabelled images (no class folders, no labels.csv):
 * per-image predictions only, no accuracy line, a note that there were no labels. The same
 * images in class folders still get the accuracy line. Runs the real binary.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCliAsync } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-classify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CLASSES = ['Bag', 'Sneaker', 'Trouser'];
const first = (cls: string) => readdirSync(join(ROOT, 'assets/samples', cls)).sort()[0];

/** The first sample of each class, flat (`Bag-<file>`), or in class folders. */
function folder(name: string, flat: boolean): string {
  const dir = join(tmp, name);
  for (const cls of CLASSES) {
    const dest = flat ? join(dir, `${cls}-${first(cls)}`) : join(dir, cls, first(cls));
    mkdirSync(join(dest, '..'), { recursive: true });
    cpSync(join(ROOT, 'assets/samples', cls, first(cls)), dest);
  }
  return dir;
}

describe('printshot classify', () => {
  it('an unlabelled folder gets predictions only, with a note and no accuracy', async () => {
    const dir = folder('flat', true);
    const r = await runCliAsync(['classify', '--images', dir, '--top', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/accuracy \d/);
    expect(r.stdout).toContain(`no labels (${dir} has no class folders or labels.csv): predictions only, no accuracy`);
    const rows = r.stdout.split('\n').filter((l) => /^(Bag|Sneaker|Trouser)-/.test(l));
    expect(rows).toHaveLength(3);
    // The bundled model gets these three easy samples right: its top-1 is the class in the name.
    for (const row of rows) expect(row.split(/\s{2,}/)[1].split(' ')[0]).toBe(row.split('-')[0]);
    const json = await runCliAsync(['classify', '--images', dir, '--json']);
    const out = JSON.parse(json.stdout) as { labelled: boolean; images: { relPath: string; top: unknown[] }[]; top1?: unknown };
    expect(out.labelled).toBe(false);
    expect(out.top1).toBeUndefined();
    expect(out.images.map((i) => Object.keys(i))).toEqual([['relPath', 'top'], ['relPath', 'top'], ['relPath', 'top']]);
  }, 60_000);

  it('the same images in class folders still report accuracy', async () => {
    const r = await runCliAsync(['classify', '--images', folder('labelled', false), '--top', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/top-1 accuracy 100\.0% \(3\/3\), top-5 100\.0% \(3\/3\)/);
    expect(r.stdout).not.toContain('no labels');
  }, 60_000);
});
