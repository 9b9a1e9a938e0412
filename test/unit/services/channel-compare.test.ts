/**
 * Simulation against capture (issue 17 §3): an FGSM run's sheets photographed through the demo's
 * known, non-default channel profile (src/services/demo-channel.ts), registered, fitted (`channel fit`), then compared
 * (`channel compare`): photographed, fitted-profile and default-channel destruction rates per run,
 * checked against Eq. (1) counted by hand from the crops, written to EXP/channel/compare.json and
 * shown in the report JSON, CSV and HTML, with a note once the profile changes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelCompareDto } from '../../../src/contract/channel-compare';
import { readImage8 } from '../../../src/images';
import { predict } from '../../../src/inference';
import type { LoadedClassifier } from '../../../src/model';
import { CapturesLogSchema } from '../../../src/registration/captures-log';
import { buildReportData, renderCsv, type ReportData } from '../../../src/reports';
import { ChannelComparisonSchema } from '../../../src/reports/channel-compare';
import { renderHtml } from '../../../src/reports/html';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runChannelCompare, type ChannelCompareResult } from '../../../src/services/channel-compare';
import { runChannelFit } from '../../../src/services/channel-fit';
import { writeDemoChannel } from '../../../src/services/demo-channel';
import { runRegisterJob } from '../../../src/services/register-job';
import { runSheetJob } from '../../../src/services/sheet-job';
import { runSimulateJob } from '../../../src/services/simulate-job';
import { openImages, openModel } from '../../../src/services/sources';
import { resolveInExperiment } from '../../../src/workspace';
import { tempDir } from '../../fixtures/images/make';
import { runCliAsync } from '../cli/run-cli';

const FRAME = { width: 1920, height: 1080 };
let model: LoadedClassifier;
let root: string;
let cleanup: () => Promise<void>;
let exp: string;
let knownFile: string;
let fitted: ChannelCompareResult;
let known: ChannelCompareResult;
let runDir: string;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  exp = join(root, 'exp');
  model = await openModel('default');
  const all = (await openImages('samples', model)).items;
  const items = [];
  for (let c = 0; c < 10; c++) items.push(...all.filter((i) => i.label === c).slice(0, 2));
  const job = await attackIntoExperiment(model, items, 'samples', { method: 'fgsm', params: { eps: 16 }, seed: 0, out: exp });
  runDir = job.run.dir;
  const sheet = await runSheetJob({ experiment: exp, run: job.run.dir });
  knownFile = await writeDemoChannel(exp);
  const photos = join(root, 'photos');
  await runSimulateJob({ sheets: sheet.layoutFile, experiment: exp, count: 1, seed: 'cmp', out: photos, channel: knownFile, overrides: { camera: { frame: FRAME } } });
  await runRegisterJob({ experiment: exp, photos });
  await runChannelFit({ experiment: exp });
  known = await runChannelCompare({ experiment: exp, model, profile: knownFile, seed: 4 });
  fitted = await runChannelCompare({ experiment: exp, model, seed: 3 });
}, 400_000);
afterAll(async () => {
  model?.dispose();
  await cleanup?.();
});

describe('channel compare', () => {
  it('gives the three destruction rates of the run, the photographed one equal to Eq. (1) counted from the crops', async () => {
    const { comparison: c, file } = fitted;
    expect(file).toBe(join(exp, 'channel', 'compare.json'));
    expect(ChannelComparisonSchema.parse(JSON.parse(await readFile(file, 'utf8')))).toEqual(c);
    const log = CapturesLogSchema.parse(JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')));
    const accepted = log.photos.filter((p) => p.status === 'accepted');
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(c.poses).toEqual({ registered: accepted.length, drawn: 0 });
    expect(c.profile.file).toBe('channel/profile.json');
    expect(c.rows).toHaveLength(1);
    expect(c.rows[0]).toMatchObject({ label: 'fgsm eps=16', method: 'fgsm', eps: 16, photos: accepted.length });

    // By hand: among pairs whose digital clean is right and digital adversarial wrong, the photo crops that are right.
    const { width, height, channels } = model.inputSpec;
    const top1 = async (f: string) => (await predict(model, [await readImage8(resolveInExperiment(exp, f), { channels, width, height })], { top: 1 }))[0].top[0].label;
    let num = 0;
    let den = 0;
    for (const p of accepted) {
      for (const a of p.crops.filter((x) => x.role === 'adversarial')) {
        const clean = p.crops.find((x) => x.role === 'clean' && x.pair === a.pair)!;
        if ((await top1(clean.source)) !== a.label || (await top1(a.source)) === a.label) continue;
        den++;
        if ((await top1(a.file)) === a.label) num++;
      }
    }
    expect(den).toBeGreaterThan(5);
    const r = c.rows[0];
    expect([r.photographed.numerator, r.photographed.denominator]).toEqual([num, den]);
    // The simulations classify the same cells: same denominator, their own numerators and intervals.
    for (const sim of [r.profile, r.default]) {
      expect(sim.denominator).toBe(den);
      expect(sim.ci!.low).toBeLessThanOrEqual(sim.rate!);
      expect(sim.ci!.high).toBeGreaterThanOrEqual(sim.rate!);
    }
    expect(r.gapProfile).toBeCloseTo((r.profile.rate! - r.photographed.rate!) * 100, 1);
    expect(r.gapDefault).toBeCloseTo((r.default.rate! - r.photographed.rate!) * 100, 1);
    expect(c.total.photographed).toEqual(r.photographed);
  });

  it('through the very channel the photos were taken with, simulation predicts the photographed rate closely', () => {
    const { comparison } = known;
    expect(comparison.profile.file).toBe('channel/demo-truth.json');
    // Same sheets, poses and channel: only the noise draw differs, so at most a couple of cells flip.
    const r = comparison.rows[0];
    expect(Math.abs(r.profile.numerator - r.photographed.numerator)).toBeLessThanOrEqual(2);
  });

  it('is a table of the report (JSON, CSV, HTML), marked out of date once the profile changes', async () => {
    const opts = { sweeps: [], tableTransforms: [], examplesPerRun: 0 };
    const data: ReportData = await buildReportData({ dir: exp, model, options: opts });
    expect(data.channelCompare).toEqual({ ...fitted.comparison, stale: [] });
    // What capture:photos sends the workbench: the contract's restated schema reads the stored comparison.
    expect(ChannelCompareDto.parse(data.channelCompare).rows[0].photographed).toEqual(fitted.comparison.rows[0].photographed);
    const t = data.tables.find((x) => x.id === 'channel-compare')!;
    expect(t.rows.map((r) => r.key)).toEqual([fitted.comparison.rows[0].run, 'all']);
    const photo = t.rows[0].cells.photo!;
    expect([photo.numerator, photo.denominator]).toEqual([fitted.comparison.rows[0].photographed.numerator, fitted.comparison.rows[0].photographed.denominator]);
    expect(t.rows[0].cells.gapProfile!.value).toBe(fitted.comparison.rows[0].gapProfile);
    expect(t.note).toMatch(/registered photos' homographies/);
    expect(renderCsv(data)).toMatch(/\nchannel-compare,Simulation vs capture,.*,photo,Destruction rate,photographed,pct,/);
    expect(await renderHtml(data)).toContain('fitted profile');
    expect(runDir).toContain('fgsm');

    const profileFile = join(exp, 'channel', 'profile.json');
    const profile = JSON.parse(await readFile(profileFile, 'utf8'));
    await writeFile(profileFile, JSON.stringify({ ...profile, provenance: { ...profile.provenance, fittedAt: '2027-01-01T00:00:00.000Z' } }));
    const later = await buildReportData({ dir: exp, model, options: opts });
    expect(later.channelCompare!.stale).toEqual(['the profile channel/profile.json changed or is gone']);
    expect(later.tables.find((x) => x.id === 'channel-compare')!.note).toMatch(/Out of date: .* rerun printshot channel compare/);
  }, 120_000);

  it('the CLI fails in one line without a profile', async () => {
    const r = await runCliAsync(['channel', 'compare', '--experiment', exp, '--profile', join(root, 'missing.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/missing\.json: cannot read a channel profile .*printshot channel fit/);
  }, 60_000);

  it('leaves out photos of an unmerged shard run (a sheet printed from one before sheet refused shards)', async () => {
    // The run's manifest marked as shard 1/2 of a job, as `attack --shard 1/2` writes it; restored after.
    const manifestFile = join(exp, 'runs', (await readFile(join(exp, 'experiment.json'), 'utf8')).match(/"manifest": "runs\/([^"]+)"/)![1]);
    const original = await readFile(manifestFile, 'utf8');
    await writeFile(manifestFile, JSON.stringify({ ...JSON.parse(original), shard: { index: 1, count: 2, inputsSha256: '0'.repeat(64) } }));
    try {
      await expect(runChannelCompare({ experiment: exp, model, seed: 3 })).rejects.toThrow(/no accepted photo of an attack run/);
    } finally {
      await writeFile(manifestFile, original);
    }
  }, 120_000);
});
