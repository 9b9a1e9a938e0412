/**
 * --fit fill|crop|pad on a non-square image with known pixel values: column bands 10 | 128 | 255
 * (two columns each), so where each band lands says which fit ran; and the one notice line a
 * default (fill) load prints when aspect ratios differ.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aspectDiffers, encodePng, fitBox, loadDataset, PAD_VALUE, readImage8 } from '../../../src/images';
import { makeImage8, type Image8 } from '../../../src/shared';
import { tempDir } from '../../fixtures/images/make';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

const BANDS = [10, 10, 128, 128, 255, 255];

/** w×h gray image whose value depends only on the column (wide) or row (tall). */
function banded(wide: boolean): Image8 {
  const [w, h] = wide ? [6, 2] : [2, 6];
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = BANDS[wide ? x : y];
  return makeImage8(w, h, 1, data);
}

async function file(img: Image8, name = 'a.png'): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, await encodePng(img));
  return p;
}

const rows = (img: Image8) => Array.from({ length: img.height }, (_, y) => Array.from(img.data.subarray(y * img.width, (y + 1) * img.width)));

describe('fitBox geometry', () => {
  it('crop keeps the centred region of the target aspect; pad letterboxes the whole image', () => {
    expect(fitBox(640, 480, 28, 28, 'crop')).toEqual({ source: { left: 80, top: 0, width: 480, height: 480 }, target: { left: 0, top: 0, width: 28, height: 28 } });
    expect(fitBox(640, 480, 28, 28, 'pad')).toEqual({ source: { left: 0, top: 0, width: 640, height: 480 }, target: { left: 0, top: 3, width: 28, height: 21 } });
    expect(fitBox(480, 640, 224, 224, 'crop').source).toEqual({ left: 0, top: 80, width: 480, height: 480 });
    expect(fitBox(640, 480, 28, 28, 'fill')).toEqual({ source: { left: 0, top: 0, width: 640, height: 480 }, target: { left: 0, top: 0, width: 28, height: 28 } });
  });

  it('aspect ratios differ only beyond a pixel of rounding', () => {
    expect(aspectDiffers(640, 480, 28, 28)).toBe(true);
    expect(aspectDiffers(56, 56, 28, 28)).toBe(false);
    expect(aspectDiffers(299, 300, 224, 224)).toBe(false);
  });
});

describe('readImage8 with fit', () => {
  it('fill stretches: every band is kept and every output row is the same (6×2 → 6×6)', async () => {
    const img = await readImage8(await file(banded(true)), { channels: 1, width: 6, height: 6, fit: 'fill' });
    const all = rows(img);
    for (const row of all) expect(row).toEqual(all[0]);
    // lanczos3 rings and blurs at the band edges, but both outer bands are still there (not
    // cropped) and no row is padding.
    expect(all[0][0]).toBeLessThanOrEqual(12);
    expect(Math.abs(all[0][3] - 128)).toBeLessThanOrEqual(8);
    expect(all[0][5]).toBeGreaterThanOrEqual(250);
  });

  it('crop keeps the centre band only (6×2 → 2×2)', async () => {
    const img = await readImage8(await file(banded(true)), { channels: 1, width: 2, height: 2, fit: 'crop' });
    expect(rows(img)).toEqual([[128, 128], [128, 128]]);
    const tall = await readImage8(await file(banded(false), 'b.png'), { channels: 1, width: 2, height: 2, fit: 'crop' });
    expect(rows(tall)).toEqual([[128, 128], [128, 128]]);
  });

  it('pad letterboxes with PAD_VALUE and leaves the image unscaled when it fits (6×2 → 6×6, 2×6 → 6×6)', async () => {
    const P = PAD_VALUE;
    const img = await readImage8(await file(banded(true)), { channels: 1, width: 6, height: 6, fit: 'pad' });
    expect(rows(img)).toEqual([Array(6).fill(P), Array(6).fill(P), BANDS, BANDS, Array(6).fill(P), Array(6).fill(P)]);
    const tall = await readImage8(await file(banded(false), 'b.png'), { channels: 3, width: 6, height: 6, fit: 'pad' });
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) {
        const want = x === 2 || x === 3 ? BANDS[y] : P;
        expect(Array.from(tall.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3))).toEqual([want, want, want]);
      }
    }
  });

  it('an unknown fit is a one-line bad-argument error', async () => {
    await expect(readImage8(await file(banded(true)), { width: 2, height: 2, fit: 'squash' as never })).rejects.toThrow(/fit must be fill, crop, pad, got squash/);
  });
});

describe('loadDataset: the aspect-ratio notice', () => {
  async function folder(): Promise<string> {
    const root = join(dir, 'set');
    await mkdir(join(root, 'Bag'), { recursive: true });
    await writeFile(join(root, 'Bag', 'wide.png'), await encodePng(banded(true)));
    await writeFile(join(root, 'Bag', 'tall.png'), await encodePng(banded(false)));
    await writeFile(join(root, 'Bag', 'square.png'), await encodePng(makeImage8(4, 4, 1)));
    return root;
  }

  it('fill (default) prints ONE line naming the count and the first image; crop/pad print none', async () => {
    const root = await folder();
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
    const filled = await loadDataset(root, ['Bag'], { channels: 1, width: 2, height: 2 });
    expect(filled.fit).toBe('fill');
    expect(filled.aspect).toEqual({ differing: 2, example: 'Bag/tall.png 2×6' });
    expect(stderr).toEqual(["[printshot] warning: 2 images are not 2×2's aspect ratio (e.g. Bag/tall.png 2×6): stretched; use --fit crop|pad\n"]);
    stderr.length = 0;
    const cropped = await loadDataset(root, ['Bag'], { channels: 1, width: 2, height: 2, fit: 'crop' });
    expect(cropped.items.map((i) => rows(i.image))).toEqual([[[0, 0], [0, 0]], [[128, 128], [128, 128]], [[128, 128], [128, 128]]]);
    const padded = await loadDataset(root, ['Bag'], { channels: 1, width: 2, height: 2, fit: 'pad' });
    expect(padded.aspect.differing).toBe(2);
    expect(stderr).toEqual([]);
  });
});
