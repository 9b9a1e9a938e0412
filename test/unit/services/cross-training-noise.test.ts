/**
 * The noise baseline of the cross-training-set table: per image, Gaussian noise whose RMS
 * distortion after clipping to [0,1] equals the adversarial example's (cross-training-noise.ts).
 */
import { describe, expect, it } from 'vitest';
import { rmsDistance, sameRmsNoise } from '../../../src/services/cross-training-noise';
import { createRng } from '../../../src/shared';

/** A Fashion-MNIST-like image: black background, a bright blob, a few mid greys. */
function image(seed: number, m = 784): Float32Array {
  const rng = createRng(`img${seed}`);
  return Float32Array.from({ length: m }, (_, i) => (i % 28 > 8 && i % 28 < 20 && i > 200 && i < 600 ? rng.uniform(0.3, 1) : 0));
}

describe('sameRmsNoise', () => {
  it('matches the target RMS per image after clipping, on black backgrounds and saturated pixels', () => {
    for (const [k, rms] of [0.005, 0.03, 0.06, 0.2, 0.45].entries()) {
      const x = image(k);
      const n = sameRmsNoise(x, rms, createRng(k));
      expect(n.reached).toBe(true);
      expect(rmsDistance(n.image, x)).toBeCloseTo(rms, 6);
      expect(Math.abs(n.rms - rms)).toBeLessThan(1e-6);
      expect(Math.min(...n.image)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...n.image)).toBeLessThanOrEqual(1);
    }
  });

  it('scales up for clipping: plain N(0, rms²) noise would fall short on a black image', () => {
    const x = new Float32Array(784);
    const rng = createRng(1);
    const naive = Float32Array.from(x, (v) => Math.min(1, Math.max(0, v + 0.05 * rng.normal())));
    expect(rmsDistance(naive, x)).toBeLessThan(0.04); // half the pixels clip to 0
    expect(sameRmsNoise(x, 0.05, createRng(1)).rms).toBeCloseTo(0.05, 6);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const x = image(3);
    expect(sameRmsNoise(x, 0.04, createRng('a')).image).toEqual(sameRmsNoise(x, 0.04, createRng('a')).image);
    expect(sameRmsNoise(x, 0.04, createRng('a')).image).not.toEqual(sameRmsNoise(x, 0.04, createRng('b')).image);
  });

  it('returns the image for rms 0, says when the target cannot be reached, and rejects a bad rms', () => {
    const x = image(4);
    expect(sameRmsNoise(x, 0, createRng(0)).image).toEqual(x);
    // The farthest any [0,1] image can be from an all-black one is RMS 1, reached only at all-white.
    expect(sameRmsNoise(new Float32Array(16), 1.5, createRng(0)).reached).toBe(false);
    expect(() => sameRmsNoise(x, Number.NaN, createRng(0))).toThrow(/rms must be a finite number/);
    expect(() => rmsDistance([1, 2], [1])).toThrow(/lengths differ/);
  });
});
