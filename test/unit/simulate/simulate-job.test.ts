/**
 * print -> simulate -> register through the jobs and the CLI command: cell images come from the
 * experiment (checked against the layout's sha256), photos and ground truth land in --out, and
 * the simulated photos register against the same experiment.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerSimulateCommand } from '../../../src/cli/commands/simulate';
import { encodePng } from '../../../src/images';
import { runRegisterJob } from '../../../src/services/register-job';
import { runSimulateJob } from '../../../src/services/simulate-job';
import type { SheetLayout } from '../../../src/sheets/types';
import { createExperiment, sha256 } from '../../../src/workspace';
import { init } from '../../fixtures/images/experiment';
import { tempDir } from '../../fixtures/images/make';
import { cellImages, makeLayout } from '../registration/fixtures';

let root: string;
let cleanup: () => Promise<void>;
let exp: string;
let layout: SheetLayout;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  exp = join(root, 'exp');
  const e = await createExperiment(exp, init());
  const base = makeLayout({ experimentId: e.id });
  const images = await cellImages(base);
  // Store each cell's image where the layout says, and record its real sha256.
  const cells = [];
  for (const cell of base.cells) {
    const png = await encodePng(images.get(cell.index)!);
    await mkdir(join(exp, cell.file, '..'), { recursive: true });
    await writeFile(join(exp, cell.file), png);
    cells.push({ ...cell, sha256: sha256(png) });
  }
  layout = { ...base, cells };
  await mkdir(join(exp, 'sheets'), { recursive: true });
  await writeFile(join(exp, 'sheets', 'run.layout.json'), JSON.stringify([layout]));
});
afterAll(async () => cleanup());

it('simulates photos with ground truth that register against the experiment', async () => {
  const out = join(root, 'sim');
  const res = await runSimulateJob({ sheets: join(exp, 'sheets'), count: 2, seed: 5, out });
  expect(res.photos.map((p) => p.photo)).toEqual(['S1-000.jpg', 'S1-001.jpg']);
  expect((await readdir(out)).sort()).toEqual(['S1-000.jpg', 'S1-000.truth.json', 'S1-001.jpg', 'S1-001.truth.json', 'simulate.json']);
  const truth = JSON.parse(await readFile(join(out, 'S1-000.truth.json'), 'utf8'));
  expect(truth).toMatchObject({ photo: 'S1-000.jpg', sheetId: 'S1', k: 0, frame: { width: 1280, height: 720 } });
  expect(truth.homography).toHaveLength(9);
  expect(truth.pageCorners).toHaveLength(4);
  // Photo k depends only on (seed, sheet, k): regenerating photo 0 alone gives the same bytes.
  const again = await runSimulateJob({ sheets: join(exp, 'sheets', 'run.layout.json'), experiment: exp, count: 1, seed: 5, out: join(root, 'sim2') });
  expect(again.photos).toHaveLength(1);
  expect(Buffer.compare(await readFile(join(out, 'S1-000.jpg')), await readFile(join(root, 'sim2', 'S1-000.jpg')))).toBe(0);

  const reg = await runRegisterJob({ experiment: exp, photos: out });
  expect(reg.added.map((p) => [p.status, p.reason ?? null])).toEqual([['accepted', null], ['duplicate', 'duplicate-sheet']]);
  expect(reg.added[0].crops).toHaveLength(layout.cells.length);
}, 60_000);

it('refuses a cell image that differs from the one printed', async () => {
  const changed = { ...layout, cells: layout.cells.map((c, i) => (i === 3 ? { ...c, sha256: 'f'.repeat(64) } : c)) };
  await writeFile(join(root, 'changed.layout.json'), JSON.stringify([changed]));
  await expect(runSimulateJob({ sheets: join(root, 'changed.layout.json'), experiment: exp, count: 1, out: join(root, 'sim3') })).rejects.toThrow(/sha256 mismatch/);
  await expect(runSimulateJob({ sheets: join(root, 'nothing-here'), count: 1, out: join(root, 'sim3') })).rejects.toThrow(/cannot read/);
});

it('CLI: printshot simulate --ideal --lossless writes PNG photos', async () => {
  const program = new Command().exitOverride();
  registerSimulateCommand(program);
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  try {
    await program.parseAsync(['node', 'printshot', 'simulate', '--sheets', join(exp, 'sheets'), '--count', '1', '--ideal', '--lossless', '--out', join(root, 'sim4'), '--json']);
  } finally {
    spy.mockRestore();
  }
  expect(JSON.parse(out.join('')).photos.map((p: { photo: string }) => p.photo)).toEqual(['S1-000.png']);
}, 60_000);
