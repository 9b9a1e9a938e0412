/**
 * recordComputedRun (src/services/compute-run.ts): a job computed in the compute context becomes an
 * ordinary run. Here the "compute context" is runComputeAttack on the Node backend, so its pixels
 * equal the engine's and the recorded run must equal `runAttackJob`'s run of the same job, image for
 * image (PNG hashes, top-5, success, summary), with backend and device saying where it ran. Bad
 * input (another model, a missing image, a perturbation outside eps, a targeted run) is refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runComputeAttack } from '../../../src/compute';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { runAttackJob } from '../../../src/services/attack-job';
import { recordComputedRun, type ComputedRunSpec } from '../../../src/services/compute-run';
import { openImages } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';
import { readRunManifest } from '../../../src/workspace';

vi.setConfig({ testTimeout: 240_000 });

let model: LoadedClassifier;
let items: LabeledImage[];
let tmp: string;
const PARAMS = { eps: 8, iterations: 3, samples: 2, distribution: 'photometric' };

beforeAll(async () => {
  await selectBackend();
  model = await loadClassifier('default');
  items = (await openImages('samples', model)).items.slice(0, 6);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'printshot-compute-run-'));
});
afterAll(async () => {
  model?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

async function spec(out: string, over: Partial<ComputedRunSpec> = {}): Promise<ComputedRunSpec> {
  const results = await runComputeAttack(model, { method: 'eot-pgd', params: PARAMS, seed: 4, batchSize: 32 }, items);
  return {
    out,
    model,
    modelFingerprint: model.fingerprint,
    imagesSource: 'samples',
    items,
    method: 'eot-pgd',
    params: PARAMS,
    seed: 4,
    batchSize: 32,
    backend: 'webgl',
    device: 'Test GL renderer',
    adversarial: results.map((r) => ({ relPath: r.relPath, image: r.adversarial, steps: r.steps })),
    ...over,
  };
}

describe('recordComputedRun', () => {
  it('writes the run the engine would have written, with backend and device', async () => {
    const gpu = await recordComputedRun(await spec(path.join(tmp, 'gpu')));
    const engine = await runAttackJob({ model: 'default', images: 'samples', method: 'eot-pgd', params: PARAMS, seed: 4, batchSize: 32, workers: 1, limit: 6, out: path.join(tmp, 'engine') });
    expect(gpu.run.status).toBe('complete');
    const m = await readRunManifest(path.join(tmp, 'gpu'), gpu.run);
    expect(m.backend).toBe('webgl');
    expect(m.device).toBe('Test GL renderer');
    const strip = (rows: typeof m.images) => rows.map(({ relPath, sha256, cleanTop5, advTop5, success, linf, l2, steps }) => ({ relPath, sha256, cleanTop5, advTop5, success, linf, l2, steps }));
    expect(strip(m.images)).toEqual(strip(engine.manifest.images));
    expect(gpu.summary).toEqual(engine.summary);
    expect(m.images.some((r) => r.success)).toBe(true);
  });

  it('refuses another model, a missing image, a perturbation outside eps and a targeted run', async () => {
    const base = await spec(path.join(tmp, 'bad'));
    await expect(recordComputedRun({ ...base, modelFingerprint: 'a'.repeat(64) })).rejects.toMatchObject({ code: 'bad-model' });
    await expect(recordComputedRun({ ...base, adversarial: base.adversarial.slice(1) })).rejects.toMatchObject({ code: 'bad-argument' });
    const far = base.adversarial.map((a, i) => (i === 0 ? { ...a, image: { ...a.image, data: a.image.data.map((v) => (v > 127 ? 0 : 255)) } } : a));
    await expect(recordComputedRun({ ...base, adversarial: far })).rejects.toThrow(/exceeds eps 8/);
    await expect(recordComputedRun({ ...base, params: { ...PARAMS, target: 'least-likely' } })).rejects.toThrow(/only untargeted/);
  });
});
