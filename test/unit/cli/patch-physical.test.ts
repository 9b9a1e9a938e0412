/**
 * The CLI half of issue 19's "train → sheet → fake-webcam capture → evaluate for a patch", run as
 * a user would, each step its own `printshot` process: train a patch (few steps), paste it onto
 * clean images (patch apply), print the pasted images (sheet --method patch) and the patch alone at
 * 60 mm (patch sheet), photograph both sheets with the simulator (the fake webcam: a known pose
 * homography per photo), register the photos under a capture condition, and evaluate (patch
 * evaluate). Registration must locate every patch within 1.5 px of where the simulator's true
 * homography puts it, and evaluate outlines them on each rectified page (captures/<id>/patches.png).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/images';
import { applyHomography } from '../../../src/registration/homography';
import type { CapturesLog } from '../../../src/registration/captures-log';
import type { SheetLayout } from '../../../src/sheets/types';
import type { RunManifest } from '../../../src/workspace';
import { removeTempDirs, tempDir } from '../model/model-fixtures';
import { runCliAsync } from './run-cli';

afterAll(removeTempDirs);

async function cli(args: string[]): Promise<string> {
  const r = await runCliAsync(args);
  expect(r.code, `printshot ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('printshot patch: train → apply → sheets → simulated photos → register → evaluate', () => {
  it('locates every printed patch in the photos and reports per-image and full-frame results by condition', async () => {
    const root = await tempDir();
    const exp = join(root, 'exp');
    await cli(['patch', '--target', 'Sandal', '--size', '0.15', '--steps', '3', '--batch', '8', '--draws', '1', '--channel', 'none', '--out', join(root, 'p')]);
    const applied = JSON.parse(await cli(['patch', 'apply', '--patch', join(root, 'p', 'patch-t5-s15.png'), '--experiment', exp, '--limit', '8', '--sample', 'stratified', '--json']));
    expect(applied.run.method).toBe('patch');
    expect(applied.images).toBe(8);
    await cli(['sheet', '--experiment', exp, '--method', 'patch']);
    const alone = JSON.parse(await cli(['patch', 'sheet', '--experiment', exp, '--size-mm', '60', '--json']));
    expect(alone.sizeMm).toBe(60);
    const aloneLayout = JSON.parse(await readFile(alone.layoutFile, 'utf8')) as SheetLayout[];
    expect(aloneLayout[0].cells[0]).toMatchObject({ widthMm: 60, heightMm: 60, label: -1 });

    const photos = join(root, 'photos');
    await cli(['simulate', '--sheets', join(exp, 'sheets'), '--experiment', exp, '--count', '1', '--width', '1920', '--height', '1080', '--out', photos]);
    await cli(['register', '--experiment', exp, '--photos', photos, '--condition', 'light=dim']);

    const log = JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')) as CapturesLog;
    const accepted = log.photos.filter((p) => p.status === 'accepted');
    expect(accepted).toHaveLength(2);
    const manifest = JSON.parse(await readFile(join(exp, applied.run.manifest), 'utf8')) as RunManifest;
    let worst = 0;
    let located = 0;
    for (const p of accepted) {
      const truth = JSON.parse(await readFile(join(photos, p.id.replace(/$/, '.truth.json')), 'utf8')) as { homography: number[] };
      const layout = (JSON.parse(await readFile(join(exp, p.layoutFile!), 'utf8')) as SheetLayout[]).find((l) => l.sheetId === p.sheetId)!;
      const patchCells = layout.cells.filter((c) => c.role === 'adversarial' || c.relPath.startsWith('patch-alone/'));
      expect(p.patches?.map((q) => q.cell).sort()).toEqual(patchCells.map((c) => c.index).sort());
      for (const q of p.patches!) {
        const cell = layout.cells.find((c) => c.index === q.cell)!;
        const quad = q.run ? manifest.images.find((im) => im.relPath === q.relPath)!.placement!.quad : [[0, 0], [cell.pixelWidth, 0], [cell.pixelWidth, cell.pixelHeight], [0, cell.pixelHeight]];
        quad.forEach(([u, v], i) => {
          const want = applyHomography(truth.homography, { x: cell.xMm + (u * cell.widthMm) / cell.pixelWidth, y: cell.yMm + (v * cell.heightMm) / cell.pixelHeight });
          worst = Math.max(worst, Math.hypot(want.x - q.corners[i].x, want.y - q.corners[i].y));
        });
        located++;
      }
    }
    expect(located).toBe(9); // 8 pasted patches and the patch alone
    expect(worst).toBeLessThan(1.5);

    const ev = JSON.parse(await cli(['patch', 'evaluate', '--experiment', exp, '--json']));
    const notTarget = manifest.images.filter((im) => im.label !== 5).length;
    expect(ev.perImage).toHaveLength(1);
    expect(ev.perImage[0]).toMatchObject({ condition: 'light=dim', run: applied.run.dir, target: 5, targetName: 'Sandal', photos: 1, located: 8 });
    expect(ev.perImage[0].success.total).toBe(notTarget);
    expect(ev.perImage[0].digital).toEqual(applied.success);
    expect(ev.perImage[0].cleanAccuracy.total).toBe(8);
    expect(ev.crops).toHaveLength(8);
    expect(ev.crops.filter((c: { success: boolean; eligible: boolean }) => c.eligible && c.success)).toHaveLength(ev.perImage[0].success.count);
    expect(ev.fullFrame.map((f: { view: string }) => f.view).sort()).toEqual(['frame', 'page']);
    for (const f of ev.fullFrame) expect(f).toMatchObject({ condition: 'light=dim', target: 5, success: { total: 1 } });
    expect(JSON.parse(await readFile(join(exp, 'results', 'patch-photos.json'), 'utf8')).perImage).toEqual(ev.perImage);
    // The debug overlays: each photo's rectified page with the located patches outlined in red.
    expect(ev.overlays.sort()).toEqual(accepted.map((p) => `captures/${p.id}/patches.png`).sort());
    for (const p of accepted) {
      const [page, overlay] = await Promise.all([decodePng(await readFile(join(exp, p.rectified!)), { channels: 3 }), decodePng(await readFile(join(exp, 'captures', p.id, 'patches.png')), { channels: 3 })]);
      let red = 0;
      for (let i = 0; i < overlay.data.length; i += 3) if (overlay.data[i] === 230 && overlay.data[i + 1] === 30 && page.data[i + 1] !== 30) red++;
      expect(red, p.id).toBeGreaterThan(100);
    }
  }, 600_000);

  it('still asks for --target and --out when training', async () => {
    const r = await runCliAsync(['patch', '--size', '0.1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/required option '--target <class>' not specified/);
  }, 60_000);
});
