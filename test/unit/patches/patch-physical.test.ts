/**
 * The physical channel for patches (issue 19 §3), without photos: the placement quad agrees with
 * the pixels placementTaps pastes, image points map onto their cell and through a known homography
 * into the photo, and `patch apply` writes a run whose PNGs differ from the clean ones only inside
 * the recorded patch, whose success counts the target, which resumes after a cancel to the same
 * bytes, and which refuses a patch of another model.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/images';
import { placementTaps, type Placement } from '../../../src/patches';
import { applyHomography } from '../../../src/registration/homography';
import { patchSuccess, runPatchApplyJob } from '../../../src/services/patch-apply';
import { cellToPage, locatePatches, placementQuad, quadInPhoto } from '../../../src/services/patch-locate';
import { openModel } from '../../../src/services/sources';
import type { SheetLayout } from '../../../src/sheets/types';
import { createRng } from '../../../src/shared';
import { readRunManifest } from '../../../src/workspace';
import { writeFakePatch } from '../../support/patch-files';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

afterAll(removeTempDirs);

/** Is point (x, y) inside the convex quad (corners in order)? */
function inside(quad: readonly (readonly [number, number])[], x: number, y: number): boolean {
  const s = quad.map((a, i) => {
    const b = quad[(i + 1) % 4];
    return (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
  });
  return s.every((v) => v >= 0) || s.every((v) => v <= 0);
}

describe('placementQuad', () => {
  it('is the axis-aligned square of side `side` about the centre at angle 0', () => {
    expect(placementQuad({ cx: 10, cy: 12, side: 6, angle: 0 })).toEqual([[7, 9], [13, 9], [13, 15], [7, 15]]);
  });

  it('holds exactly the pixel centres placementTaps pastes (away from the edge), at any rotation', () => {
    const rng = createRng('quad');
    for (let k = 0; k < 20; k++) {
      const pl: Placement = { cx: 8 + rng.next() * 12, cy: 8 + rng.next() * 12, side: 5 + rng.next() * 6, angle: (rng.next() - 0.5) * 1.2 };
      const quad = placementQuad(pl);
      const { mask } = placementTaps(28, 28, 9, [pl]);
      for (let v = 0; v < 28; v++) {
        for (let u = 0; u < 28; u++) {
          // Distance of the pixel centre to the square's boundary, in the patch frame.
          const dx = u + 0.5 - pl.cx;
          const dy = v + 0.5 - pl.cy;
          const along = Math.max(Math.abs(Math.cos(pl.angle) * dx + Math.sin(pl.angle) * dy), Math.abs(-Math.sin(pl.angle) * dx + Math.cos(pl.angle) * dy));
          if (Math.abs(along - pl.side / 2) < 0.05) continue;
          expect(mask[v * 28 + u] === 1, `pixel ${u},${v} of placement ${k}`).toBe(inside(quad, u + 0.5, v + 0.5));
        }
      }
    }
  });
});

describe('locating a patch', () => {
  const cell = { index: 3, xMm: 20, yMm: 40, widthMm: 28, heightMm: 28, pixelWidth: 28, pixelHeight: 28, role: 'adversarial' as const, pair: 1, relPath: 'Bag/1.png', file: 'adversarial/patch-eps255/Bag/1.png', sha256: 'x', label: 8, run: 'adversarial/patch-eps255' };

  it('maps image pixel edges onto the cell rectangle', () => {
    expect(cellToPage(cell, [0, 0])).toEqual({ x: 20, y: 40 });
    expect(cellToPage(cell, [28, 28])).toEqual({ x: 48, y: 68 });
    expect(cellToPage({ ...cell, widthMm: 56, heightMm: 56 }, [14, 7])).toEqual({ x: 48, y: 54 });
  });

  it('puts the recorded quad into the photo through the page → photo homography', () => {
    const h = [3.1, 0.05, 210, -0.04, 3.3, 95, 1e-4, -5e-5, 1];
    const pl = { cx: 9, cy: 17, side: 8, angle: 0.3 };
    const quad = placementQuad(pl);
    const layout = { cells: [cell, { ...cell, index: 4, role: 'clean' as const, run: undefined, file: 'clean/Bag/1.png' }] } as unknown as SheetLayout;
    const manifest = { images: [{ relPath: 'Bag/1.png', placement: { ...pl, quad } }] };
    const located = locatePatches(h, layout, new Map([[cell.run, manifest as never]]));
    expect(located).toHaveLength(1);
    expect(located[0]).toMatchObject({ cell: 3, run: cell.run, relPath: 'Bag/1.png' });
    quad.forEach(([u, v], i) => {
      const want = applyHomography(h, { x: 20 + u, y: 40 + v });
      expect(located[0].corners[i].x).toBeCloseTo(want.x, 9);
      expect(located[0].corners[i].y).toBeCloseTo(want.y, 9);
    });
    expect(quadInPhoto(h, cell, quad)).toEqual(located[0].corners);
  });

  it('locates a patch-alone cell as the whole cell', () => {
    const alone = { ...cell, role: 'image' as const, run: undefined, relPath: 'patch-alone/patch-t5-s10-1', pixelWidth: 9, pixelHeight: 9, widthMm: 50, heightMm: 50 };
    const [p] = locatePatches([1, 0, 0, 0, 1, 0, 0, 0, 1], { cells: [alone] } as unknown as SheetLayout, new Map());
    expect(p.corners).toEqual([{ x: 20, y: 40 }, { x: 70, y: 40 }, { x: 70, y: 90 }, { x: 20, y: 90 }]);
  });
});

describe('patchSuccess', () => {
  const row = (label: number, clean: number, success: boolean) => ({ label, success, cleanTop5: [{ label: clean, prob: 1 }] });
  it('counts targeted hits among images not of the target class, untargeted among images right before', () => {
    const rows = [row(5, 5, false), row(1, 1, true), row(2, 3, true), row(0, 0, false)];
    expect(patchSuccess(rows, 5)).toMatchObject({ count: 2, total: 3 });
    expect(patchSuccess(rows, 'untargeted')).toMatchObject({ count: 1, total: 3 });
  });
});

describe('runPatchApplyJob', () => {
  it('writes a patch run: pixels outside the recorded patch unchanged, success = target hit, no tensor left, same bytes after a cancel and resume', async () => {
    const model = await openModel('default');
    const fingerprint = model.fingerprint;
    model.dispose();
    const root = await tempDir();
    const png = await writeFakePatch(join(root, 'p'), fingerprint);
    const tensors = tf.memory().numTensors;
    const whole = await runPatchApplyJob({ patch: png, experiment: join(root, 'a'), limit: 40, sample: 'stratified', seed: 1 });
    expect(whole.run.method).toBe('patch');
    expect(whole.manifest.images).toHaveLength(40);
    for (const im of whole.manifest.images) {
      const adv = await decodePng(await readFile(join(root, 'a', im.file)));
      const clean = await decodePng(await readFile(join(root, 'a', 'clean', im.relPath.replace(/\.\w+$/, '.png'))));
      const quad = im.placement!.quad;
      let changedOutside = 0;
      for (let v = 0; v < 28; v++) for (let u = 0; u < 28; u++) if (!inside(quad, u + 0.5, v + 0.5) && adv.data[v * 28 + u] !== clean.data[v * 28 + u]) changedOutside++;
      expect(changedOutside, im.relPath).toBe(0);
      expect(im.success).toBe(im.label !== 5 && im.advTop5[0].label === 5);
    }
    expect(whole.success.total).toBe(40 - whole.manifest.images.filter((im) => im.label === 5).length);
    expect((whole.manifest.summary as { patch: { success: unknown } }).patch.success).toEqual(whole.success);
    expect(tf.memory().numTensors, 'tensors left behind by patch apply').toBe(tensors);

    // Cancelled after the first batch, then the same request resumes the run in place.
    const cut = join(root, 'b');
    const controller = new AbortController();
    await expect(runPatchApplyJob({ patch: png, experiment: cut, limit: 40, sample: 'stratified', seed: 1, signal: controller.signal, onProgress: (p) => p.imagesDone >= 32 && controller.abort() })).rejects.toThrow(/cancel/);
    const resumed = await runPatchApplyJob({ patch: png, experiment: cut, limit: 40, sample: 'stratified', seed: 1 });
    expect(resumed.resumedFrom).toBe(32);
    expect(resumed.run.id).not.toBe(whole.run.id);
    const rows = (await readRunManifest(cut, resumed.run)).images;
    expect(rows.map((r) => [r.relPath, r.sha256, r.placement])).toEqual(whole.manifest.images.map((r) => [r.relPath, r.sha256, r.placement]));
  }, 120_000);

  it('uses a patch already under the experiment patches/ in place (the workbench trains there), and its curve is found there', async () => {
    const model = await openModel('default');
    const root = await tempDir();
    const exp = join(root, 'exp');
    // The experiment first (made by an attack-free apply of a patch from outside, copied flat).
    await runPatchApplyJob({ patch: await writeFakePatch(join(root, 'outside'), model.fingerprint), experiment: exp, limit: 1 });
    const png = await writeFakePatch(join(exp, 'patches', 'Sandal-abc123'), model.fingerprint);
    model.dispose();
    const r = await runPatchApplyJob({ patch: png, experiment: exp, limit: 3 });
    expect(r.patchFile).toBe('patches/Sandal-abc123/patch-t5-s10.png');
    expect(r.manifest.params.patch).toBe('patches/Sandal-abc123/patch-t5-s10.png');
    const { readPatchesReport } = await import('../../../src/reports/patch-data');
    const { openExperiment } = await import('../../../src/workspace');
    const found = await readPatchesReport(exp, await openExperiment(exp), null, []);
    expect(found!.report.patches.map((p) => [p.file, p.png, p.success.count])).toEqual([
      ['patches/Sandal-abc123/patch-t5-s10.json', 'patches/Sandal-abc123/patch-t5-s10.png', 3],
      ['patches/patch-t5-s10.json', 'patches/patch-t5-s10.png', 3],
    ]);
  }, 60_000);

  it('takes a given placement for every image; refuses a patch trained on another model and a placement outside the image', async () => {
    const root = await tempDir();
    const png = await writeFakePatch(join(root, 'p'), 'f'.repeat(64));
    await expect(runPatchApplyJob({ patch: png, experiment: join(root, 'x'), limit: 2 })).rejects.toThrow(/was trained on model bundled \(ffffffffffff\), not /);
    const model = await openModel('default');
    const ok = await writeFakePatch(join(root, 'q'), model.fingerprint);
    model.dispose();
    await expect(runPatchApplyJob({ patch: ok, experiment: join(root, 'y'), limit: 2, at: { cx: 40, cy: 3 } })).rejects.toThrow(/--at 40,3/);
    // A given placement: the same for every image, recorded as given.
    const given = await runPatchApplyJob({ patch: ok, experiment: join(root, 'g'), limit: 3, at: { cx: 14, cy: 14, side: 10 } });
    for (const im of given.manifest.images) expect(im.placement).toEqual({ cx: 14, cy: 14, side: 10, angle: 0, quad: [[9, 9], [19, 9], [19, 19], [9, 19]] });
    expect(given.manifest.params.placement).toEqual({ cx: 14, cy: 14, rotationDeg: 0, side: 10 });
    await expect(runPatchApplyJob({ patch: join(root, 'none.png'), experiment: join(root, 'z') })).rejects.toThrow(/cannot read the patch's record/);
  }, 60_000);
});
