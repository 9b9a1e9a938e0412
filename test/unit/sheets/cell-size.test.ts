/**
 * The sheet's default cell size follows the image resolution (0.2 mm per image pixel, never under
 * 25 mm, shrunk until a pair fits the page), and a photo of the whole sheet at the assumed camera
 * resolution (default 1280×720) that gives under one camera pixel per image pixel is a warning.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { encodePng } from '../../../src/images/encode';
import { runSheetJob } from '../../../src/services/sheet-job';
import { cameraSampling, defaultCellMm, layoutSheets, MM_PER_PIXEL, type LayoutOptions, type SheetImageRef } from '../../../src/sheets/layout';
import { log } from '../../../src/shared';
import { testImage, tmp } from './helpers';

const EXP = '3f2a9c01-b7e4-4c1d-9a55-0123456789ab';
const root = tmp('cell-size');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ref = (i: number, px: number, run?: string): SheetImageRef => ({
  relPath: `Bag/${i}.png`, file: `${run ?? 'clean'}/Bag/${i}.png`, sha256: '0'.repeat(64), label: 0, pixelWidth: px, pixelHeight: px, ...(run ? { run } : {}),
});

function layout(px: number, extra: Partial<LayoutOptions> = {}) {
  const pairs = Array.from({ length: 6 }, (_, i) => [ref(i, px), ref(i, px, 'adversarial/x')] as const);
  return layoutSheets({ experimentId: EXP, pairs, header: { experiment: 'e', date: '2025-01-02' }, createdAt: '2025-01-02T00:00:00.000Z', ...extra });
}

describe('default cell size', () => {
  it('28 px keeps 25 mm (0.2 mm/px would give 5.6 mm, under the 25 mm floor); 224 px gets 44.8 mm; 299 px 59.8 mm', () => {
    expect(defaultCellMm(28)).toBe(25);
    expect(layout(28)[0].cells[0].widthMm).toBe(25);
    expect(layout(224)[0].cells[0].widthMm).toBeCloseTo(224 * MM_PER_PIXEL, 6);
    expect(layout(299)[0].cells[0].widthMm).toBeCloseTo(59.8, 6);
    // An explicit size is kept as given.
    expect(layout(224, { cellMm: 30 })[0].cells[0].widthMm).toBe(30);
  });

  it('is capped so that at least one pair fits the page', () => {
    // 2000 px × 0.2 = 400 mm: shrunk until a pair fits, and not much further.
    const [l] = layout(2000);
    const w = l.cells[0].widthMm;
    expect(l.cells.length).toBeGreaterThanOrEqual(2);
    expect(2 * w).toBeLessThan(l.paper.widthMm - 2 * l.marginMm);
    expect(w).toBeGreaterThan(0.8 * ((l.paper.widthMm - 2 * l.marginMm) / 2));
    expect(() => layout(2000, { cellMm: 400 })).toThrow(/no image cell fits/);
  });

  it('in dpi mode, the default dots per pixel follow the same size', () => {
    expect(layout(28, { dpi: 600 })[0].dotsPerPixel).toBe(21); // 25 mm at 600 dpi / 28 px
    expect(layout(224, { dpi: 600 })[0].dotsPerPixel).toBe(5); // 44.8 mm ≈ 1058 dots / 224 px = 4.7
    // 1000 px: 200 mm → 2 dots per pixel (169 mm), too wide for a pair; 1 dot per pixel (85 mm) fits.
    const [big] = layout(1000, { dpi: 300 });
    expect(big.dotsPerPixel).toBe(1);
    expect(big.cells.length).toBeGreaterThanOrEqual(2);
  });
});

describe('camera sampling (assumed 1280×720 photo of the whole sheet)', () => {
  it('A4 portrait: 3.43 camera px/mm; 28 px at 25 mm gets 3.1 camera px per image px, 224 px at 44.8 mm 0.69', () => {
    const small = cameraSampling(layout(28)[0]);
    expect(small.pxPerMm).toBeCloseTo(720 / 210, 6);
    expect(small.pxPerImagePixel).toBeCloseTo((25 / 28) * (720 / 210), 6);
    const large = cameraSampling(layout(224)[0]);
    expect(large.pxPerImagePixel).toBeCloseTo(0.2 * (720 / 210), 6);
    expect(large.neededCellMm).toBeCloseTo(224 / (720 / 210), 6);
    // A 12 MP photo resolves the same sheet.
    expect(cameraSampling(layout(224)[0], { width: 4032, height: 3024 }).pxPerImagePixel).toBeGreaterThan(1);
  });
});

describe('runSheetJob: the blur warning', () => {
  function folder(name: string): string {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  it('224 px images on a default sheet warn once, naming the sampling and the remedy; 28 px do not', async () => {
    const big = folder('big');
    const small = folder('small');
    for (let i = 0; i < 2; i++) {
      writeFileSync(join(big, `${i}.png`), await encodePng(testImage(i, { width: 224, height: 224 })));
      writeFileSync(join(small, `${i}.png`), await encodePng(testImage(i)));
    }
    const warned: string[] = [];
    const spy = vi.spyOn(log, 'warn').mockImplementation((m: string) => void warned.push(m));
    try {
      const r = await runSheetJob({ images: big, out: join(root, 'big.pdf') });
      expect(r.layouts[0].cells[0].widthMm).toBeCloseTo(44.8, 6);
      expect(r.camera.pxPerImagePixel).toBeLessThan(1);
      expect(r.warnings).toEqual(['a 1280×720 photo of the whole sheet gives 0.69 camera pixels per image pixel (< 1): the crops will be blurred; capture at a higher resolution (--camera-px), or use cells of 66 mm (--cell-mm)']);
      expect(warned).toEqual(r.warnings);
      const sharp = await runSheetJob({ images: big, out: join(root, 'big-4k.pdf'), cameraPx: { width: 4032, height: 3024 } });
      expect(sharp.warnings).toEqual([]);
      const fine = await runSheetJob({ images: small, out: join(root, 'small.pdf') });
      expect(fine.layouts[0].cells[0].widthMm).toBe(25);
      expect(fine.warnings).toEqual([]);
      expect(warned).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  }, 60_000);
});
