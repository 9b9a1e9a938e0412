/**
 * The cross-training-set report's arithmetic on a hand-made result: rates, counts and Wilson
 * intervals in the table cells, the acceptance check (adversarial error above the same-RMS noise
 * error on every other model), and the CSV rows behind each cell.
 */
import { describe, expect, it } from 'vitest';
import { baselineChecks, checksText, crossTable, crossTrainingCsv, crossTrainingHtml, modelsTable, rateText, type CrossTrainingResult } from '../../../src/reports/cross-training';

const model = (name: string, half: string, architecture = 'FC100-100-10 (ReLU)') => ({ name, dir: `/m/${name}`, fingerprint: name, architecture, trainingHalf: half, halfSize: 30000, weightDecay: 1e-5, epochs: 10, testAccuracy: 0.875, testSetSize: 10000 });
const counts = (errors: number, n = 100) => ({ errors, n });

function result(): CrossTrainingResult {
  return {
    schemaVersion: 1,
    template: 'szegedy-cross-training',
    paper: 'Szegedy et al.',
    models: [model('a', 'P0'), model('b', 'P0', 'FC123-456-10 (ReLU)'), model('c', 'P1')],
    rows: [
      { source: 'a', attacked: 120, eligible: 100, cleanWrong: 18, failed: 2, meanRms: 0.04, meanL2: 1.12, noiseRmsGap: 1e-9, adversarial: { a: counts(100), b: counts(30), c: counts(25) }, noise: { a: counts(1), b: counts(3), c: counts(2) }, clean: { a: counts(0), b: counts(3), c: counts(2) } },
      { source: 'b', attacked: 120, eligible: 100, cleanWrong: 20, failed: 0, meanRms: 0.05, meanL2: 1.4, noiseRmsGap: 0, adversarial: { a: counts(4), b: counts(100), c: counts(20) }, noise: { a: counts(5), b: counts(0), c: counts(4) }, clean: { a: counts(1), b: counts(0), c: counts(3) } },
    ],
    attack: { method: 'lbfgs', params: { eps: 255, target: 'untargeted' }, seed: 0 },
    images: { source: '/data', count: 120, sampling: 'stratified' },
    command: ['printshot', 'reproduce', 'szegedy-cross-training', '--out', 'x'],
    at: '2026-12-07T00:00:00.000Z',
    seconds: 12,
  };
}

describe('cross-training report', () => {
  it('writes a rate with its count and 95% Wilson interval', () => {
    // Wilson 95% for 30/100: [21.9%, 39.6%].
    expect(rateText(counts(30))).toBe('30.0% (30/100) [21.9–39.6]');
    expect(rateText(counts(0, 27))).toBe('0.0% (0/27) [0.0–12.5]');
    expect(rateText({ errors: 0, n: 0 })).toBe('—');
  });

  it('checks every (source, other model) pair against the noise baseline, never the source itself', () => {
    const checks = baselineChecks(result());
    expect(checks.map((c) => `${c.source}>${c.target}`)).toEqual(['a>b', 'a>c', 'b>a', 'b>c']);
    expect(checks.map((c) => c.above)).toEqual([true, true, false, true]);
    // 30/100 [21.9, 39.6] vs 3/100 [1.0, 8.5]: separated; 20/100 [13.3, 28.9] vs 4/100 [1.6, 9.8]: separated.
    expect(checks.map((c) => c.separated)).toEqual([true, true, false, true]);
    expect(checks[2]).toMatchObject({ adversarial: 0.04, noise: 0.05 });
    expect(checksText(result())).toEqual([
      'adversarial error above the same-RMS noise baseline on 3 of 4 (source, other model) pairs; intervals separated on 3',
      'not above: examples for b on a: 4.0% vs noise 5.0%',
    ]);
  });

  it('lays out Table 3 and Table 4 in the paper\'s shape', () => {
    const m = modelsTable(result());
    expect(m.rows[1]).toEqual(['b', 'FC123-456-10 (ReLU)', 'P0 (30000 images)', '0.00001', '10', '12.5% of 10000']);
    const t = crossTable(result());
    expect(t.head).toEqual(['examples', 'images', 'mean RMS distortion', 'error on a', 'error on b', 'error on c']);
    expect(t.rows).toHaveLength(6);
    expect(t.rows[0].slice(0, 4)).toEqual(['adversarial for a', '100', '0.0400 (L2 1.120)', '100.0% (100/100) [96.3–100.0]']);
    expect(t.rows[1][0]).toBe('Gaussian noise, same RMS per image');
    expect(t.rows[1][4]).toBe('3.0% (3/100) [1.0–8.5]');
  });

  it('puts the counts behind every cell in the CSV and the tables in the HTML', () => {
    const lines = crossTrainingCsv(result()).trim().split('\n');
    expect(lines).toHaveLength(1 + 2 * 3 * 3 + 3);
    const ab = lines.find((l) => l.startsWith('table4-adversarial,a,b,'))!.split(',');
    expect(ab.slice(3, 6)).toEqual(['30', '100', '0.3']);
    expect(Number(ab[6])).toBeCloseTo(0.2189, 3);
    expect(Number(ab[7])).toBeCloseTo(0.3961, 3);
    expect(ab.slice(8)).toEqual(['0.04', '1.12']);
    expect(lines.find((l) => l.startsWith('table4-noise,b,c,'))!.split(',').slice(3, 6)).toEqual(['4', '100', '0.04']);
    expect(lines.at(-2)).toBe('table3,b,FC123-456-10 (ReLU),,10000,0.125,,,,');
    const html = crossTrainingHtml(result());
    expect(html).toContain('<td>30.0% (30/100) [21.9–39.6]</td>');
    expect(html).toContain('printshot reproduce szegedy-cross-training --out x');
  });
});
