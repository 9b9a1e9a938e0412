/** The CLI's rate cells: count and 95% Wilson interval beside every rate (issue 14). */
import { describe, expect, it } from 'vitest';
import { accuracyLine, accuracyText, attackSummaryTable, cellRateText, destructionTable, rateCountText } from '../../../src/cli/tables';
import { accuracy, destructionRate, summarizeAttack } from '../../../src/metrics';
import type { TransformResult } from '../../../src/services/evaluate';

const row = (label: number, clean: number, adv: number) => ({ label, success: adv !== label, linf: 16, l2: 300, cleanTop5: [{ label: clean }], advTop5: [{ label: adv }] });
// 8 images, 5 right before the attack, 4 of those fooled, 3 already wrong (raw 7/8).
const EIGHT = [row(0, 0, 1), row(1, 1, 2), row(2, 2, 3), row(3, 3, 4), row(4, 4, 4), row(5, 6, 6), row(6, 7, 8), row(7, 8, 8)];

describe('CLI summary tables', () => {
  it('a rate shows its count and Wilson interval: 4/5 → 80.0% (4/5) [38%, 96%]', () => {
    // Wilson 95% for 4/5: [0.3755, 0.9638].
    expect(rateCountText(summarizeAttack(EIGHT).attackSuccess)).toBe('80.0% (4/5) [38%, 96%]');
    expect(rateCountText({ count: 0, total: 0, rate: null, ci: null })).toBe('— (0/0)');
    // A report cell (robustness photo columns): 1/4, Wilson 95% [0.0456, 0.6994].
    expect(cellRateText({ value: 0.25, format: 'pct', numerator: 1, denominator: 4, ci: { low: 0.0456, high: 0.6994 } })).toBe('25.0% (1/4) [5%, 70%]');
    expect(cellRateText(null)).toBe('—');
  });

  it('an accuracy shows its counts and interval', () => {
    const a = accuracy([[1], [2], [3], [3]], [1, 2, 3, 4], 1);
    // 3/4, Wilson 95%: [0.3006, 0.9544].
    expect(accuracyText(a)).toBe('75.0% (3/4) [30%, 95%]');
    expect(accuracyLine('clean (digital)', { top1: a, top5: a })).toBe('clean (digital)          top-1 75.0% (3/4) [30%, 95%]   top-5 75.0% (3/4) [30%, 95%]');
  });

  it('the attack table puts success among originally correct images beside adversarial accuracy, and counts the already wrong apart', () => {
    const text = attackSummaryTable('adversarial/fgsm-eps16', 'fgsm eps=16', summarizeAttack(EIGHT));
    const [header, , line] = text.split('\n');
    expect(header).toMatch(/run\s+images\s+success \(of clean-correct\)\s+adv top-1 accuracy\s+clean top-1 accuracy/);
    expect(line).toContain('adversarial/fgsm-eps16 (fgsm eps=16)');
    expect(line).toContain('80.0% (4/5) [38%, 96%]');
    // 1/8, Wilson 95%: [0.0224, 0.4709].
    expect(line).toContain('12.5% (1/8) [2%, 47%]');
    expect(line).not.toContain('87.5%');
    expect(text).toContain('3 image(s) already misclassified before the attack are not counted as fooled (raw success over all images: 7/8).');
  });

  it('the evaluate table gives T(adv) accuracy with counts and interval too', () => {
    const a = accuracy([[1], [2], [3], [3]], [1, 2, 3, 4], 1);
    const d = destructionRate({ cleanCorrect: [true, true, true, false], advCorrect: [false, false, true, false], transformedCorrect: [true, false, true, false] });
    const text = destructionTable([{ spec: 'jpeg:quality=50', destruction: { top1: d, top5: d }, adversarial: { top1: a, top5: a } } as unknown as TransformResult]);
    // Destruction 1/2 (Wilson [9%, 91%]); T(adv) accuracy 3/4 (Wilson [30%, 95%]).
    expect(text).toContain('50.0% (1/2) [9%, 91%]');
    expect(text).toContain('75.0% (3/4) [30%, 95%]');
  });
});
