/** `printshot demo --defended` end to end on the shipped defended models, with a small grid. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDefendedDemo } from '../../../src/services/demo-defended';

describe('runDefendedDemo', () => {
  it('compares plain, hardened and distilled models and writes a report with their tables and charts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'defended-'));
    const r = await runDefendedDemo({ out, limit: 12, testSet: null, grid: [{ method: 'fgsm', params: { eps: 25 } }] });
    expect(r.samples.models.map((m) => m.name)).toEqual(['fashion-cnn', 'fashion-cnn-hardened', 'fashion-cnn-distilled']);
    expect(r.samples.models[0].defence).toBeNull();
    expect(r.samples.models[1].defence).toMatch(/adversarial/);
    expect(r.samples.models[2].defence).toMatch(/distillation/);
    const fgsmError = r.samples.models.map((m) => m.cells[0].error);
    // Hardened and distilled (masked) models both resist FGSM at eps 25 far better than the plain one.
    expect(fgsmError[1]).toBeLessThan(fgsmError[0]);
    expect(fgsmError[2]).toBeLessThan(fgsmError[0]);
    expect(r.reports.map((f) => f.slice(-4))).toEqual(['.pdf', 'html', '.csv', 'json']);
    const json = JSON.parse(readFileSync(r.reports[3], 'utf8'));
    expect(json.tables.filter((t: { id: string }) => t.id === 'robustness-digital')[0].rows).toHaveLength(3);
    expect(json.robustness.panels).toHaveLength(3);
    expect(r.testSet).toBeNull();
  }, 300_000);

  it('says how to make a missing defended model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'defended-'));
    await expect(runDefendedDemo({ out, hardened: join(out, 'nope'), testSet: null })).rejects.toThrow(/defended model not found: .*nope/);
  });
});
