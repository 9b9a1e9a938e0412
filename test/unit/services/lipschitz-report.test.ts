/**
 * The szegedy-spectral report's pieces on a hand-made result: one bar per bounded layer, red past
 * 1 and scaled to the largest bound; the CSV's product and lower-bound rows; names escaped in HTML.
 */
import { describe, expect, it } from 'vitest';
import type { LipschitzReport } from '../../../src/services/lipschitz';
import { boundsChartSvg, spectralCsv, spectralHtml } from '../../../src/services/lipschitz-report';

const report: LipschitzReport = {
  layers: [
    { name: 'conv<1>', className: 'Conv2D', shape: '6×6×2 → 3×3×3', bound: 4, method: 'conv' },
    { name: 'pool', className: 'MaxPooling2D', shape: '3×3×3 → 1×1×3', bound: 1, method: 'max pool' },
    { name: 'odd', className: 'Lambda', shape: '3 → 3', bound: null, method: 'none', note: 'no bound for Lambda layers' },
    { name: 'fc', className: 'Dense', shape: '3 → 2', bound: 0.5, method: 'σmax' },
  ],
  product: 2,
  partial: true,
  notes: ['no bound for odd (Lambda)'],
  model: { name: 'm', dir: '/m', fingerprint: 'a'.repeat(64), input: '6×6×2', range: '0-1' },
  measured: { max: 1.5, image: 'x/1.png', classIndex: 1, images: 3, classes: 2 },
  ratio: 0.75,
  seconds: 1,
};

describe('szegedy-spectral report', () => {
  it('draws one bar per bounded layer, proportional to the bound, red above 1', () => {
    const svg = boundsChartSvg(report, 560);
    const rects = [...svg.matchAll(/<rect x="150" y="[\d.]+" width="([\d.]+)" height="18" fill="([^"]+)"/g)];
    expect(rects.map((m) => m[2])).toEqual(['#d62728', '#1f77b4', '#1f77b4']);
    const w = rects.map((m) => Number(m[1]));
    expect(w[0]! / w[1]!).toBeCloseTo(4, 1);
    expect(w[1]! / w[2]!).toBeCloseTo(2, 1);
    expect(svg).toContain('conv&lt;1&gt;');
  });

  it('writes product and measured rows to CSV and marks a partial product', () => {
    const lines = spectralCsv(report).trim().split('\n');
    expect(lines).toHaveLength(1 + 4 + 2);
    expect(lines[5]).toBe('product,,,2,partial,');
    expect(lines[6]!.startsWith('measured_lower_bound,,,1.5,')).toBe(true);
    const html = spectralHtml(report, ['printshot', 'reproduce', 'szegedy-spectral']);
    expect(html).toContain('partial: not a bound');
    expect(html).not.toContain('conv<1>');
  });
});
