import { describe, expect, it } from 'vitest';
import { imageNorms, psnr, ssim } from '../../../src/metrics';
import { makeImage8, type Image8 } from '../../../src/shared';

/** The deterministic 16x20 pattern also computed by a numpy/scipy reference (see below). */
function pattern(channels: 1 | 3): { a: Image8; b: Image8 } {
  const H = 16;
  const W = 20;
  const a = makeImage8(W, H, channels);
  const b = makeImage8(W, H, channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const base = (y * 37 + x * 11 + ((x * y) % 7) * 9) % 256;
      for (let c = 0; c < channels; c++) {
        const av = (base + 50 * c) % 256;
        const step = channels === 1 ? 3 : 2 + c;
        const bv = Math.min(255, Math.max(0, av + (((x * (3 + c) + y * 5) % 11) - 5) * step));
        a.data[(y * W + x) * channels + c] = av;
        b.data[(y * W + x) * channels + c] = bv;
      }
    }
  }
  return { a, b };
}

describe('norms and PSNR', () => {
  it('computes L0, L2, Linf on the 0..255 scale', () => {
    const a = makeImage8(2, 1, 3, Uint8Array.from([10, 20, 30, 40, 50, 60]));
    const b = makeImage8(2, 1, 3, Uint8Array.from([10, 23, 26, 40, 50, 72]));
    expect(imageNorms(a, b)).toEqual({ l0: 3, l2: Math.sqrt(9 + 16 + 144), linf: 12, rms: Math.sqrt(169 / 6), count: 6 });
    expect(imageNorms(a, a)).toMatchObject({ l0: 0, l2: 0, linf: 0 });
  });

  it('PSNR: known value and Infinity for identical images', () => {
    // MSE = 100 -> 10 log10(65025 / 100) = 28.1308 dB
    const a = makeImage8(2, 2, 1, Uint8Array.from([0, 100, 200, 50]));
    const b = makeImage8(2, 2, 1, Uint8Array.from([10, 90, 210, 40]));
    expect(psnr(a, b)).toBeCloseTo(28.1308036, 6);
    expect(psnr(a, a)).toBe(Infinity);
    const { a: pa, b: pb } = pattern(1);
    expect(psnr(pa, pb)).toBeCloseTo(28.724238236082385, 9);
  });

  it('rejects shape mismatches', () => {
    expect(() => psnr(makeImage8(1, 1, 1), makeImage8(1, 1, 3))).toThrow(/differ in shape/);
  });
});

describe('SSIM (Wang et al. 2004)', () => {
  it('is 1 for identical images', () => {
    const { a } = pattern(3);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
  });

  it('matches the closed form for two constant images', () => {
    // Zero variance: SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1), C1 = (0.01 * 255)^2.
    const a = makeImage8(12, 12, 1, new Uint8Array(144).fill(100));
    const b = makeImage8(12, 12, 1, new Uint8Array(144).fill(110));
    const c1 = (0.01 * 255) ** 2;
    expect(ssim(a, b)).toBeCloseTo((2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1), 12);
  });

  it('matches a numpy/scipy reference (11x11 gaussian, sigma 1.5, valid window)', () => {
    // Reference: correlate2d(.., outer(g, g) / sum, 'valid') statistics, mean of the map.
    const gray = pattern(1);
    expect(ssim(gray.a, gray.b)).toBeCloseTo(0.9904410293006702, 10);
    const rgb = pattern(3);
    expect(ssim(rgb.a, rgb.b)).toBeCloseTo(0.9897148149750837, 10);
  });

  it('rejects images smaller than the window', () => {
    expect(() => ssim(makeImage8(10, 20, 1), makeImage8(10, 20, 1))).toThrow(/at least 11x11/);
  });
});
