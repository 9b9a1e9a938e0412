import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_GREYS,
  headerBox,
  LABEL_BAND_MM,
  layoutSheets,
  markerKeepOut,
  overlaps,
  QUIET_MODULES,
  type Box,
  type LayoutOptions,
  type SheetImageRef,
} from '../../../src/sheets/layout';
import { decodeMarkerPayload, experimentPrefix } from '../../../src/sheets/payload';
import type { SheetLayout } from '../../../src/sheets/types';

const EXP = '3f2a9c01-b7e4-4c1d-9a55-0123456789ab';

function ref(i: number, run?: string, px = 28): SheetImageRef {
  const hex = i.toString(16).padStart(64, '0');
  return { relPath: `Bag/${i}.png`, file: run ? `${run}/Bag/${i}.png` : `clean/Bag/${i}.png`, sha256: hex, label: i % 10, pixelWidth: px, pixelHeight: px, ...(run ? { run } : {}) };
}

const pairs = (n: number) => Array.from({ length: n }, (_, i) => [ref(i), ref(i, 'adversarial/fgsm-eps16')] as const);

function opts(extra: Partial<LayoutOptions> = {}): LayoutOptions {
  return { experimentId: EXP, pairs: pairs(40), header: { experiment: 'demo (3f2a9c01)', attack: 'fgsm eps=16', date: '2025-01-02' }, createdAt: '2025-01-02T03:04:05.000Z', ...extra };
}

const cellBox = (c: SheetLayout['cells'][number], labels: boolean): Box => ({ x: c.xMm, y: c.yMm, w: c.widthMm, h: c.heightMm + (labels ? LABEL_BAND_MM : 0) });

const CONFIGS: [string, Partial<LayoutOptions>][] = [
  ['a4 portrait mm', {}],
  ['a4 landscape mm', { orientation: 'landscape' }],
  ['letter portrait mm', { paper: 'letter' }],
  ['letter landscape 300dpi×4', { paper: 'letter', orientation: 'landscape', dpi: 300, dotsPerPixel: 4 }],
  ['a4 600dpi default dots, no labels', { dpi: 600, labels: false }],
  ['a4 no calibration, 18 mm cells', { calibration: false, cellMm: 18 }],
  ['single images', { pairs: undefined, images: Array.from({ length: 50 }, (_, i) => ref(i)) }],
];

describe('layoutSheets geometry', () => {
  it.each(CONFIGS)('%s: cells inside the margins, no overlaps, keep-outs clear', (_name, extra) => {
    const o = opts(extra);
    const labels = o.labels ?? true;
    const layouts = layoutSheets(o);
    for (const l of layouts) {
      const { widthMm: W, heightMm: H } = l.paper;
      const m = l.marginMm;
      const keepOuts = l.markers.map(markerKeepOut);
      const hdr = headerBox(l);
      const boxes = l.cells.map((c) => cellBox(c, labels));
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(m - 1e-9);
        expect(b.y).toBeGreaterThanOrEqual(m - 1e-9);
        expect(b.x + b.w).toBeLessThanOrEqual(W - m + 1e-9);
        expect(b.y + b.h).toBeLessThanOrEqual(H - m + 1e-9);
        for (const k of [...keepOuts, hdr]) expect(overlaps(b, k)).toBe(false);
        for (const p of l.calibration ?? []) expect(overlaps(b, { x: p.xMm, y: p.yMm, w: p.sizeMm, h: p.sizeMm })).toBe(false);
      }
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i], boxes[j])).toBe(false);
      // Quiet zones are blank paper on the page, apart from each other, the header and the strip.
      for (const k of keepOuts) {
        expect(k.x).toBeGreaterThanOrEqual(0);
        expect(k.y).toBeGreaterThanOrEqual(0);
        expect(k.x + k.w).toBeLessThanOrEqual(W);
        expect(k.y + k.h).toBeLessThanOrEqual(H);
        expect(overlaps(k, hdr)).toBe(false);
        for (const p of l.calibration ?? []) expect(overlaps(k, { x: p.xMm, y: p.yMm, w: p.sizeMm, h: p.sizeMm })).toBe(false);
      }
      for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) expect(overlaps(keepOuts[i], keepOuts[j])).toBe(false);
      expect(hdr.y + hdr.h).toBeLessThanOrEqual(H);
    }
  });

  it('puts the markers in the corners, in corner order, with ≥ 1.7 mm modules and a 4-module quiet zone', () => {
    const [l] = layoutSheets(opts());
    expect(l.markers.map((mk) => mk.corner)).toEqual([0, 1, 2, 3]);
    for (const mk of l.markers) {
      expect(mk.moduleMm).toBeGreaterThanOrEqual(1.7);
      expect(mk.modules).toBe(25);
      expect(l.marginMm).toBeGreaterThanOrEqual(QUIET_MODULES * mk.moduleMm);
    }
    const s = 25 * l.markers[0].moduleMm;
    expect(l.markers[0]).toMatchObject({ xMm: 10, yMm: 10 });
    expect(l.markers[1]).toMatchObject({ xMm: 210 - 10 - s, yMm: 10 });
    expect(l.markers[2]).toMatchObject({ xMm: 210 - 10 - s, yMm: 297 - 10 - s });
    expect(l.markers[3]).toMatchObject({ xMm: 10, yMm: 297 - 10 - s });
    // A full A4 page filling a 720-px-high frame: pixels per module, against zxing's ~2.5.
    expect((720 / 297) * l.markers[0].moduleMm).toBeGreaterThan(4);
  });

  it('places every pair exactly once, in order, clean left of adversarial on one row', () => {
    const layouts = layoutSheets(opts());
    expect(layouts.length).toBeGreaterThan(1);
    const perSheet = layouts[0].cells.length / 2;
    expect(perSheet).toBeGreaterThanOrEqual(12); // A4, 25 mm cells
    const cells = layouts.flatMap((l) => l.cells);
    expect(cells).toHaveLength(80);
    cells.forEach((c, i) => {
      expect(c.pair).toBe(Math.floor(i / 2));
      expect(c.role).toBe(i % 2 === 0 ? 'clean' : 'adversarial');
      expect(c.relPath).toBe(`Bag/${Math.floor(i / 2)}.png`);
    });
    for (const l of layouts) {
      l.cells.forEach((c, i) => expect(c.index).toBe(i));
      for (let i = 0; i < l.cells.length; i += 2) {
        const [a, b] = [l.cells[i], l.cells[i + 1]];
        expect(b.yMm).toBe(a.yMm);
        expect(b.xMm).toBeGreaterThan(a.xMm + a.widthMm);
        expect(b.run).toBe('adversarial/fgsm-eps16');
        expect(a.run).toBeUndefined();
      }
    }
    expect(layouts.map((l) => l.sheetIndex)).toEqual(layouts.map((_, i) => i));
  });

  it('snaps cell origins to the printer dot grid in dpi mode and sizes cells in whole dots', () => {
    for (const [dpi, dots] of [[300, 4], [600, 7], [720, 3]]) {
      const layouts = layoutSheets(opts({ dpi, dotsPerPixel: dots, pairs: [...pairs(10), [ref(99, undefined, 20), ref(99, 'adversarial/fgsm-eps16', 20)]] }));
      for (const l of layouts) {
        expect(l).toMatchObject({ dpi, dotsPerPixel: dots });
        for (const c of l.cells) {
          for (const v of [c.xMm, c.yMm]) expect(Math.abs((v * dpi) / 25.4 - Math.round((v * dpi) / 25.4))).toBeLessThan(1e-6);
          expect((c.widthMm * dpi) / 25.4).toBeCloseTo(c.pixelWidth * dots, 6);
          expect((c.heightMm * dpi) / 25.4).toBeCloseTo(c.pixelHeight * dots, 6);
        }
      }
    }
    // Default dots per pixel: the whole number closest to a 25 mm cell.
    const [l] = layoutSheets(opts({ dpi: 600 }));
    expect(l.dotsPerPixel).toBe(21);
  });

  it('keeps the aspect ratio of non-square images at cellMm on the long side', () => {
    const wide = { ...ref(1), pixelWidth: 40, pixelHeight: 20 };
    const [l] = layoutSheets(opts({ pairs: undefined, images: [wide], cellMm: 30 }));
    expect(l.cells[0]).toMatchObject({ widthMm: 30, heightMm: 15, role: 'image' });
    expect(l.cells[0].pair).toBeUndefined();
  });

  it('has a calibration strip of 8 greys and 6 colours unless turned off', () => {
    const [l] = layoutSheets(opts());
    expect(l.calibration).toHaveLength(14);
    expect(l.calibration!.slice(0, 8).map((p) => p.rgb[0])).toEqual([...CALIBRATION_GREYS]);
    expect(l.calibration!.slice(8).map((p) => p.rgb)).toContainEqual([255, 0, 255]);
    for (const p of l.calibration!) expect(p.yMm + p.sizeMm).toBeLessThanOrEqual(297 - l.marginMm + 1e-9);
    expect(layoutSheets(opts({ calibration: false }))[0].calibration).toBeUndefined();
  });

  it('writes a header with experiment, sheet n/N, attack, eps and date, and markers that carry the sheet', () => {
    const layouts = layoutSheets(opts());
    const n = layouts.length;
    layouts.forEach((l, i) => {
      expect(l.header.join('\n')).toContain('demo (3f2a9c01)');
      expect(l.header.join('\n')).toContain(`sheet ${i + 1}/${n} · fgsm eps=16`);
      expect(l.header.join('\n')).toContain('2025-01-02');
      for (const mk of l.markers) {
        expect(decodeMarkerPayload(mk.payload)).toEqual({ experiment: experimentPrefix(EXP), sheetId: l.sheetId, sheetIndex: i, sheetCount: n, corner: mk.corner });
      }
    });
    expect(new Set(layouts.map((l) => l.sheetId)).size).toBe(n);
  });

  it('is deterministic: same inputs, same JSON; createdAt changes nothing else', () => {
    const a = layoutSheets(opts());
    expect(JSON.stringify(layoutSheets(opts()))).toBe(JSON.stringify(a));
    const b = layoutSheets(opts({ createdAt: '2030-01-01T00:00:00.000Z' }));
    expect(b.map(({ createdAt: _c, ...rest }) => rest)).toEqual(a.map(({ createdAt: _c, ...rest }) => rest));
    // A different image (another hash) changes the sheet id, so markers tell the sheets apart.
    const other = pairs(40);
    other[0] = [{ ...other[0][0], sha256: 'f'.repeat(64) }, other[0][1]];
    expect(layoutSheets(opts({ pairs: other }))[0].sheetId).not.toBe(a[0].sheetId);
  });

  it('rejects impossible requests with a clear message', () => {
    expect(() => layoutSheets(opts({ marginMm: 5 }))).toThrow(/quiet zone/);
    expect(() => layoutSheets(opts({ cellMm: 150 }))).toThrow(/no image cell fits/);
    expect(() => layoutSheets(opts({ cellMm: 20, dpi: 300 }))).toThrow(/not both/);
    expect(() => layoutSheets(opts({ dotsPerPixel: 4 }))).toThrow(/needs a dpi/);
    expect(() => layoutSheets(opts({ pairs: [] }))).toThrow(/nothing to put/);
    expect(() => layoutSheets(opts({ paper: 'a3' as never }))).toThrow(/unknown paper/);
  });
});
