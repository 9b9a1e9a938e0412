/**
 * Unregistered crops: the bounding box of a cell's projected corners, with its margin, from a
 * known homography; and the crop-and-resize it feeds.
 */
import { describe, expect, it } from 'vitest';
import { cropResize, unregisteredBox } from '../../../src/registration/unregistered';
import { makeImage8 } from '../../../src/shared';

const cell = { xMm: 10, yMm: 20, widthMm: 25, heightMm: 25 };

describe('unregisteredBox', () => {
  it('is the scaled, shifted cell grown by 10% of its size on each side (affine homography)', () => {
    // page mm → px: x' = 4x + 100, y' = 4y + 50
    const h = [4, 0, 100, 0, 4, 50, 0, 0, 1];
    // cell corners → x 140..240, y 130..230; margin 10 px each side.
    expect(unregisteredBox(h, cell, { width: 1000, height: 1000 })).toEqual({ x0: 130, y0: 120, x1: 250, y1: 240 });
    expect(unregisteredBox(h, cell, { width: 1000, height: 1000 }, 0)).toEqual({ x0: 140, y0: 130, x1: 240, y1: 230 });
  });

  it('bounds the projected quadrilateral of a rotated/perspective view and clips to the frame', () => {
    // 90° rotation: (x, y) → (300 - y, x): x in 255..280 (y 20..45), y in 10..35 (x 10..35).
    const rot = [0, -1, 300, 1, 0, 0, 0, 0, 1];
    expect(unregisteredBox(rot, cell, { width: 1000, height: 1000 }, 0)).toEqual({ x0: 255, y0: 10, x1: 280, y1: 35 });
    // Perspective: w = 1 + 0.01 x. Corners: (10,20)/1.1, (35,20)/1.35, (35,45)/1.35, (10,45)/1.1.
    const persp = [1, 0, 0, 0, 1, 0, 0.01, 0, 1];
    const b = unregisteredBox(persp, cell, { width: 1000, height: 1000 }, 0)!;
    expect(b).toEqual({ x0: Math.floor(10 / 1.1), y0: Math.floor(20 / 1.35), x1: Math.ceil(35 / 1.35), y1: Math.ceil(45 / 1.1) });
    // Clipped at the frame edge; wholly outside → null.
    expect(unregisteredBox([4, 0, 100, 0, 4, 50, 0, 0, 1], cell, { width: 200, height: 200 })).toEqual({ x0: 130, y0: 120, x1: 200, y1: 200 });
    expect(unregisteredBox([1, 0, 5000, 0, 1, 0, 0, 0, 1], cell, { width: 200, height: 200 })).toBeNull();
  });
});

describe('cropResize', () => {
  it('resizes exactly the box: a box over a uniform square returns that colour, and a half/half box splits', () => {
    const w = 40;
    const data = new Uint8Array(w * w * 3);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data.set(x < 20 ? [200, 10, 10] : [10, 10, 200], (y * w + x) * 3);
    const photo = makeImage8(w, w, 3, data);
    const left = cropResize(photo, { x0: 0, y0: 0, x1: 20, y1: 40 }, 4, 4);
    expect([...left.data.slice(0, 3)]).toEqual([200, 10, 10]);
    expect([...left.data.slice(-3)]).toEqual([200, 10, 10]);
    const both = cropResize(photo, { x0: 0, y0: 0, x1: 40, y1: 40 }, 2, 2);
    expect(both.data[0]).toBeGreaterThan(190);
    expect(both.data[5]).toBeGreaterThan(190);
    expect(both.data[3]).toBeLessThan(20);
  });
});
