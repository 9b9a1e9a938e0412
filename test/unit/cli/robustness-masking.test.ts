/**
 * Masking checks in `printshot robustness` (issue 14, deliverable 5): the bundled distilled and
 * hardened models trip them on the Defences view's default grid (FGSM and BIM at eps 8/16/25, the
 * first 16 samples), the plain model trips none; and how the CLI and the report word them.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskingText } from '../../../src/cli/robustness-tables';
import type { MaskingWarning } from '../../../src/metrics/masking';
import { maskingNote, robustnessTables, type RobustnessComparison } from '../../../src/reports/robustness-table';
import type { RobustnessResult } from '../../../src/services/robustness';
import { runCliAsync } from './run-cli';

const warning = (over: Partial<MaskingWarning> = {}): MaskingWarning => ({
  code: 'vanishing-gradients',
  model: 'fashion-cnn-distilled',
  method: null,
  eps: null,
  message: 'fashion-cnn-distilled: the loss gradient is ~0 (max |∂L/∂x| < 1e-12) at 13/16 (81.3 %) clean images',
  advice: 'attack the logits (C&W)',
  ...over,
});

describe('printshot robustness: masking checks on the bundled models', () => {
  it('warns for the distilled and hardened models and not for the plain one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'robustness-masking-'));
    const args = ['robustness', '--model', 'default', '--model', 'assets/models/fashion-cnn-hardened', '--model', 'assets/models/fashion-cnn-distilled'];
    for (const m of ['fgsm', 'bim']) args.push('--method', m);
    for (const e of [8, 16, 25]) args.push('--eps', String(e));
    const r = await runCliAsync([...args, '--limit', '16', '--no-save', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'results', 'robustness.json'), 'utf8')) as RobustnessResult;
    const codes = (model: string) => new Set(result.masking.filter((w) => w.model === model).map((w) => w.code));
    expect([...codes('fashion-cnn')]).toEqual([]);
    // FGSM-trained: FGSM accuracy climbs with eps, and the plain model's examples transfer better than its own.
    expect(codes('fashion-cnn-hardened')).toContain('accuracy-rises-with-eps');
    // Distilled at T = 100: the softmax saturates, the gradient is 0, BIM never moves, even unbounded.
    for (const code of ['vanishing-gradients', 'small-perturbation', 'unbounded-not-broken', 'transfer-stronger-than-white-box'] as const) expect(codes('fashion-cnn-distilled')).toContain(code);
    const distilled = result.models.find((m) => m.name === 'fashion-cnn-distilled')!;
    expect(distilled.gradient.vanishing).toBeGreaterThanOrEqual(distilled.gradient.images / 2);
    expect(distilled.unbounded!.fooled).toBeLessThan(distilled.unbounded!.images);
    const plain = result.models.find((m) => m.name === 'fashion-cnn')!;
    expect(plain.gradient.vanishing).toBe(0);
    expect(plain.unbounded).toMatchObject({ method: 'bim', eps: 255, images: 8, fooled: 8 });
    expect(plain.transfer).toEqual([]);
    expect(distilled.transfer.map((t) => `${t.method}/${t.eps}`)).toEqual(['fgsm/8', 'fgsm/16', 'fgsm/25', 'bim/8', 'bim/16', 'bim/25']);
    // The terminal shows every warning with its advice under the tables.
    expect(r.stdout).toMatch(/Masking checks \(Carlini et al\. 2019; Croce & Hein 2020\): \d+ warning\(s\)/);
    for (const w of result.masking) expect(r.stdout).toContain(`! ${w.message}`);
    expect(r.stdout).not.toMatch(/! fashion-cnn:/);
  }, 180_000);
});

describe('masking warnings in the CLI text and the report', () => {
  it('the CLI lists each warning and its advice, or says none fired', () => {
    expect(maskingText([])).toBe('Masking checks (Carlini et al. 2019; Croce & Hein 2020): none fired.');
    expect(maskingText([warning()]).split('\n')).toEqual([
      'Masking checks (Carlini et al. 2019; Croce & Hein 2020): 1 warning(s), these numbers may overstate robustness',
      '  ! fashion-cnn-distilled: the loss gradient is ~0 (max |∂L/∂x| < 1e-12) at 13/16 (81.3 %) clean images',
      '    attack the logits (C&W)',
    ]);
  });

  it('the report carries them as a "Masking checks" note of the digital table, and says nothing when they never ran', () => {
    const base: RobustnessComparison = {
      images: { source: 'samples', count: 16 },
      models: [{ name: 'm', defence: null, clean: { top1: { correct: 14, total: 16 }, top5: { correct: 16, total: 16 } }, cells: [] }],
    };
    const note = (data: RobustnessComparison) => robustnessTables(data).find((t) => t.id === 'robustness-digital')!.note!;
    expect(note(base)).not.toMatch(/Masking/);
    expect(note({ ...base, masking: null })).not.toMatch(/Masking/);
    expect(note({ ...base, masking: [] })).toMatch(/Masking checks \(Carlini et al\. 2019; Croce & Hein 2020\): none fired/);
    const two = note({ ...base, masking: [warning(), warning({ message: 'x: second', advice: 'do y' })] });
    expect(two).toContain('2 warning(s), these numbers may overstate robustness. (1) fashion-cnn-distilled: the loss gradient is ~0');
    expect(two).toContain('(2) x: second: do y.');
    expect(maskingNote({})).toBe('');
  });
});
