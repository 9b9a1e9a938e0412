/**
 * A capture session under three conditions (issue 17 §4): the demo's sheets photographed by the
 * simulator at three poses (near head-on twice per sheet, far, tilted), each set registered with
 * its condition. The report JSON then holds a table per condition with Kurakin's destruction rate,
 * RP2's conditional success (checked here against a count by hand from the crops) and the
 * unregistered column; register names the protocol's condition not yet photographed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage8 } from '../../../src/images';
import { predict } from '../../../src/inference';
import type { LoadedClassifier } from '../../../src/model';
import { CapturesLogSchema } from '../../../src/registration/captures-log';
import { buildReportData, type ReportData } from '../../../src/reports';
import { renderHtml } from '../../../src/reports/html';
import { renderPdf } from '../../../src/reports/pdf';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { runRegisterJob, type RegisterJobResult } from '../../../src/services/register-job';
import { runSheetJob } from '../../../src/services/sheet-job';
import { runSimulateJob } from '../../../src/services/simulate-job';
import { openImages, openModel } from '../../../src/services/sources';
import { resolveInExperiment } from '../../../src/workspace';
import { tempDir } from '../../fixtures/images/make';
import { runCliAsync } from '../cli/run-cli';

const CONDITIONS = [
  { tag: 'distance=near,angle=0', key: 'angle=0,distance=near', count: 2, pose: { fillMin: 0.85, fillMax: 0.9, tiltDeg: 2, rollDeg: 3 } },
  { tag: 'distance=far,angle=0', key: 'angle=0,distance=far', count: 1, pose: { fillMin: 0.5, fillMax: 0.55, tiltDeg: 2, rollDeg: 3 } },
  { tag: 'distance=near,angle=20', key: 'angle=20,distance=near', count: 1, pose: { fillMin: 0.75, fillMax: 0.8, tiltDeg: 20, rollDeg: 3 } },
];

let model: LoadedClassifier;
let root: string;
let cleanup: () => Promise<void>;
let exp: string;
let data: ReportData;
const registered: RegisterJobResult[] = [];

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  exp = join(root, 'exp');
  model = await openModel('default');
  const all = (await openImages('samples', model)).items;
  const items = [];
  for (let c = 0; c < 10; c++) items.push(...all.filter((i) => i.label === c).slice(0, 1));
  const job = await attackIntoExperiment(model, items, 'samples', { method: 'fgsm', params: { eps: 16 }, seed: 0, out: exp });
  const sheet = await runSheetJob({ experiment: exp, run: job.run.dir });
  const protocol = join(root, 'protocol.json');
  await writeFile(protocol, JSON.stringify({ name: 'three-plus-one', conditions: [...CONDITIONS.map((c) => Object.fromEntries(c.tag.split(',').map((t) => t.split('=')))), { distance: 'far', angle: '20' }] }));
  for (const [i, c] of CONDITIONS.entries()) {
    const out = join(root, `photos-${i}`);
    await runSimulateJob({ sheets: sheet.layoutFile, experiment: exp, count: c.count, seed: `cond${i}`, out, overrides: { pose: c.pose, camera: { frame: { width: 1920, height: 1080 } } } });
    const condition = Object.fromEntries(c.tag.split(',').map((t) => t.split('='))) as Record<string, string>;
    registered.push(await runRegisterJob({ experiment: exp, photos: out, condition, protocol }));
  }
  data = await buildReportData({ dir: exp, model, options: { sweeps: [], tableTransforms: [], examplesPerRun: 0 } });
}, 300_000);
afterAll(async () => {
  model?.dispose();
  await cleanup?.();
});

describe('capture conditions in the report', () => {
  it('records each condition on its photos, accepts repeat shots of a sheet, and names the missing protocol condition', async () => {
    const log = CapturesLogSchema.parse(JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')));
    const accepted = log.photos.filter((p) => p.status === 'accepted');
    const sheets = new Set(accepted.map((p) => p.sheetId)).size;
    // Two shots per sheet in the first condition, both accepted (no duplicate-sheet).
    expect(accepted.filter((p) => p.condition?.distance === 'near' && p.condition.angle === '0')).toHaveLength(2 * sheets);
    expect(log.photos.filter((p) => p.reason === 'duplicate-sheet')).toHaveLength(0);
    expect(accepted.every((p) => p.protocol === 'three-plus-one')).toBe(true);
    expect(registered[0].protocol!.missing).toHaveLength(3);
    expect(registered[2].protocol).toEqual({ name: 'three-plus-one', missing: [{ distance: 'far', angle: '20' }] });
  });

  it('gives a per-condition table with the conditional-success column, checked by hand from the crops', async () => {
    const cond = data.conditions!;
    expect(cond.conditions).toEqual(CONDITIONS.map((c) => c.key));
    expect(cond.rows.map((r) => r.condition)).toEqual(CONDITIONS.map((c) => c.key));
    const log = CapturesLogSchema.parse(JSON.parse(await readFile(join(exp, 'captures', 'captures.json'), 'utf8')));
    const read = (f: string) => readImage8(resolveInExperiment(exp, f), { channels: 1, width: 28, height: 28 });
    for (const row of cond.rows) {
      expect(row.run).toBe('adversarial/fgsm-eps16');
      const photos = log.photos.filter((p) => p.status === 'accepted' && Object.entries(p.condition ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(',') === row.condition);
      expect(row.photos).toBe(photos.length);
      let n = 0;
      let k = 0;
      let adv = 0;
      for (const p of photos) {
        const advCrops = p.crops.filter((c) => c.role === 'adversarial');
        const cleanCrops = advCrops.map((a) => p.crops.find((c) => c.role === 'clean' && c.pair === a.pair)!);
        const pa = await predict(model, await Promise.all(advCrops.map((c) => read(c.file))), { top: 1 });
        const pc = await predict(model, await Promise.all(cleanCrops.map((c) => read(c.file))), { top: 1 });
        adv += advCrops.length;
        advCrops.forEach((a, i) => {
          if (pc[i].top[0].label !== a.label) return;
          n++;
          if (pa[i].top[0].label !== a.label) k++;
        });
      }
      const r = row.registered;
      expect(r.observations).toBe(adv);
      expect([r.conditionalSuccess.numerator, r.conditionalSuccess.denominator]).toEqual([k, n]);
      expect(n).toBeGreaterThan(0);
      expect(r.conditionalSuccess.ci!.low).toBeLessThanOrEqual(r.conditionalSuccess.rate!);
      // Kurakin's column beside it: a rate over the digital clean-right / adversarial-wrong pairs.
      expect(r.destruction.denominator).toBeGreaterThan(0);
      expect(r.destruction.denominator).toBeLessThanOrEqual(adv);
      expect(r.cleanAccuracy.denominator).toBe(adv);
    }
  });

  it('shows the unregistered results beside the registered ones, for every cell of every condition', () => {
    const cond = data.conditions!;
    expect(cond.margin).toBe(0.1);
    for (const row of cond.rows) {
      const u = row.unregistered;
      expect(u.condition).toBe(row.condition);
      expect(u.observations).toBe(row.registered.observations);
      expect(u.advAccuracy.denominator).toBe(row.registered.advAccuracy.denominator);
      expect(u.cleanAccuracy.denominator).toBe(row.registered.cleanAccuracy.denominator);
      expect(u.conditionalSuccess.denominator).toBeLessThanOrEqual(u.cleanAccuracy.denominator);
    }
    // The report stays JSON: every rate has its counts and interval.
    const json = JSON.parse(JSON.stringify(data)) as ReportData;
    expect(json.conditions!.rows[0].unregistered.cleanAccuracy).toHaveProperty('ci');
  });

  it('puts the table by condition in the HTML and PDF capture section', async () => {
    const html = await renderHtml(data);
    const captures = html.slice(html.indexOf('data-section="captures"'), html.indexOf('data-section="reproduce"'));
    expect(captures).toContain('By capture condition');
    expect(captures).toContain('Unreg. RP2 success');
    for (const c of CONDITIONS) expect(captures).toContain(`<td class="l">${c.key}</td>`);
    const pdf = await renderPdf(data);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  }, 60_000);

  it('prints the table by condition in `evaluate --photos`, and refuses a malformed --condition in one line', async () => {
    const ev = await runCliAsync(['evaluate', '--experiment', exp, '--photos']);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain('By capture condition');
    expect(ev.stdout).toMatch(/RP2 success +unreg adv acc +unreg RP2 success/);
    for (const c of CONDITIONS) expect(ev.stdout).toMatch(new RegExp(`^${c.key} +fgsm-eps16 +${data.conditions!.rows.find((r) => r.condition === c.key)!.photos} `, 'm'));
    const bad = await runCliAsync(['register', '--experiment', exp, '--photos', join(root, 'photos-0'), '--condition', 'distance']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/--condition: 'distance' is not key=value/);
  }, 120_000);
});
