import { describe, expect, it } from 'vitest';
import {
  formatTransformSpec,
  getTransform,
  paramNames,
  parseTransformParams,
  parseTransformSpec,
  rangeValues,
  transformIds,
} from '../../../src/transforms';
import { PrintshotError } from '../../../src/shared';

function errorOf(f: () => unknown): PrintshotError {
  try {
    f();
  } catch (e) {
    if (e instanceof PrintshotError) return e;
    throw e;
  }
  throw new Error('expected a PrintshotError');
}

describe('registry', () => {
  it('lists the five Fig. 6 transforms', () => {
    expect(transformIds).toEqual(['brightness', 'contrast', 'gaussian-blur', 'gaussian-noise', 'jpeg']);
    expect(getTransform('jpeg').sweepParam).toBe('quality');
    expect(paramNames(getTransform('contrast'))).toEqual(['factor']);
  });

  it('rejects unknown ids, naming the known ones', () => {
    const e = errorOf(() => getTransform('blurr'));
    expect(e.code).toBe('unknown-transform');
    expect(e.message).toBe("unknown transform 'blurr'; known: brightness, contrast, gaussian-blur, gaussian-noise, jpeg");
  });

  it('fills defaults and rejects bad values with the range', () => {
    expect(parseTransformParams(getTransform('jpeg'), {})).toEqual({ quality: 75 });
    const e = errorOf(() => parseTransformParams(getTransform('jpeg'), { quality: 150 }));
    expect(e.code).toBe('bad-argument');
    expect(e.message).toBe("transform 'jpeg': quality must be an integer between 1 and 100 (IJG scale) (got 150)");
    expect(errorOf(() => parseTransformParams(getTransform('jpeg'), { quality: 50.5 })).message).toMatch(/must be an integer/);
    expect(errorOf(() => parseTransformParams(getTransform('gaussian-blur'), { sigma: -1 })).message).toMatch(
      /sigma must be a number between 0 and 20 pixels \(got -1\)/,
    );
    expect(errorOf(() => parseTransformParams(getTransform('brightness'), { delta: 'x' })).message).toMatch(/delta must be a number.*got "x"/);
    expect(errorOf(() => parseTransformParams(getTransform('contrast'), { mu: 1 })).message).toBe(
      "transform 'contrast': unknown parameter 'mu'; contrast takes: factor",
    );
  });
});

describe('transform specs', () => {
  it('parses single settings and defaults', () => {
    expect(parseTransformSpec('gaussian-blur:sigma=1.5')).toEqual([{ id: 'gaussian-blur', params: { sigma: 1.5 } }]);
    expect(parseTransformSpec('gaussian-noise')).toEqual([{ id: 'gaussian-noise', params: { sigma: 10 } }]);
    expect(parseTransformSpec('brightness:delta=-30')).toEqual([{ id: 'brightness', params: { delta: -30 } }]);
  });

  it('parses lists, ranges with steps, and the paper sweep', () => {
    expect(parseTransformSpec('jpeg:quality=10,30,50').map((s) => s.params.quality)).toEqual([10, 30, 50]);
    expect(parseTransformSpec('jpeg:quality=10..100:10').map((s) => s.params.quality)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(parseTransformSpec('gaussian-blur:sigma=0.4..2:0.4').map((s) => s.params.sigma)).toEqual([0.4, 0.8, 1.2, 1.6, 2]);
    expect(parseTransformSpec('jpeg:sweep').map((s) => s.params.quality)).toEqual(getTransform('jpeg').sweep);
    expect(parseTransformSpec('contrast:sweep').map((s) => s.params.factor)).toEqual([0.7, 0.8, 0.9, 1, 1.1, 1.2]);
  });

  it('rejects malformed specs with a clear message', () => {
    expect(errorOf(() => parseTransformSpec('jpeg:quality=10..100')).message).toMatch(/range '10..100' needs a step/);
    expect(errorOf(() => parseTransformSpec('jpeg:quality=abc')).message).toMatch(/'abc' is not a number/);
    expect(errorOf(() => parseTransformSpec('jpeg:quality=10:quality=20')).message).toMatch(/given twice/);
    expect(errorOf(() => parseTransformSpec('jpeg:fast')).message).toMatch(/unexpected 'fast'/);
    expect(errorOf(() => parseTransformSpec('jpeg:quality=100..10:10')).message).toMatch(/above its end/);
    expect(errorOf(() => parseTransformSpec('jpeg:quality=0,50')).message).toMatch(/between 1 and 100/);
    expect(errorOf(() => parseTransformSpec('nope:x=1')).code).toBe('unknown-transform');
    expect(errorOf(() => parseTransformSpec('jpeg:quality=10..100:0')).message).toMatch(/step must be > 0/);
  });

  it('round-trips through formatTransformSpec', () => {
    for (const s of parseTransformSpec('gaussian-blur:sweep')) {
      expect(parseTransformSpec(formatTransformSpec(s))).toEqual([s]);
    }
    expect(formatTransformSpec({ id: 'jpeg', params: { quality: 30 } })).toBe('jpeg:quality=30');
  });

  it('rangeValues avoids float drift', () => {
    expect(rangeValues(0.1, 0.3, 0.1)).toEqual([0.1, 0.2, 0.3]);
    expect(rangeValues(5, 20, 5)).toEqual([5, 10, 15, 20]);
    expect(rangeValues(1, 1, 3)).toEqual([1]);
  });
});
