/**
 * The execution path (compiled layer plan or not, and why) is recorded in each run's manifest,
 * carried into the report's run list and shown in its environment section; manifests written
 * before the field existed still load.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentLines } from '../../../src/reports/sections';
import { executionLine } from '../../../src/reports/environment';
import type { ReportData } from '../../../src/reports';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runReportJob } from '../../../src/services/report-job';
import { openImages, openModel } from '../../../src/services/sources';
import { openExperiment, RunManifestSchema } from '../../../src/workspace';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

let dir: string;
let manifests: Record<string, unknown>[];
let report: ReportData;

/** Runs FGSM on `n` sample images into `dir`, with the layer plan on or off. */
async function attackRun(eps: number, plan: 'on' | 'off'): Promise<void> {
  const before = process.env.PRINTSHOT_LAYER_PLAN;
  if (plan === 'off') process.env.PRINTSHOT_LAYER_PLAN = 'off';
  try {
    const model = await openModel('default');
    try {
      const data = await openImages('samples', model);
      await attackIntoExperiment(model, data.items.slice(0, 3), data.root, { method: 'fgsm', params: { eps }, seed: 0, out: dir, workers: 1 });
    } finally {
      model.dispose();
    }
  } finally {
    if (before === undefined) delete process.env.PRINTSHOT_LAYER_PLAN;
    else process.env.PRINTSHOT_LAYER_PLAN = before;
  }
}

beforeAll(async () => {
  dir = join(await tempDir(), 'exp');
  await attackRun(8, 'on');
  await attackRun(16, 'off');
  const exp = await openExperiment(dir);
  manifests = await Promise.all(exp.runs.map(async (r) => JSON.parse(await readFile(join(dir, r.manifest), 'utf8')) as Record<string, unknown>));
  const out = join(dir, 'reports', 'report.json');
  await runReportJob({ experiment: dir, out: [out] });
  report = JSON.parse(await readFile(out, 'utf8')) as ReportData;
}, 120_000);
afterAll(removeTempDirs);

describe('execution path', () => {
  it('the run JSON records the compiled plan (5 fused ops for the bundled model) or why it was not used', () => {
    const [compiled, plain] = manifests;
    expect(compiled.execution).toEqual({ backend: compiled.backend, compiled: true, ops: 5 });
    expect(plain.execution).toEqual({ backend: plain.backend, compiled: false, reason: 'PRINTSHOT_LAYER_PLAN=off' });
  });

  it('manifests without the field (written before it existed) still validate; a malformed one does not', () => {
    const { execution: _dropped, ...old } = manifests[0];
    const parsed = RunManifestSchema.parse(old);
    expect(parsed.execution).toBeUndefined();
    expect(RunManifestSchema.safeParse({ ...old, execution: { backend: 'wasm', compiled: true } }).success).toBe(false);
    expect(RunManifestSchema.safeParse({ ...old, execution: { backend: 'wasm', compiled: false } }).success).toBe(false);
  });

  it('the report JSON carries each run\'s execution and its environment section says how each run ran', () => {
    const byEps = new Map(report.runs.map((r) => [r.eps, r]));
    expect(byEps.get(8)?.execution).toEqual(manifests[0].execution);
    expect(byEps.get(16)?.execution).toEqual(manifests[1].execution);
    const line = environmentLines(report).find(([k]) => k === 'Model execution (attacks)');
    const backend = String(manifests[0].backend);
    // One phrase per distinct path, in the report's run order.
    expect(line?.[1].split('; ').sort()).toEqual([`compiled, 5 fused ops on ${backend} (fgsm eps=8)`, `not compiled on ${backend}: PRINTSHOT_LAYER_PLAN=off (fgsm eps=16)`]);
  });

  it('one path for every run is stated once; runs from before the field say "not recorded"', () => {
    const e = { backend: 'wasm', compiled: true as const, ops: 72 };
    expect(executionLine([{ method: 'bim', eps: 8, execution: e }, { method: 'fgsm', eps: 8, execution: e }])).toBe('compiled, 72 fused ops on wasm');
    expect(executionLine([{ method: 'bim', eps: 8 }])).toBe('not recorded');
    expect(executionLine([])).toBe('—');
  });
});
