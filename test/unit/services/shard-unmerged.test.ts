/**
 * An unmerged shard run (`attack --shard k/N`) is complete but holds only its own batches of the
 * job, so it is never measured, printed or reused as the whole run (src/workspace/shard-run.ts).
 * One experiment holds a whole FGSM ε 8 run of 8 images and shard 1/2 of an FGSM ε 4 job (4 of
 * its 8 images); a second holds only shard 2/2 of a job. Named, the shard is refused with the
 * shard and the merge that fixes it; scanned, it is left out and a note says so.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleItems } from '../../../src/images';
import type { LoadedClassifier } from '../../../src/model';
import { buildReportData } from '../../../src/reports';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { requireWholeRun } from '../../../src/services/complete-run';
import { runEvaluateJob } from '../../../src/services/evaluate-job';
import { evaluatePhotos } from '../../../src/services/photo-eval';
import { findCompleteRun } from '../../../src/services/run-reuse';
import { runSheetJob } from '../../../src/services/sheet-job';
import { openImages, openModel } from '../../../src/services/sources';
import { evaluateTransfer } from '../../../src/services/transfer';
import type { LabeledImage } from '../../../src/shared';
import { listRunStates, openExperiment } from '../../../src/workspace';
import { listExperiments } from '../../../src/workspace/manage';
import { ExperimentDto } from '../../../src/contract';
import { experimentDto } from '../../../src/engine/runtime/experiment-handlers';
import { runCliAsync } from '../cli/run-cli';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

let model: LoadedClassifier;
let items: LabeledImage[];
let mixed: string; // whole fgsm-eps8 + shard 1/2 of fgsm-eps4
let shardOnly: string; // shard 2/2 of fgsm-eps8 only
const fgsm = (eps: number) => ({ method: 'fgsm', params: { eps }, seed: 0, batchSize: 2 });
const shardError = (k: string) => ({ code: 'bad-experiment', message: expect.stringMatching(new RegExp(`shard ${k} of a sharded attack, not merged`)), hint: expect.stringMatching(/npx printshot experiments merge .* --out MERGED.*docs\/scale\.md/) });

beforeAll(async () => {
  model = await openModel('default');
  items = sampleItems((await openImages('samples', model)).items, 8, 'stratified', 0).items; // 4 batches of 2
  mixed = join(await tempDir(), 'mixed');
  shardOnly = join(await tempDir(), 'shard-only');
  await attackIntoExperiment(model, items, 'samples', { ...fgsm(8), out: mixed });
  await attackIntoExperiment(model, items, 'samples', { ...fgsm(4), out: mixed, shard: { index: 1, count: 2 } });
  await attackIntoExperiment(model, items, 'samples', { ...fgsm(8), out: shardOnly, shard: { index: 2, count: 2 } });
  // And shard 1/2 of a BIM job, cancelled once its first batch is recorded (2 of its 4 images).
  const ctrl = new AbortController();
  const onProgress = (p: { imagesDone: number }) => p.imagesDone >= 2 && ctrl.abort();
  await attackIntoExperiment(model, items, 'samples', { method: 'bim', params: { eps: 8, iterations: 2 }, seed: 0, batchSize: 2, out: shardOnly, shard: { index: 1, count: 2 }, signal: ctrl.signal, onProgress }).catch(() => undefined);
}, 180_000);

afterAll(async () => {
  model?.dispose();
  await removeTempDirs();
});

describe('unmerged shard runs', () => {
  it('are listed complete with their shard; a whole run has none', async () => {
    const states = await listRunStates(mixed);
    expect(states.map((s) => [s.dir, s.status, s.done, s.shard])).toEqual([
      ['adversarial/fgsm-eps8', 'complete', 8, undefined],
      ['adversarial/fgsm-eps4', 'complete', 4, { index: 1, count: 2 }],
    ]);
    // The workbench's run list (experiment:current's RunDto), through the contract schema.
    const dto = ExperimentDto.parse(await experimentDto(mixed));
    expect(dto.runs.map((r) => [r.dir, r.status, r.shard])).toEqual([
      ['adversarial/fgsm-eps8', 'complete', undefined],
      ['adversarial/fgsm-eps4', 'complete', { index: 1, count: 2 }],
    ]);
  });

  it('runs list says shard k/N (not merged) instead of complete, with the merge', async () => {
    const r = await runCliAsync(['runs', 'list', '--experiment', mixed]);
    expect(r.code, r.stderr).toBe(0);
    const row = (name: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(name)) ?? '';
    expect(row('fgsm-eps4 ')).toMatch(/shard 1\/2 \(not merged\)\s+4\/4/);
    expect(row('fgsm-eps4 ')).not.toMatch(/\bcomplete\b/);
    expect(row('fgsm-eps8 ')).toMatch(/complete\s+8\/8/);
    expect(r.stdout).toMatch(/1 unmerged shard run\(s\), never measured or printed as whole runs: merge the 2 shard folders first: npx printshot experiments merge SHARD-1 SHARD-2 --out MERGED/);
  }, 60_000);

  it('experiments list counts a shard apart from the complete runs', async () => {
    const [summary] = await listExperiments(mixed);
    expect(summary.runs).toEqual({ total: 2, complete: 1, incomplete: 0, unmergedShards: 1 });
    const [cancelled] = await listExperiments(shardOnly);
    expect(cancelled.runs).toEqual({ total: 2, complete: 0, incomplete: 1, unmergedShards: 1 });
    const r = await runCliAsync(['experiments', 'list', mixed]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\b1\/2 \(\+1 unmerged shard\)/);
  }, 60_000);

  it('named, are refused by sheet and evaluate (CLI and the engine check) with the shard and the merge', async () => {
    await expect(runSheetJob({ experiment: mixed, run: 'fgsm-eps4' })).rejects.toMatchObject(shardError('1/2'));
    await expect(runSheetJob({ experiment: shardOnly })).rejects.toMatchObject(shardError('2/2'));
    await expect(runEvaluateJob({ clean: join(mixed, 'clean'), adversarial: join(mixed, 'adversarial/fgsm-eps4'), transforms: [] })).rejects.toMatchObject(shardError('1/2'));
    const [whole, shard] = (await openExperiment(mixed)).runs;
    await expect(requireWholeRun(mixed, shard, 'evaluated')).rejects.toMatchObject(shardError('1/2'));
    await expect(requireWholeRun(mixed, whole, 'evaluated')).resolves.toBeUndefined();
  });

  it('are not printed when a sheet filter also matches a whole run', async () => {
    const r = await runSheetJob({ experiment: mixed, method: 'fgsm', out: join(mixed, 'sheets', 'fgsm.pdf') });
    const runs = new Set(r.layouts.flatMap((l) => l.cells.flatMap((c) => (c.run ? [c.run] : []))));
    expect([...runs]).toEqual(['adversarial/fgsm-eps8']);
    expect(r.layouts.flatMap((l) => l.cells).filter((c) => c.run).length).toBe(8);
  });

  it('are left out of the report and the photo evaluation, named in a note', async () => {
    const note = 'Unmerged shard runs, left out of every table, chart and figure: adversarial/fgsm-eps4 (shard 1/2, 4 images).';
    const data = await buildReportData({ dir: mixed, model: null });
    expect(data.runs.map((r) => r.dir)).toEqual(['adversarial/fgsm-eps8']);
    expect(data.tables[0].rows.map((r) => r.run)).not.toContain((await openExperiment(mixed)).runs[1].id);
    expect(data.notes.some((n) => n.startsWith(note) && n.includes('experiments merge'))).toBe(true);
    const photos = await evaluatePhotos({ experiment: mixed, model });
    expect(photos.runs.map((r) => r.dir)).toEqual(['adversarial/fgsm-eps8']);
    expect(photos.notes.some((n) => n.startsWith(note))).toBe(true);
    const only = await buildReportData({ dir: shardOnly, model: null });
    expect(only.runs).toEqual([]);
    // The cancelled shard is named as incomplete, with the fix that works for a shard (runs resume refuses one).
    expect(only.incompleteRuns.map((r) => [r.dir, r.state, r.done, r.total, r.shard])).toEqual([['adversarial/bim-eps8', 'cancelled', 2, 4, { index: 1, count: 2 }]]);
    const incomplete = only.notes.find((n) => n.startsWith('Incomplete runs')) ?? '';
    expect(incomplete).toContain('adversarial/bim-eps8 (cancelled: cancelled by the user, shard 1/2, 2 of 4 images)');
    expect(incomplete).toContain('rerunning its npx printshot attack … --shard 1/2 command');
    expect(incomplete).not.toContain('runs resume');
    expect(only.notes.some((n) => n.startsWith('Unmerged shard runs, left out of every table, chart and figure: adversarial/fgsm-eps8 (shard 2/2, 4 images)'))).toBe(true);
  });

  it('evaluate --photos says so in its text output, not only in --json', async () => {
    const r = await runCliAsync(['evaluate', '--experiment', mixed, '--photos']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('note: Unmerged shard runs, left out of every table, chart and figure: adversarial/fgsm-eps4 (shard 1/2, 4 images).');
  }, 60_000);

  it('are left out of the transfer table, said once', async () => {
    const m = await evaluateTransfer({ experiments: [mixed], targets: ['default'] });
    expect(m.cells.map((c) => c.eps)).toEqual([8]);
    expect(m.notes.filter((n) => n.includes('adversarial/fgsm-eps4 (shard 1/2, 4 images)'))).toHaveLength(1);
  });

  it('are never reused as a complete run, even with as many images as asked for', async () => {
    expect(await findCompleteRun(mixed, 'fgsm', { eps: 4 }, 0, 4)).toBeNull();
    expect(await findCompleteRun(shardOnly, 'fgsm', { eps: 8 }, 0, 4)).toBeNull();
    expect((await findCompleteRun(mixed, 'fgsm', { eps: 8 }, 0, 8))?.run.dir).toBe('adversarial/fgsm-eps8');
  });
});
