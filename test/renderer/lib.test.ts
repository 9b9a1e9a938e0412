/**
 * The renderer's pure helpers: form fields from a JSON Schema, number formatting, the live
 * marker status (which sheet, how many markers and cells, steadiness), report cells, and the
 * sheet preview's drawing of markers, cells and the calibration strip.
 */
import { describe, expect, it } from 'vitest';
import { applyHomography, type Point } from '../../src/registration/homography';
import { duration, parseNumberList, pct, rate } from '../../renderer/src/lib/format';
import { liveStatus, markerCornersMm, statusText, SteadyTracker, type Detection } from '../../renderer/src/lib/live-markers';
import { cellText, parseReport } from '../../renderer/src/lib/report-types';
import { fieldsOf, initialValues, paramsOf } from '../../renderer/src/lib/schema-form';
import { cellFiles, drawSheet, parseLayouts } from '../../renderer/src/lib/sheet-draw';
import { EXPERIMENT_ID, sampleLayout } from './helpers';

const bimSchema = {
  type: 'object',
  properties: {
    eps: { default: 16, type: 'number', minimum: 0, maximum: 255, description: 'L∞ radius' },
    alpha: { default: 1, type: 'number', exclusiveMinimum: 0, maximum: 255 },
    iterations: { type: 'integer', minimum: 0, maximum: 10000 },
    target: { default: 'untargeted', anyOf: [{ type: 'string', enum: ['untargeted', 'least-likely', 'random'] }, { type: 'integer', minimum: 0, maximum: 9007199254740991 }] },
    momentum: { type: 'boolean', default: false },
  },
  additionalProperties: false,
};

describe('schema form', () => {
  it('turns a zod-made JSON Schema into fields', () => {
    const fields = fieldsOf(bimSchema);
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ['eps', 'number'],
      ['alpha', 'number'],
      ['iterations', 'integer'],
      ['target', 'choice'],
      ['momentum', 'boolean'],
    ]);
    expect(fields[3]).toMatchObject({ options: ['untargeted', 'least-likely', 'random'], min: 0 });
    expect(fields[3].max).toBeUndefined(); // MAX_SAFE_INTEGER is no bound worth showing
    expect(fields[1]).toMatchObject({ exclusiveMin: 0, max: 255, label: 'Alpha' });
  });

  it('parses values, leaves empty fields to the engine, and names bad ones', () => {
    const fields = fieldsOf(bimSchema);
    const values = initialValues(fields, { eps: 16, alpha: 1, target: 'untargeted' });
    expect(values).toEqual({ eps: '16', alpha: '1', iterations: '', target: 'untargeted', momentum: false });
    expect(paramsOf(fields, { ...values, target: '3' }).params).toEqual({ eps: 16, alpha: 1, target: 3, momentum: false });
    const bad = paramsOf(fields, { ...values, eps: '300', alpha: '0', iterations: '2.5' });
    expect(bad.errors).toEqual({ eps: 'at most 255', alpha: 'more than 0', iterations: 'a whole number' });
  });
});

describe('format', () => {
  it('formats rates, durations and number lists', () => {
    expect(pct(0.875)).toBe('87.5 %');
    expect(pct(null)).toBe('—');
    expect(rate(1, 4)).toBe('25.0 % (1/4)');
    expect(rate(0, 0)).toBe('— (0/0)');
    expect(duration(65_000)).toBe('1 min 05 s');
    expect(duration(null)).toBe('—');
    expect(parseNumberList('2, 4 8;16')).toEqual([2, 4, 8, 16]);
    expect(parseNumberList('2, four')).toBeNull();
  });
});

/** Detections of a layout's markers as a camera with homography h (page mm → pixels) would report them. */
function detectionsOf(layout: ReturnType<typeof sampleLayout>, h: number[], corners = [0, 1, 2, 3]): Detection[] {
  return layout.markers
    .filter((m) => corners.includes(m.corner))
    .map((m) => ({ text: m.payload, corners: markerCornersMm(m).map((p) => applyHomography(h, p)) as [Point, Point, Point, Point] }));
}

// 4 px/mm, the page's top-left at (100, 20): the whole A4 page fits a 1280×1300 frame.
const H = [4, 0, 100, 0, 4, 20, 0, 0, 1];
const FRAME = { width: 1280, height: 1300 };

describe('live marker status', () => {
  const layout = sampleLayout();

  it('finds the sheet, counts markers and the cells inside the frame', () => {
    const s = liveStatus(detectionsOf(layout, H), EXPERIMENT_ID, [layout], FRAME);
    expect(s).toMatchObject({ sheet: { sheetId: 'ABCD1234', index: 0, count: 1 }, markersFound: 4, cellsFound: 2, cellsTotal: 2, complete: true, foreign: false });
    expect(statusText(s)).toBe('sheet 1/1 found, 4/4 markers, 2/2 cells');
    const partial = liveStatus(detectionsOf(layout, H, [0, 1]), EXPERIMENT_ID, [layout], FRAME);
    expect(partial).toMatchObject({ markersFound: 2, cellsFound: 2, complete: false });
    // A frame cut off below y = 300 px (75 mm on the page) loses the cells at 52..77 mm.
    expect(liveStatus(detectionsOf(layout, H, [0, 1]), EXPERIMENT_ID, [layout], { width: 1280, height: 300 }).cellsFound).toBe(0);
  });

  it('tells another experiment’s sheet, an unknown sheet and other QR codes apart', () => {
    const foreign = sampleLayout('01234567-89ab-4000-8000-000000000000');
    const other = liveStatus(detectionsOf(foreign, H), EXPERIMENT_ID, [layout], FRAME);
    expect(other.foreign).toBe(true);
    expect(statusText(other)).toContain('belongs to another experiment');
    const unknown = liveStatus(detectionsOf(sampleLayout(EXPERIMENT_ID, 'ZZZ'), H), EXPERIMENT_ID, [layout], FRAME);
    expect(statusText(unknown)).toContain('has no layout');
    const none = liveStatus([{ text: 'https://example.com', corners: [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }] }], EXPERIMENT_ID, [layout], FRAME);
    expect(statusText(none)).toBe('No Printshot markers (1 other QR code(s))');
  });

  it('calls the page steady after three frames that hardly move', () => {
    const t = new SteadyTracker(3, 4);
    const at = (dx: number) => {
      const h = [4, 0, 100 + dx, 0, 4, 20, 0, 0, 1];
      const d = detectionsOf(layout, h);
      return t.push(liveStatus(d, EXPERIMENT_ID, [layout], FRAME), d);
    };
    expect([at(0), at(1), at(2)]).toEqual([false, false, true]);
    expect(at(30)).toBe(false); // moved 28 px since the oldest frame kept
    const partial = detectionsOf(layout, H, [0, 1, 2]);
    expect(t.push(liveStatus(partial, EXPERIMENT_ID, [layout], FRAME), partial)).toBe(false);
  });
});

describe('report cells', () => {
  it('prints rates with their counts and refuses what is not a report', () => {
    expect(cellText({ value: 0.25, format: 'pct', numerator: 1, denominator: 4 })).toBe('25.0 % (1/4)');
    expect(cellText({ value: null, format: 'pct' })).toBe('—');
    expect(cellText({ value: 31.234, format: 'db' })).toBe('31.2 dB');
    expect(() => parseReport('{"tables": 1}')).toThrow(/not a Printshot report/);
  });
});

describe('sheet preview drawing', () => {
  it('parses layouts and lists the images they need', () => {
    const layouts = parseLayouts(JSON.stringify([sampleLayout(), { nonsense: true }]));
    expect(layouts).toHaveLength(1);
    expect(cellFiles([...layouts, ...layouts])).toEqual(['clean/Coat/1.png', 'adversarial/fgsm-eps16/Coat/1.png']);
  });

  it('draws the QR modules, the cells and the calibration patches in page millimetres', () => {
    const calls: { op: string; args: unknown[] }[] = [];
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (target, prop: string) => target[prop] ?? ((...args: unknown[]) => calls.push({ op: prop, args })),
      set: (target, prop: string, value) => ((target[prop] = value), true),
    }) as unknown as CanvasRenderingContext2D;
    const image = {} as CanvasImageSource;
    drawSheet(ctx, sampleLayout(), 2, new Map([['clean/Coat/1.png', image]]), ['a', 'b', 'c', 'd', 'Coat']);
    const rects = calls.filter((c) => c.op === 'fillRect');
    // The page, then dark QR modules (a version-2 symbol has 625 modules, about half dark) per marker.
    expect(rects[0].args).toEqual([0, 0, 420, 594]);
    const modules = rects.filter((r) => (r.args[0] as number) >= 20 && (r.args[1] as number) >= 20 && (r.args[0] as number) < 120 && (r.args[1] as number) < 120);
    expect(modules.length).toBeGreaterThan(200);
    expect(calls.filter((c) => c.op === 'drawImage').map((c) => c.args.slice(1))).toEqual([[158, 104, 50, 50]]);
    expect(rects.some((r) => r.args.join() === '212,104,50,50')).toBe(true); // missing image: grey box
    expect(rects.some((r) => r.args.join() === '140,540,12,12')).toBe(true); // the calibration patch
    expect(calls.filter((c) => c.op === 'fillText').map((c) => c.args[0])).toContain('adv · Coat');
  });
});
