/**
 * The reproduction templates end to end on a few images: kurakin-table makes its 12 runs, one
 * sheet PDF per run and the report; running it again reuses every run and sheet. kurakin-fig6
 * gives the five Fig. 6 panels. (The full-size timing is recorded in docs/reproduction.md.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runReproduce } from '../../../src/services/reproduce';
import { listRuns } from '../../../src/workspace';

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((d) => rm(d, { recursive: true, force: true }))));

async function outDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'printshot-repro-'));
  roots.push(root);
  return join(root, 'exp');
}

it('kurakin-table: 3 methods × 4 eps, sheets and report; a rerun reuses everything', async () => {
  const out = await outDir();
  const first = await runReproduce({ template: 'kurakin-table', out, limit: 6 });
  expect(first.runs.map((r) => `${r.method}-${r.eps}`)).toEqual(['fgsm', 'bim', 'illc'].flatMap((m) => [2, 4, 8, 16].map((e) => `${m}-${e}`)));
  expect(first.sheets).toHaveLength(12);
  for (const s of first.sheets) expect(existsSync(s.pdf) && existsSync(s.pdf.replace(/\.pdf$/, '.layout.json'))).toBe(true);
  for (const f of first.reports) expect((await stat(f)).size).toBeGreaterThan(0);
  expect(first.data.fig6.panels).toEqual([]);
  expect(first.data.notes.join(' ')).toMatch(/No photos registered yet/);
  expect(first.data.reproduce.commands[0]).toMatch(/^printshot reproduce kurakin-table /);
  const sheetTime = (await stat(first.sheets[0].pdf)).mtimeMs;

  const again = await runReproduce({ template: 'kurakin-table', out, limit: 6 });
  expect(again.runs.every((r) => r.reused)).toBe(true);
  expect(again.sheets.every((s) => s.reused)).toBe(true);
  expect((await stat(first.sheets[0].pdf)).mtimeMs).toBe(sheetTime);
  expect(await listRuns(out)).toHaveLength(12);
}, 120_000);

it('kurakin-fig6: eps 16 runs and the five transform panels', async () => {
  const out = await outDir();
  const r = await runReproduce({ template: 'kurakin-fig6', out, limit: 6, reports: ['reports/fig6.json'] });
  expect(r.runs.map((x) => x.eps)).toEqual([16, 16, 16]);
  expect(r.sheets).toEqual([]);
  expect(r.data.fig6.panels.map((p) => p.transform)).toEqual(['brightness', 'contrast', 'gaussian-blur', 'gaussian-noise', 'jpeg']);
  expect(r.data.fig6.panels.every((p) => p.series.length === 6)).toBe(true);
  expect(existsSync(join(out, 'reports', 'fig6.json'))).toBe(true);
}, 120_000);
