/**
 * The physical-channel simulator: its parts (sheet raster, print model, pose, camera chain) and
 * registration accuracy measured on its photos (issue 4 acceptance: mean page-space corner error
 * <= 0.5 mm and >= 97 % of photos accepted at default settings; PSNR >= 30 dB for clean cells in
 * a noise-free simulation).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toChannels } from '../../../src/images/decode';
import { psnr } from '../../../src/metrics';
import { selectBackend } from '../../../src/model/backend';
import { applyHomography, invertHomography, registerImage } from '../../../src/registration';
import { useNodeMarkerReader } from '../../../src/registration/node/marker-reader';
import { createRng, makeImage8, type Image8 } from '../../../src/shared';
import type { SheetLayout } from '../../../src/sheets/types';
import {
  applyPrintModel,
  DEFAULT_PRINT,
  DEFAULT_SIMULATE,
  developFrame,
  IDEAL_PRINT,
  IDEAL_SIMULATE,
  pageCornersMm,
  renderSheet,
  samplePose,
  simulateOptions,
  simulatePhoto,
} from '../../../src/simulate';
import { quantizeToBytes } from '../../../src/transforms';
import { cellImages, makeLayout } from '../registration/fixtures';

let layout: SheetLayout;
let cells: Map<number, Image8>;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
  await useNodeMarkerReader();
  layout = makeLayout();
  cells = await cellImages(layout);
});

const px = (img: Image8, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('sheet raster and print model', () => {
  it('renders paper, markers and nearest-neighbour cells at the layout positions', async () => {
    const img = await renderSheet(layout, cells, 2);
    expect([img.width, img.height]).toEqual([420, 594]);
    expect(px(img, 2, 2)).toEqual([255, 255, 255]);
    // A finder pattern's outer ring starts at the marker's first module.
    const m = layout.markers[0];
    expect(px(img, m.xMm * 2 + 1, m.yMm * 2 + 1)).toEqual([0, 0, 0]);
    // Cell 0 source pixel (13, 9) sits at page mm x + 13.5 * 25/28.
    const c = layout.cells[0];
    const v = cells.get(0)!.data[9 * 28 + 13];
    expect(px(img, Math.floor((c.xMm + 13.5 * (25 / 28)) * 2), Math.floor((c.yMm + 9.5 * (25 / 28)) * 2))).toEqual([v, v, v]);
  });

  it('prints white as paper white, black as ink, monotone in between; the ideal print is the identity', () => {
    const ramp = makeImage8(256, 1, 3, Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3)));
    const out = applyPrintModel(ramp, DEFAULT_PRINT);
    expect(px(out, 255, 0)).toEqual(DEFAULT_PRINT.paperWhite);
    expect(px(out, 0, 0)).toEqual(DEFAULT_PRINT.ink);
    for (let i = 1; i < 256; i++) expect(out.data[i * 3]).toBeGreaterThanOrEqual(out.data[(i - 1) * 3]);
    // Dot gain darkens the midtones.
    expect(out.data[128 * 3]).toBeLessThan(DEFAULT_PRINT.ink[0] + ((DEFAULT_PRINT.paperWhite[0] - DEFAULT_PRINT.ink[0]) * 128) / 255);
    expect(Array.from(applyPrintModel(ramp, IDEAL_PRINT).data)).toEqual(Array.from(ramp.data));
  });
});

describe('camera', () => {
  it('draws poses within the limits, with the whole page in the frame', () => {
    const rng = createRng(1);
    const frame = { width: 1280, height: 720 };
    for (let k = 0; k < 50; k++) {
      const pose = samplePose(layout.paper, frame, DEFAULT_SIMULATE.pose, rng);
      const xs = pose.pageCorners.map((p) => p.x);
      const ys = pose.pageCorners.map((p) => p.y);
      const fill = Math.max((Math.max(...xs) - Math.min(...xs)) / 1280, (Math.max(...ys) - Math.min(...ys)) / 720);
      expect(fill).toBeCloseTo(pose.fill, 4);
      expect(pose.fill).toBeGreaterThanOrEqual(0.7);
      expect(pose.fill).toBeLessThanOrEqual(0.95);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...xs)).toBeLessThanOrEqual(1280);
      expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...ys)).toBeLessThanOrEqual(720);
      expect(Math.abs(pose.rollDeg)).toBeLessThanOrEqual(10);
      expect(Math.abs(pose.tiltXDeg)).toBeLessThanOrEqual(15);
      pageCornersMm(layout.paper).forEach((c, i) => expect(applyHomography(pose.homography, c).x).toBeCloseTo(pose.pageCorners[i].x, 6));
    }
  });

  it('develops through the transform registry: identity settings give the quantised frame back', async () => {
    const frame = Float32Array.from({ length: 32 * 18 * 3 }, (_, i) => ((i * 7) % 256) / 255);
    const model = { ...DEFAULT_SIMULATE.camera, frame: { width: 32, height: 18 }, jpegQuality: null };
    const s = { lensBlurPx: 0, blurPx: 0, lighting: { amount: 0, angleDeg: 0 }, cast: [1, 1, 1] as [number, number, number], exposure: 1, brightness: 0, noiseSigma: 0, jpegQuality: null };
    const { photo, jpeg } = await developFrame(frame, model, s, createRng(1));
    expect(jpeg).toBeUndefined();
    expect(Array.from(photo.data)).toEqual(Array.from(quantizeToBytes(frame)));
    const noisy = await developFrame(frame, { ...model, jpegQuality: 80 }, { ...s, noiseSigma: 5, jpegQuality: 80 }, createRng(1));
    expect(noisy.jpeg!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('is seeded: the same rng state gives the same photo and truth', async () => {
    const a = await simulatePhoto(layout, cells, DEFAULT_SIMULATE, createRng('same'));
    const b = await simulatePhoto(layout, cells, DEFAULT_SIMULATE, createRng('same'));
    expect(Buffer.compare(a.jpeg!, b.jpeg!)).toBe(0);
    expect(a.truth).toEqual(b.truth);
    pageCornersMm(layout.paper).forEach((c, i) => {
      const q = applyHomography(a.truth.homography, c);
      expect([q.x, q.y]).toEqual([a.truth.pageCorners[i].x, a.truth.pageCorners[i].y]);
    });
    expect(a.photo).toMatchObject({ width: 1280, height: 720, channels: 3 });
  });
});

/** Mean distance (mm) between the page corners and the truth's corners mapped back by the fit. */
function cornerErrorMm(fit: number[], truthCorners: { x: number; y: number }[], paper = layout.paper): number {
  const inv = invertHomography(fit);
  const page = pageCornersMm(paper);
  return truthCorners.reduce((s, p, i) => {
    const q = applyHomography(inv, p);
    return s + Math.hypot(q.x - page[i].x, q.y - page[i].y);
  }, 0) / 4;
}

describe('registration on simulated photos', () => {
  it('default channel: mean corner error <= 0.5 mm, >= 97 % accepted', async () => {
    const N = 40;
    const rng = createRng('acceptance');
    const errors: number[] = [];
    const rejected: string[] = [];
    let maxReproj = 0;
    for (let k = 0; k < N; k++) {
      const sim = await simulatePhoto(layout, cells, DEFAULT_SIMULATE, rng.fork());
      const res = await registerImage(sim.photo, layout.experimentId, [layout], { crop: false });
      if (res.status !== 'accepted') rejected.push(`${k}: ${res.reason} ${res.message}`);
      else {
        errors.push(cornerErrorMm(res.homography!, sim.truth.pageCorners));
        maxReproj = Math.max(maxReproj, res.reprojection!.maxMm);
      }
    }
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const rate = errors.length / N;
    console.log(`simulated default channel: ${errors.length}/${N} accepted (${(rate * 100).toFixed(1)} %), mean page-corner error ${mean.toFixed(3)} mm, worst ${Math.max(...errors).toFixed(3)} mm, worst marker reprojection ${maxReproj.toFixed(2)} mm`, rejected);
    expect(rate).toBeGreaterThanOrEqual(0.97);
    expect(mean).toBeLessThanOrEqual(0.5);
  }, 300_000);

  it('noise-free channel: clean cells come back at >= 30 dB PSNR (1080p frame)', async () => {
    const opts = simulateOptions({ camera: { frame: { width: 1920, height: 1080 } } }, IDEAL_SIMULATE);
    const rng = createRng('psnr');
    const all: number[] = [];
    for (let k = 0; k < 4; k++) {
      const sim = await simulatePhoto(layout, cells, opts, rng.fork());
      const res = await registerImage(sim.photo, layout.experimentId, [layout]);
      expect(res.status).toBe('accepted');
      for (const { cell, image } of res.cells) if (cell.role === 'clean') all.push(psnr(toChannels(image, 1), cells.get(cell.index)!));
    }
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    console.log(`noise-free 1080p: clean-cell PSNR mean ${mean.toFixed(1)} dB, min ${Math.min(...all).toFixed(1)} dB over ${all.length} cells`);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(30);
  }, 120_000);
});

describe('with the sheet layout engine (src/sheets)', () => {
  it('photos of a default A4 sheet from layoutSheets register', async () => {
    const { layoutSheets } = await import('../../../src/sheets/layout');
    const refs = layout.cells.filter((c) => c.role === 'clean').map((c) => ({ relPath: c.relPath, file: c.file, sha256: '', label: c.label, pixelWidth: 28, pixelHeight: 28 }));
    const [sheet] = layoutSheets({
      experimentId: layout.experimentId,
      pairs: refs.map((r) => [r, { ...r, file: `adv/${r.relPath}`, run: 'adv' }] as const),
      header: { experiment: 'test', date: '2024-01-01' },
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    const byRel = new Map(layout.cells.filter((c) => c.role === 'clean').map((c) => [c.relPath, cells.get(c.index)!]));
    const load = (c: { relPath: string }) => byRel.get(c.relPath)!;
    const rng = createRng('engine');
    for (let k = 0; k < 3; k++) {
      const sim = await simulatePhoto(sheet, load, DEFAULT_SIMULATE, rng.fork());
      const res = await registerImage(sim.photo, sheet.experimentId, [sheet]);
      expect(res.status).toBe('accepted');
      expect(res.cells).toHaveLength(sheet.cells.length);
      expect(cornerErrorMm(res.homography!, sim.truth.pageCorners, sheet.paper)).toBeLessThan(0.5);
    }
  }, 60_000);
});
