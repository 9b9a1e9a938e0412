/**
 * Registration on ideal rasters of hand-built layouts (no camera model): marker corners, the
 * homography, the crops, and every quality gate that needs only the photo.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { detectMarkers, markerCornersMm, registerImage } from '../../../src/registration';
import { useNodeMarkerReader } from '../../../src/registration/node/marker-reader';
import { makeImage8, type Image8 } from '../../../src/shared';
import type { SheetLayout } from '../../../src/sheets/types';
import { renderSheet } from '../../../src/simulate';
import { cellImages, EXPERIMENT_ID, makeLayout, OTHER_EXPERIMENT_ID } from './fixtures';

let layout: SheetLayout;
let cells: Map<number, Image8>;
let clean: Image8; // the sheet at 4 px/mm

beforeAll(async () => {
  await useNodeMarkerReader();
  layout = makeLayout();
  cells = await cellImages(layout);
  clean = await renderSheet(layout, cells, 4);
});

/** Paints a page rectangle (mm) white, e.g. to hide a marker. */
function whiteOut(img: Image8, pxPerMm: number, x0: number, y0: number, x1: number, y1: number): Image8 {
  const data = img.data.slice();
  for (let y = Math.floor(y0 * pxPerMm); y < Math.ceil(y1 * pxPerMm); y++) {
    for (let x = Math.floor(x0 * pxPerMm); x < Math.ceil(x1 * pxPerMm); x++) data.fill(255, (y * img.width + x) * 3, (y * img.width + x) * 3 + 3);
  }
  return makeImage8(img.width, img.height, 3, data);
}

describe('marker detection', () => {
  it('finds all four markers with corners on the edge grid of the layout', async () => {
    const r = 3;
    const img = await renderSheet(layout, cells, r);
    const found = await detectMarkers(img);
    expect(found).toHaveLength(4);
    for (const m of layout.markers) {
      const d = found.find((f) => f.text === m.payload)!;
      expect(d).toBeDefined();
      markerCornersMm(m).forEach((p, i) => {
        expect(Math.abs(d.corners[i].x - p.x * r)).toBeLessThanOrEqual(1);
        expect(Math.abs(d.corners[i].y - p.y * r)).toBeLessThanOrEqual(1);
      });
    }
  });
});

describe('registerImage', () => {
  it('accepts a clean sheet and crops every cell back to its source pixels', async () => {
    const res = await registerImage(clean, EXPERIMENT_ID, [layout]);
    expect(res.status).toBe('accepted');
    expect(res.layout?.sheetId).toBe('S1');
    expect(res.markers).toHaveLength(4);
    expect(res.reprojection!.maxMm).toBeLessThan(0.2);
    expect(res.cells).toHaveLength(layout.cells.length);
    // 28 px printed at 25 mm, 4 px/mm: each source pixel is 3.57 raster px; centre sampling
    // must give every source pixel back exactly (no half-pixel shift, no blending).
    for (const { cell, image } of res.cells) {
      expect([image.width, image.height, image.channels]).toEqual([28, 28, 3]);
      const src = cells.get(cell.index)!;
      let maxDiff = 0;
      for (let i = 0; i < 28 * 28; i++) maxDiff = Math.max(maxDiff, Math.abs(image.data[i * 3] - src.data[i]));
      expect(maxDiff).toBeLessThanOrEqual(1);
    }
  });

  it('ignores QR codes that are not Printshot markers', async () => {
    const extra = { corner: 0 as const, xMm: 75, yMm: 240, modules: 21, moduleMm: 2, payload: 'hello' };
    const img = await renderSheet({ ...layout, markers: [...layout.markers, extra] }, cells, 4);
    const res = await registerImage(img, EXPERIMENT_ID, [layout]);
    expect(res.status).toBe('accepted');
    expect(res.otherCodes).toBe(1);
  });

  it('rejects a photo missing a marker (the paper discards the whole photo)', async () => {
    const m = layout.markers[3];
    const img = whiteOut(clean, 4, m.xMm - 1, m.yMm - 1, m.xMm + 51, m.yMm + 51);
    const res = await registerImage(img, EXPERIMENT_ID, [layout]);
    expect(res).toMatchObject({ status: 'rejected', reason: 'missing-marker' });
    expect(res.message).toContain('3 of 4 markers (missing: bottom-left)');
    expect(res.cells).toHaveLength(0);
    const blank = makeImage8(400, 300, 3, new Uint8Array(400 * 300 * 3).fill(255));
    expect(await registerImage(blank, EXPERIMENT_ID, [layout])).toMatchObject({ status: 'rejected', reason: 'missing-marker', message: 'no corner markers found' });
  });

  it('rejects a sheet of another experiment', async () => {
    const foreign = makeLayout({ experimentId: OTHER_EXPERIMENT_ID });
    const img = await renderSheet(foreign, cells, 4);
    const res = await registerImage(img, EXPERIMENT_ID, [layout]);
    expect(res).toMatchObject({ status: 'rejected', reason: 'foreign-sheet' });
    expect(res.message).toContain('AA11BB22CC33');
  });

  it('rejects a sheet of this experiment without a layout', async () => {
    const other = makeLayout({ sheetId: 'S2', sheetIndex: 1, sheetCount: 2 });
    const img = await renderSheet(other, cells, 4);
    expect(await registerImage(img, EXPERIMENT_ID, [layout])).toMatchObject({ status: 'rejected', reason: 'unknown-sheet' });
  });

  it('rejects a photo showing markers of two sheets', async () => {
    const other = makeLayout({ sheetId: 'S2', sheetIndex: 1, sheetCount: 2 });
    const b = await renderSheet(other, cells, 4);
    // Top half from sheet S1, bottom half from sheet S2.
    const data = clean.data.slice();
    const half = Math.floor(clean.height / 2) * clean.width * 3;
    data.set(b.data.subarray(half), half);
    const res = await registerImage(makeImage8(clean.width, clean.height, 3, data), EXPERIMENT_ID, [layout, other]);
    expect(res).toMatchObject({ status: 'rejected', reason: 'mixed-sheets' });
    expect(res.message).toMatch(/markers of 2 sheets/);
  });

  it('rejects a photo whose markers do not fit one homography', async () => {
    // The bottom-right marker printed 3 mm away from where the layout says it is: a curled
    // corner or a wrong layout.
    const moved = { ...layout, markers: layout.markers.map((m) => (m.corner === 2 ? { ...m, xMm: m.xMm - 3, yMm: m.yMm - 2 } : m)) };
    const img = await renderSheet(moved, cells, 4);
    const res = await registerImage(img, EXPERIMENT_ID, [layout]);
    expect(res).toMatchObject({ status: 'rejected', reason: 'reprojection-error' });
    expect(res.reprojection!.maxMm).toBeGreaterThan(1);
    expect(res.message).toMatch(/over the 1 mm limit/);
    // A looser limit lets it through.
    expect((await registerImage(img, EXPERIMENT_ID, [layout], { maxReprojectionMm: 5 })).status).toBe('accepted');
  });
});
