/**
 * The standard suite on the bundled plain, hardened and distilled models (slow suite: minutes on
 * the wasm backend): the curves reach results/robustness-curves.csv and the report's JSON, and on
 * the distilled model, whose gradients are masked, the suite breaks what FGSM cannot (issue 18's
 * acceptance: robust accuracy ≤ 10 % at eps 25, at least 60 points below FGSM's accuracy).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReportJob } from '../../../src/services/report-job';
import { runRobustnessSuite } from '../../../src/services/robustness-suite';
import { buildFixtureExperiment } from '../../fixtures/experiment-fixture';

const MODELS = ['default', 'assets/models/fashion-cnn-hardened', 'assets/models/fashion-cnn-distilled'];
const EPS = [4, 8, 16, 25];

describe('robustness suite on the bundled models', () => {
  it('robustness --suite standard --eps 4,8,16,25 writes a curve per model into the CSV and the report JSON', async () => {
    const fixture = await buildFixtureExperiment({ perClass: 1, runs: [{ method: 'fgsm', eps: 8 }], photos: false });
    // Into an experiment, so its report picks the comparison up (as with --out EXP on the command line).
    const r = await runRobustnessSuite({ out: fixture.dir, models: MODELS, images: 'samples', limit: 8, suite: 'standard', eps: EPS });
    expect(r.models.map((m) => m.name)).toEqual(['fashion-cnn', 'fashion-cnn-hardened', 'fashion-cnn-distilled']);
    const csv = (await readFile(r.curvesFile, 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(1 + MODELS.length * EPS.length);

    const job = await runReportJob({ experiment: fixture.dir, out: [join(fixture.dir, 'report.json')], sweeps: [] });
    const report = JSON.parse(await readFile(join(fixture.dir, 'report.json'), 'utf8'));
    const panels = report.robustness.panels as { title: string; series: { label: string; points: { x: number; rate: { value: number; numerator: number; denominator: number } }[] }[] }[];
    expect(panels).toHaveLength(3);
    for (const [k, m] of r.models.entries()) {
      const curve = panels[k].series.find((s) => s.label === 'standard suite (worst case)')!;
      expect(curve.points.map((p) => p.x)).toEqual([0, ...EPS]);
      expect(curve.points.slice(1).map((p) => p.rate.numerator)).toEqual(m.suite.points.map((p) => p.robust.count));
      // The worst case over more attacks never beats FGSM alone, and never exceeds clean accuracy.
      for (const p of m.suite.points) {
        expect(p.robust.count).toBeLessThanOrEqual(Math.min(p.fgsm.count, p.clean.count));
        expect(Object.values(p.brokenBy).reduce((s, v) => s + v, 0)).toBe(p.robust.total - p.robust.count);
      }
      // After the eps: images, clean correct, robust (the defence before it may hold quoted commas).
      const line = csv.find((l) => l.startsWith(`${m.name},`) && l.includes(',standard,25,'))!;
      expect(line.split(',standard,25,')[1].split(',').slice(0, 3)).toEqual([8, m.suite.points[3].clean.count, m.suite.points[3].robust.count].map(String));
    }
    const suiteTable = job.data.tables.find((t) => t.id === 'robustness-suite')!;
    expect(suiteTable.rows).toHaveLength(MODELS.length * EPS.length);
  }, 1_200_000);

  it('on the distilled model at eps 25: robust accuracy ≤ 10 % and at least 60 points below FGSM', async () => {
    const out = await mkdtemp(join(tmpdir(), 'suite-distilled-'));
    const r = await runRobustnessSuite({ out, models: [MODELS[2]], images: 'samples', limit: 40, suite: 'standard', eps: [25] });
    const [p] = r.models[0].suite.points;
    expect(p.robust.rate!).toBeLessThanOrEqual(0.1);
    expect(p.fgsm.rate! - p.robust.rate!).toBeGreaterThanOrEqual(0.6);
    // The masking checks ran beside it and flag the distilled model's vanishing gradients.
    expect(r.masking.some((w) => w.code === 'vanishing-gradients')).toBe(true);
  }, 600_000);
});
