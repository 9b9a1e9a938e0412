import { describe, expect, it } from 'vitest';
import { applyHomography, fitHomography, invertHomography, multiplyHomography, reprojectionStats, type Point } from '../../../src/registration';
import { createRng } from '../../../src/shared';

// A page (mm) -> photo (px) map with real perspective, like a tilted A4 sheet in a 720p frame.
const H = [2.1, 0.35, 410, -0.28, 2.3, 35, 0.0004, -0.0006, 1];
const page: Point[] = [];
for (const [x, y] of [[10, 10], [150, 10], [150, 237], [10, 237]]) {
  for (const [dx, dy] of [[0, 0], [50, 0], [50, 50], [0, 50]]) page.push({ x: x + dx, y: y + dy });
}

describe('homography', () => {
  it('recovers a known homography exactly from 16 marker corners', () => {
    const photo = page.map((p) => applyHomography(H, p));
    const fit = fitHomography(page, photo);
    for (let i = 0; i < 9; i++) expect(fit[i]).toBeCloseTo(H[i], 9);
    const err = reprojectionStats(invertHomography(fit), photo, page);
    expect(err.max).toBeLessThan(1e-8);
  });

  it('inverts and composes', () => {
    const inv = invertHomography(H);
    const id = multiplyHomography(H, inv);
    [1, 0, 0, 0, 1, 0, 0, 0, 1].forEach((v, i) => expect(id[i]).toBeCloseTo(v, 12));
    const p = { x: 123.4, y: 56.7 };
    const q = applyHomography(inv, applyHomography(H, p));
    expect(q.x).toBeCloseTo(p.x, 9);
    expect(q.y).toBeCloseTo(p.y, 9);
    expect(() => invertHomography([1, 2, 3, 2, 4, 6, 0, 0, 0])).toThrow(/singular/);
  });

  it('averages corner noise: least squares over 16 corners beats the noise of one corner', () => {
    const rng = createRng(3);
    const errs: number[] = [];
    for (let t = 0; t < 50; t++) {
      // zxing reports integer corners: +-0.5 px of rounding noise.
      const photo = page.map((p) => applyHomography(H, p)).map((q) => ({ x: Math.round(q.x + rng.uniform(-0.5, 0.5)), y: Math.round(q.y + rng.uniform(-0.5, 0.5)) }));
      const fit = fitHomography(page, photo);
      const inv = invertHomography(fit);
      // Error at the page corners (outside the markers' hull: extrapolation), in mm.
      for (const c of [{ x: 0, y: 0 }, { x: 210, y: 297 }]) {
        const q = applyHomography(inv, applyHomography(H, c));
        errs.push(Math.hypot(q.x - c.x, q.y - c.y));
      }
    }
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    expect(mean).toBeLessThan(0.25); // one px is ~0.45 mm here
  });

  it('needs at least 4 pairs', () => {
    expect(() => fitHomography(page.slice(0, 3), page.slice(0, 3))).toThrow(/4 point pairs/);
  });
});
