/** The masking checks on synthetic result tables with known answers, "no warning" cases included. */
import { describe, expect, it } from 'vitest';
import {
  checkIterativeWeaker,
  checkRisingAccuracy,
  checkTransferStronger,
  checkUnbounded,
  checkVanishingGradients,
  maskingChecks,
  risesBeyondNoise,
  type MaskingCell,
  type MaskingModel,
} from '../../../src/metrics/masking';

const cell = (method: string, eps: number, advTop1Correct: number, images = 16, meanLinf = eps): MaskingCell => ({ method, eps, images, advTop1Correct, meanLinf });

/** A well-behaved model: accuracy falls with eps, BIM beats FGSM, the attacks use their budget. */
const sound: MaskingModel = {
  name: 'plain',
  cells: [cell('fgsm', 8, 8), cell('fgsm', 16, 3), cell('fgsm', 25, 1), cell('bim', 8, 5), cell('bim', 16, 0), cell('bim', 25, 0)],
  gradient: { images: 16, vanishing: 0, medianMaxAbs: 0.1 },
  unbounded: { method: 'bim', eps: 255, images: 8, fooled: 8 },
  transfer: [],
};

describe('risesBeyondNoise', () => {
  it('needs at least 2 images and 1 % of them', () => {
    expect(risesBeyondNoise({ correct: 12, total: 16 }, { correct: 13, total: 16 })).toBe(false);
    expect(risesBeyondNoise({ correct: 12, total: 16 }, { correct: 14, total: 16 })).toBe(true);
    // 2 of 1000 images is noise; 10 of 1000 is 1 %.
    expect(risesBeyondNoise({ correct: 500, total: 1000 }, { correct: 502, total: 1000 })).toBe(false);
    expect(risesBeyondNoise({ correct: 500, total: 1000 }, { correct: 510, total: 1000 })).toBe(true);
    expect(risesBeyondNoise({ correct: 14, total: 16 }, { correct: 12, total: 16 })).toBe(false);
    expect(risesBeyondNoise({ correct: 0, total: 0 }, { correct: 5, total: 16 })).toBe(false);
  });
});

describe('masking checks', () => {
  it('a sound comparison raises no warning', () => {
    expect(maskingChecks([sound])).toEqual([]);
  });

  it('flags accuracy that rises with eps (the hardened model: 75 → 81 → 87.5 %)', () => {
    const m: MaskingModel = { name: 'hardened', cells: [cell('fgsm', 8, 12), cell('fgsm', 16, 13), cell('fgsm', 25, 14)] };
    const w = checkRisingAccuracy(m);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'accuracy-rises-with-eps', model: 'hardened', method: 'fgsm', eps: 25 });
    expect(w[0].message).toBe('hardened: accuracy rises with eps, fgsm eps=8 12/16 (75.0 %) → fgsm eps=25 14/16 (87.5 %) correct');
    expect(w[0].advice).toMatch(/stronger attack/);
    // A rise of one image is noise.
    expect(checkRisingAccuracy({ name: 'x', cells: [cell('fgsm', 8, 12), cell('fgsm', 16, 13)] })).toEqual([]);
    // The unbounded extra cell (eps 255) is not part of the eps curve.
    expect(checkRisingAccuracy({ name: 'x', cells: [cell('bim', 8, 2), cell('bim', 255, 9)] })).toEqual([]);
  });

  it('flags an iterative attack weaker than FGSM at the same eps, and names the custom label', () => {
    const m: MaskingModel = { name: 'm', cells: [cell('fgsm', 8, 6), cell('bim', 8, 10), cell('pgd', 8, 6), cell('illc', 8, 12)] };
    const w = checkIterativeWeaker(m, { label: (method, eps) => `${method.toUpperCase()} ε${eps}` });
    expect(w.map((x) => x.method)).toEqual(['bim']);
    expect(w[0].message).toBe('m: BIM ε8 leaves 10/16 (62.5 %) correct, more than single-step FGSM ε8 (6/16 (37.5 %))');
    // No FGSM at that eps: nothing to compare with.
    expect(checkIterativeWeaker({ name: 'm', cells: [cell('fgsm', 16, 2), cell('bim', 8, 10)] })).toEqual([]);
  });

  it('flags transfer examples stronger than the white-box attack', () => {
    const m: MaskingModel = {
      name: 'distilled',
      cells: [cell('fgsm', 16, 14)],
      transfer: [
        { source: 'plain', method: 'fgsm', eps: 16, images: 16, advTop1Correct: 7 },
        { source: 'plain', method: 'bim', eps: 16, images: 16, advTop1Correct: 0 }, // no white-box bim cell
      ],
    };
    const w = checkTransferStronger(m);
    expect(w).toHaveLength(1);
    expect(w[0].message).toBe('distilled: fgsm eps=16 transferred from plain leaves 7/16 (43.8 %) correct, fewer than the white-box attack on distilled itself (14/16 (87.5 %))');
    expect(checkTransferStronger({ ...m, transfer: [{ source: 'plain', method: 'fgsm', eps: 16, images: 16, advTop1Correct: 13 }] })).toEqual([]);
    // One line per method: the largest gap, the other eps named.
    const grouped = checkTransferStronger({
      name: 'd',
      cells: [cell('bim', 8, 13), cell('bim', 16, 13)],
      transfer: [
        { source: 'plain', method: 'bim', eps: 8, images: 16, advTop1Correct: 11 },
        { source: 'plain', method: 'bim', eps: 16, images: 16, advTop1Correct: 5 },
      ],
    });
    expect(grouped).toHaveLength(1);
    expect(grouped[0]).toMatchObject({ eps: 16 });
    expect(grouped[0].message).toMatch(/leaves 5\/16 \(31\.3 %\) correct.*; also at eps 8$/);
  });

  it('flags ~0 gradients and a BIM that stayed far inside its budget (mean L∞ 1.50 at eps 8)', () => {
    const m: MaskingModel = { name: 'distilled', cells: [cell('bim', 8, 13, 16, 1.5), cell('fgsm', 8, 13, 16, 1.5), cell('bim', 16, 13, 16, 9)], gradient: { images: 16, vanishing: 13, medianMaxAbs: 0 } };
    const w = checkVanishingGradients(m);
    expect(w.map((x) => x.code)).toEqual(['vanishing-gradients', 'small-perturbation']);
    expect(w[0].message).toBe('distilled: the loss gradient is ~0 (max |∂L/∂x| < 1e-12) at 13/16 (81.3 %) clean images');
    expect(w[1]).toMatchObject({ method: 'bim', eps: 8 });
    expect(w[1].message).toBe('distilled: bim eps=8 moved the images by a mean L∞ of 1.50, under 50 % of eps 8');
    const all = checkVanishingGradients({ name: 'd', cells: [cell('bim', 8, 13, 16, 1.5), cell('bim', 16, 13, 16, 3), cell('bim', 25, 13, 16, 4.69)] });
    expect(all.map((x) => x.message)).toEqual(['d: bim eps=8 moved the images by a mean L∞ of 1.50, under 50 % of eps 8; also at eps 16, 25']);
    // One image in 16, or under 10 % of a large set, is not a pattern.
    expect(checkVanishingGradients({ name: 'x', cells: [], gradient: { images: 16, vanishing: 1, medianMaxAbs: 0.1 } })).toEqual([]);
    expect(checkVanishingGradients({ name: 'x', cells: [], gradient: { images: 200, vanishing: 19, medianMaxAbs: 0.1 } })).toEqual([]);
    expect(checkVanishingGradients({ name: 'x', cells: [], gradient: { images: 200, vanishing: 20, medianMaxAbs: 0.1 } })).toHaveLength(1);
  });

  it('flags an unbounded attack that does not break ~all images', () => {
    const m: MaskingModel = { name: 'distilled', cells: [], unbounded: { method: 'bim', eps: 255, images: 8, fooled: 3 } };
    const w = checkUnbounded(m);
    expect(w[0]).toMatchObject({ code: 'unbounded-not-broken', method: 'bim', eps: 255 });
    expect(w[0].message).toBe('distilled: the unbounded attack (bim, eps 255) fooled only 3/8 (37.5 %) of the images it classified right');
    expect(checkUnbounded({ ...m, unbounded: { method: 'bim', eps: 255, images: 20, fooled: 18 } })).toEqual([]);
    expect(checkUnbounded({ ...m, unbounded: { method: 'bim', eps: 255, images: 8, fooled: 7 } })).toHaveLength(1);
    expect(checkUnbounded({ ...m, unbounded: null })).toEqual([]);
  });

  it('runs every check per model, models in order', () => {
    const masked: MaskingModel = { ...sound, name: 'masked', gradient: { images: 16, vanishing: 16, medianMaxAbs: 0 }, unbounded: { method: 'bim', eps: 255, images: 8, fooled: 0 } };
    expect(maskingChecks([sound, masked]).map((w) => `${w.model}:${w.code}`)).toEqual(['masked:vanishing-gradients', 'masked:unbounded-not-broken']);
  });
});
