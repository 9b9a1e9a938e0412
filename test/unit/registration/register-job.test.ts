/**
 * `printshot register` as a job on a temporary experiment: the log, the copies of the originals,
 * the crops, the history gates (duplicate photo, duplicate sheet), unreadable files, and resuming
 * after a run that was killed before it logged its last photo.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerRegisterCommand } from '../../../src/cli/commands/register';
import { decodePng, encodePng } from '../../../src/images';
import { CapturesLogSchema } from '../../../src/registration/captures-log';
import { runRegisterJob } from '../../../src/services/register-job';
import { readSheetLayouts } from '../../../src/sheets/node/layout-file';
import { renderSheet } from '../../../src/simulate';
import { createExperiment, sha256 } from '../../../src/workspace';
import { init } from '../../fixtures/images/experiment';
import { tempDir } from '../../fixtures/images/make';
import { buildRegisterFixture, cellImages, makeLayout } from './fixtures';

let root: string;
let cleanup: () => Promise<void>;
let exp: string;
let photos: string;
let bytes: Record<string, Buffer>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  ({ exp, photos, bytes } = await buildRegisterFixture(root));
});
afterAll(async () => cleanup());

async function readLog() {
  return CapturesLogSchema.parse(JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')));
}

describe('runRegisterJob', () => {
  it('registers a folder: every photo logged with its status and reason', async () => {
    const res = await runRegisterJob({ experiment: exp, photos });
    expect(res.layouts).toBe(2);
    expect(res.ignored).toEqual(['notes.txt']);
    const got = res.added.map((p) => [p.id, p.status, p.reason ?? null, p.duplicateOf ?? null]);
    expect(got).toEqual([
      ['a-p1', 'accepted', null, null],
      ['b-p1-copy', 'duplicate', 'duplicate-photo', 'a-p1'],
      ['c-p1-again', 'duplicate', 'duplicate-sheet', 'a-p1'],
      ['d-p2', 'accepted', null, null],
      ['e-broken', 'rejected', 'unreadable-file', null],
      ['f-foreign', 'rejected', 'foreign-sheet', null],
      ['g-missing', 'rejected', 'missing-marker', null],
    ]);
    expect(res.counts).toEqual({
      photos: 7, accepted: 2, rejected: 3, duplicate: 2,
      byReason: { 'duplicate-photo': 1, 'duplicate-sheet': 1, 'unreadable-file': 1, 'foreign-sheet': 1, 'missing-marker': 1 },
    });
    const log = await readLog();
    expect(log.photos.map((p) => p.id)).toEqual(res.added.map((p) => p.id));
    expect(log.counts).toEqual(res.counts);
  });

  it('keeps byte-identical originals and writes crops with their cell identity', async () => {
    const log = await readLog();
    for (const p of log.photos) {
      const name = Object.keys(bytes).find((n) => n.startsWith(`${p.id}.`))!;
      expect(p.sha256).toBe(sha256(bytes[name]));
      expect(Buffer.compare(await readFile(join(exp, p.original!)), bytes[name])).toBe(0);
    }
    expect(log.photos[1].original).toBe(log.photos[0].original); // the duplicate is not copied twice
    const a = log.photos[0];
    expect(a.crops).toHaveLength(30);
    expect(a.reprojection!.maxMm).toBeLessThan(0.5);
    expect(a.crops[1]).toMatchObject({ cell: 1, file: 'captures/a-p1/cell-1.png', role: 'adversarial', pair: 0, run: 'adversarial/fgsm-eps16', source: 'adversarial/fgsm-eps16/item-0.png' });
    const crop = await decodePng(await readFile(join(exp, a.crops[1].file)));
    expect([crop.width, crop.height]).toEqual([28, 28]);
    // The rectified page (workbench view) and the markers as found in the photo.
    expect(a.rectified).toBe('captures/a-p1/sheet.png');
    expect(a.markerQuads!.map((m) => m.corner).sort()).toEqual([0, 1, 2, 3]);
    expect(log.photos.find((p) => p.id === 'g-missing')!.markerQuads!.length).toBeLessThan(4);
    const sheet = await decodePng(await readFile(join(exp, a.rectified!)));
    const layout = (await readSheetLayouts(join(exp, a.layoutFile!))).find((l) => l.sheetId === a.sheetId)!;
    expect([sheet.width, sheet.height]).toEqual([Math.round(layout.paper.widthMm * 4), Math.round(layout.paper.heightMm * 4)]);
    // Each cell's crop and the same place on the rectified page agree in mean grey (one homography, two samplings).
    let diff = 0;
    for (const c of a.crops) {
      const cell = layout.cells[c.cell];
      const crop = await decodePng(await readFile(join(exp, c.file)));
      const [x0, y0, w, h] = [cell.xMm, cell.yMm, cell.widthMm, cell.heightMm].map((v) => Math.round(v * 4));
      let onSheet = 0;
      for (let y = y0 + 1; y < y0 + h - 1; y++) for (let x = x0 + 1; x < x0 + w - 1; x++) onSheet += sheet.data[(y * sheet.width + x) * sheet.channels];
      let inCrop = 0;
      for (let i = 0; i < crop.data.length; i += crop.channels) inCrop += crop.data[i];
      diff = Math.max(diff, Math.abs(onSheet / ((w - 2) * (h - 2)) - inCrop / (crop.width * crop.height)));
    }
    expect(diff).toBeLessThan(12);
    // Duplicates and rejections have no crops on disk.
    expect((await readdir(join(exp, 'captures'))).sort()).toEqual(['a-p1', 'captures.json', 'd-p2', 'originals']);
    const all = await readdir(exp, { recursive: true });
    expect(all.filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('resumes: photos already in the log are skipped, a photo lost by a kill is redone', async () => {
    const again = await runRegisterJob({ experiment: exp, photos });
    expect(again.added).toEqual([]);
    expect(again.alreadyRegistered).toHaveLength(7);
    // Simulate a run killed after g-missing's original was copied but before the log was written.
    const log = await readLog();
    const lastTwo = log.photos.splice(-2);
    await writeFile(join(exp, 'captures', 'captures.json'), JSON.stringify(log));
    const res = await runRegisterJob({ experiment: exp, photos });
    expect(res.added.map((p) => p.id)).toEqual(lastTwo.map((p) => p.id));
    expect(res.added.map((p) => p.reason)).toEqual(['foreign-sheet', 'missing-marker']);
    expect(res.counts.photos).toBe(7);
  });

  it('accepts repeated sheets when asked, and a single file as --photos', async () => {
    const e2 = join(root, 'exp2');
    const e = await createExperiment(e2, init());
    const s1 = makeLayout({ experimentId: e.id, sheetId: 'S1' });
    await mkdir(join(e2, 'sheets'), { recursive: true });
    await writeFile(join(e2, 'sheets', 'a.layout.json'), JSON.stringify([s1]));
    const cells = await cellImages(s1);
    await writeFile(join(root, 'one.png'), await encodePng(await renderSheet(s1, cells, 4)));
    await writeFile(join(root, 'two.png'), await encodePng(await renderSheet(s1, cells, 3.5)));
    const one = await runRegisterJob({ experiment: e2, photos: join(root, 'one.png') });
    expect(one.added.map((p) => p.status)).toEqual(['accepted']);
    const rep = await runRegisterJob({ experiment: e2, photos: join(root, 'two.png'), allowRepeatSheets: true });
    expect(rep.added.map((p) => [p.status, p.sheetId])).toEqual([['accepted', 'S1']]);
  });

  it('fails clearly without layouts or photos', async () => {
    const e3 = join(root, 'exp3');
    await createExperiment(e3, init());
    await expect(runRegisterJob({ experiment: e3, photos })).rejects.toThrow(/no sheet layouts in sheets/);
    await expect(runRegisterJob({ experiment: exp, photos: join(root, 'nope') })).rejects.toThrow(/cannot read/);
  });

  it('CLI: printshot register --json prints the run summary', async () => {
    const program = new Command().exitOverride();
    registerRegisterCommand(program);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    try {
      await program.parseAsync(['node', 'printshot', 'register', '--experiment', exp, '--photos', photos, '--json']);
    } finally {
      spy.mockRestore();
    }
    const json = JSON.parse(out.join(''));
    expect(json.counts).toMatchObject({ photos: 7, accepted: 2 });
    expect(json.alreadyRegistered).toHaveLength(7);
  });
});
