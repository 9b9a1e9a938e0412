/**
 * The robustness comparison on n images (per-class counts: test/unit/images/sample.test.ts):
 * the result records how they were chosen, and the workbench's report DTO keeps the record.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RobustnessReportDto } from '../../../src/contract';
import { compareRobustness } from '../../../src/services/robustness';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

afterAll(removeTempDirs);

const run = async (sample: 'first' | 'stratified') =>
  compareRobustness({ out: await tempDir(), models: ['default'], images: 'samples', limit: 10, sample, seed: 2, save: false, grid: [{ method: 'fgsm', params: { eps: 8 } }] });

describe('robustness sampling', () => {
  it('records the sampling in the result and the report DTO', async () => {
    const strat = await run('stratified');
    expect(strat.images).toMatchObject({ count: 10, sampling: { mode: 'stratified', n: 10, seed: 2, of: 200 } });
    const first = await run('first');
    expect(first.images.sampling?.mode).toBe('first');
    const dto = RobustnessReportDto.shape.images.parse(strat.images);
    expect(dto.sampling).toEqual({ mode: 'stratified', n: 10, seed: 2, of: 200 });
  }, 120_000);
});
