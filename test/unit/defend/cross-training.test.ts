/**
 * `reproduce szegedy-cross-training` end to end on tiny data (the 200 bundled samples as IDX
 * files, 1 epoch, 6 test images per model): three models on disjoint halves, L-BFGS examples of
 * each, the error table against same-RMS noise, the report files, and a rerun that reuses every
 * stage (models, attack runs) and gives the same table. Needs PyTorch (skipped with a reason).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrossTrainingResult } from '../../../src/reports/cross-training';
import { CROSS_MODELS, runCrossTraining } from '../../../src/services/cross-training';
import { removeTempDirs, tempDir, torchMissing, writeSampleIdx } from './fixtures';

const missing = torchMissing();
let data = '';
let tmp = '';

beforeAll(async () => {
  tmp = await tempDir('printshot-cross-');
  data = await writeSampleIdx(join(tmp, 'data'), 60);
});
afterAll(removeTempDirs);

describe.skipIf(missing)(`reproduce szegedy-cross-training${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('trains on disjoint halves, attacks each model, counts errors on every model against same-RMS noise, and resumes', async () => {
    const out = join(tmp, 'exp');
    const stages: string[] = [];
    const bar: number[] = [];
    const first = await runCrossTraining({ out, data, limit: 6, epochs: 1, onProgress: (s, done, total) => (stages.push(s), bar.push(done / total)) });
    const r = first.result;
    expect(r.models.map((m) => m.name)).toEqual([...CROSS_MODELS]);
    expect(r.models.map((m) => m.trainingHalf)).toEqual(['P0', 'P0', 'P1']);
    expect(r.models.every((m) => m.halfSize === 100 && /^[0-9a-f]{64}$/.test(m.fingerprint))).toBe(true);
    const cards = await Promise.all(r.models.map(async (m) => JSON.parse(await readFile(join(m.dir, 'model-card.json'), 'utf8')) as { provenance: { split: { indicesSha256: string; of: number } } }));
    expect(cards[0].provenance.split).toEqual(cards[1].provenance.split);
    expect(cards[2].provenance.split.indicesSha256).not.toBe(cards[0].provenance.split.indicesSha256);
    expect(cards[0].provenance.split.of).toBe(200);
    expect(r.rows).toHaveLength(3);
    for (const row of r.rows) {
      expect(row.attacked).toBe(6);
      expect(row.eligible + row.cleanWrong + row.failed).toBe(6);
      // Every counted example fools its own model (judged on the saved 8-bit PNG)...
      expect(row.adversarial[row.source]).toEqual({ errors: row.eligible, n: row.eligible });
      // ...and the noise twins have the adversarial RMS per image.
      expect(row.noiseRmsGap).toBeLessThan(1e-6);
      for (const m of r.models) {
        for (const kind of ['adversarial', 'noise', 'clean'] as const) expect(row[kind][m.name].n).toBe(row.eligible);
      }
      // The images counted are ones the source got right.
      expect(row.clean[row.source].errors).toBe(0);
      if (row.eligible) expect(row.meanRms).toBeGreaterThan(0);
    }
    for (const f of first.reports) expect(existsSync(f)).toBe(true);
    expect(first.reports.map((f) => f.slice(out.length + 1))).toEqual(['reports/szegedy-cross-training.html', 'reports/szegedy-cross-training.csv', 'reports/szegedy-cross-training.json']);
    const json = JSON.parse(await readFile(first.reports[2], 'utf8')) as CrossTrainingResult;
    expect(json.rows).toEqual(r.rows);
    expect(stages.some((s) => s.startsWith('attack fc123-456-10-p0'))).toBe(true);
    // One bar over the whole job: it never goes back, and ends full.
    expect(bar.every((f, i) => i === 0 || f >= bar[i - 1])).toBe(true);
    expect(bar.at(-1)).toBe(1);

    // A rerun trains nothing and attacks nothing: the same table.
    const again: string[] = [];
    const second = await runCrossTraining({ out, data, limit: 6, epochs: 1, onProgress: (s) => again.push(s) });
    expect(again.some((s) => s.startsWith('train fc'))).toBe(false);
    expect(second.result.rows).toEqual(r.rows);
  }, 600_000);

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runCrossTraining({ out: join(tmp, 'cancelled'), data, limit: 2, epochs: 1, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(existsSync(join(tmp, 'cancelled', 'attacks'))).toBe(false);
  });

  it('rejects a bad limit before starting Python', async () => {
    await expect(runCrossTraining({ out: join(tmp, 'bad'), data, limit: 0 })).rejects.toThrow(/--limit 0/);
  });
});
