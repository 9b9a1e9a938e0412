/**
 * The robustness comparison on two models that differ only by a logit scale: the bundled model
 * and a copy whose last layer is ×100. Predictions are identical, but the softmax saturates, so
 * the cross-entropy gradient underflows to zero (the gradient masking Carlini & Wagner found in
 * defensive distillation): FGSM must lose success while C&W-L2, which works on logits, keeps it.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReportData, renderHtml } from '../../../src/reports';
import { runReportJob } from '../../../src/services/report-job';
import { compareRobustness, defenceOf } from '../../../src/services/robustness';
import { openModel } from '../../../src/services/sources';
import { checkExperiment } from '../../../src/workspace';

const BUNDLED = 'assets/models/fashion-cnn';

/** A copy of the bundled model with the final Dense layer's kernel and bias multiplied by `k`. */
function scaledModel(k: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'scaled-model-'));
  cpSync(BUNDLED, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = manifest.weightsManifest[0].weights as { name: string; shape: number[] }[];
  const bin = readFileSync(join(dir, manifest.weightsManifest[0].paths[0]));
  const f32 = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  let offset = 0;
  for (const w of weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.name.startsWith('dense_1/')) for (let i = offset; i < offset + n; i++) f32[i] *= k;
    offset += n;
  }
  writeFileSync(join(dir, manifest.weightsManifest[0].paths[0]), bin);
  const card = JSON.parse(readFileSync(join(dir, 'model-card.json'), 'utf8'));
  card.name = `fashion-cnn-x${k}`;
  card.provenance = { ...card.provenance, hardening: { kind: 'logit scaling', factor: k } };
  writeFileSync(join(dir, 'model-card.json'), JSON.stringify(card));
  return dir;
}

describe('compareRobustness', () => {
  const scaled = scaledModel(100);
  const out = mkdtempSync(join(tmpdir(), 'robustness-'));
  const grid = [
    { method: 'fgsm', params: { eps: 16 } },
    { method: 'cw-l2', params: { binarySteps: 4, maxIterations: 60, initialConst: 0.1 } },
  ];
  const run = () => compareRobustness({ out, models: ['default', scaled], images: 'samples', limit: 16, grid, transforms: [{ id: 'jpeg', params: { quality: 75 } }] });

  it('shows gradient masking: same clean accuracy, FGSM defeated, C&W-L2 not', async () => {
    const r = await run();
    const [plain, masked] = r.models;
    expect(masked.clean.top1).toEqual(plain.clean.top1);
    expect(masked.defence).toBe('logit scaling (factor 100)');
    expect(plain.defence).toBeNull();
    const fgsm = (m: typeof plain) => m.cells.find((c) => c.method === 'fgsm')!;
    const cw = (m: typeof plain) => m.cells.find((c) => c.method === 'cw-l2')!;
    expect(fgsm(plain).attack.successRate).toBeGreaterThan(0.5);
    expect(fgsm(masked).attack.successRate).toBeLessThan(fgsm(plain).attack.successRate / 2);
    expect(cw(masked).attack.successRate).toBeGreaterThanOrEqual(0.9);
    // The masking checks see it: the saturated softmax leaves the loss gradient exactly 0; the plain model trips nothing.
    expect(r.masking.filter((w) => w.model === 'fashion-cnn')).toEqual([]);
    expect(r.masking.filter((w) => w.model === 'fashion-cnn-x100').map((w) => w.code)).toContain('vanishing-gradients');
    for (const m of r.models) {
      for (const c of m.cells) {
        expect(c.error).toBeCloseTo(1 - c.attack.advTop1Correct / c.attack.images, 12);
        expect(c.transforms).toHaveLength(1);
        expect(c.transforms[0].advTop1.total).toBe(16);
      }
      const check = await checkExperiment(m.experiment!);
      expect(check.ok, JSON.stringify(check.problems)).toBe(true);
    }
    expect(JSON.parse(readFileSync(r.resultsFile, 'utf8')).models).toHaveLength(2);
  }, 240_000);

  it('reuses complete runs when run again, and reports the comparison with a chart per model', async () => {
    const runsBefore = await readdir(join(out, 'fashion-cnn', 'runs'));
    const r = await run();
    expect(await readdir(join(out, 'fashion-cnn', 'runs'))).toEqual(runsBefore);
    const model = await openModel('default');
    try {
      const data = await buildReportData({ dir: r.models[0].experiment!, model, robustness: r, options: { sweeps: [] } });
      const digital = data.tables.find((t) => t.id === 'robustness-digital')!;
      expect(digital.rows.map((row) => row.label)).toEqual(['fashion-cnn · fgsm eps=16', 'fashion-cnn · Carlini & Wagner L2', 'fashion-cnn-x100 · fgsm eps=16', 'fashion-cnn-x100 · Carlini & Wagner L2']);
      const fgsmRow = digital.rows[2].cells.error!;
      const masked = r.models[1].cells[0];
      expect(fgsmRow.numerator).toBe(masked.attack.images - masked.attack.advTop1Correct);
      expect(data.robustness?.panels).toHaveLength(2);
      const html = await renderHtml(data);
      expect(html).toContain('Robustness of defended models');
      expect(html).toContain('data-table="robustness-transforms"');
      expect(html).toContain('Masking checks (Carlini et al. 2019; Croce &amp; Hein 2020): ');
      expect(html).toContain('fashion-cnn-x100: the loss gradient is ~0');
      expect(html.match(/aria-label="fashion-cnn[^"]*"/g)).toHaveLength(2);
      // The report job picks up a comparison saved in the experiment (as the workbench saves it).
      const exp = r.models[0].experiment!;
      writeFileSync(join(exp, 'results', 'robustness.json'), JSON.stringify(r));
      const job = await runReportJob({ experiment: exp, out: [join(out, 'report.html')], sweeps: [] });
      expect(job.data.tables.filter((t) => t.id.startsWith('robustness'))).toHaveLength(3);
      writeFileSync(join(exp, 'results', 'robustness.json'), '{"models": 3');
      const broken = await runReportJob({ experiment: exp, out: [join(out, 'report.json')], sweeps: [] });
      expect(broken.data.tables.filter((t) => t.id.startsWith('robustness'))).toHaveLength(0);
      expect(broken.data.notes.join(' ')).toMatch(/robustness.json could not be read/);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('summarises a card defence', () => {
    expect(defenceOf({ hardening: { kind: 'adversarial training', method: 'fgsm', eps: 25, alpha: 0.5 } })).toBe('adversarial training (method fgsm, eps 25, alpha 0.5)');
    // The flat form scripts/defend_train.py writes (harden, distill).
    expect(defenceOf({ defence: 'adversarial-training', paper: 'Goodfellow et al.', method: 'fgsm', eps: 25, epsScale: '0..255', alpha: 0.5, seed: 0 })).toBe(
      'adversarial-training (method fgsm, eps 25, alpha 0.5)',
    );
    expect(defenceOf({ defence: 'defensive-distillation', temperature: 100, deployedTemperature: 1 })).toBe('defensive-distillation (temperature 100)');
    expect(defenceOf({ dataset: 'x' })).toBeNull();
    expect(defenceOf(undefined)).toBeNull();
  });
});
