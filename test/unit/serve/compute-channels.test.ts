/**
 * compute:prepare and compute:record (issue 21 part 2, docs/gpu.md) end to end on the real engine
 * (in this process, behind the real EngineHost and the shared route table, with serve mode's
 * platform) on the bundled model and samples. The compute worker's part is played by
 * src/compute's runComputeAttack on this process' backend, which gives the engine's bytes exactly
 * (docs/gpu.md), so the recorded run must equal an attack:start run of the same request, while its
 * manifest says backend 'webgl' and the device it was given. Refusals: bad payloads (zod), another
 * model's fingerprint, a perturbation outside eps, an attack the worker does not run, a dialog folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ComputePrepareDto, ComputeRecordDto, ModelInfo } from '../../../src/contract';
import { loadComputeModel, runComputeAttack } from '../../../src/compute';
import { openExperiment, readRunManifest } from '../../../src/workspace';
import { startInProcessEngine } from '../../support/in-process-engine';

const { host, call, finished } = startInProcessEngine('ps-compute-');
afterAll(() => host.stop());

const REQUEST = { method: 'bim', params: { eps: 8 }, images: { kind: 'bundled' }, limit: 6, sample: 'stratified', seed: 21, batchSize: 4 } as const;
const DEVICE = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)';
let prepared: ComputePrepareDto;
let adversarial: { relPath: string; width: number; height: number; channels: 1 | 3 | 4; data: Uint8Array; steps: number }[];
let experiment = '';

describe('compute:prepare', () => {
  it('needs a model, then hands over the fingerprinted model bytes and the request\'s clean images', async () => {
    await expect(call('compute:prepare', REQUEST)).rejects.toMatchObject({ code: 'no-model' });
    const info = (await call('model:load', { source: { kind: 'bundled' } })) as ModelInfo;
    experiment = ((await call('experiment:new', { location: { kind: 'scratch' }, name: 'gpu' })) as { dir: string }).dir;
    prepared = (await call('compute:prepare', REQUEST)) as ComputePrepareDto;

    expect(prepared.model.fingerprint).toBe(info.fingerprint);
    const manifest = JSON.parse(prepared.model.modelJSON) as { weightsManifest: { paths: string[] }[] };
    expect(Object.keys(prepared.model.weights).sort()).toEqual(manifest.weightsManifest.flatMap((g) => g.paths).sort());
    expect(prepared.spec).toEqual({ method: 'bim', params: expect.objectContaining({ eps: 8 }), seed: 21, batchSize: 4 });
    // Stratified: 6 images over the sample classes, each at the model's input size.
    expect(prepared.images).toHaveLength(6);
    expect(new Set(prepared.images.map((i) => i.label)).size).toBeGreaterThan(1);
    for (const im of prepared.images) expect(im.data.length).toBe(im.width * im.height * im.channels);

    // The bytes load with the worker's checks and are the ones the engine fingerprinted.
    const classifier = await loadComputeModel(prepared.model, info.fingerprint);
    try {
      const items = prepared.images.map((i) => ({ relPath: i.relPath, label: i.label, image: { width: i.width, height: i.height, channels: i.channels, data: i.data } }));
      const results = await runComputeAttack(classifier, { ...prepared.spec, params: prepared.spec.params as never }, items);
      adversarial = results.map((r) => ({ relPath: r.relPath, width: r.adversarial.width, height: r.adversarial.height, channels: r.adversarial.channels as 1 | 3 | 4, data: r.adversarial.data, steps: r.steps }));
    } finally {
      classifier.dispose();
    }
  });

  it('refuses an attack the compute context does not run, and a folder chosen in a dialog', async () => {
    await expect(call('compute:prepare', { ...REQUEST, method: 'illc', params: { eps: 8 } })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('does not run in the compute context') });
    await expect(call('compute:prepare', { ...REQUEST, images: { kind: 'dialog' } })).rejects.toMatchObject({ code: 'bad-argument', message: expect.stringContaining('dialog') });
  });
});

describe('compute:record', () => {
  const record = (over: Record<string, unknown> = {}) => ({ request: REQUEST, modelFingerprint: prepared.model.fingerprint, backend: 'webgl', device: DEVICE, adversarial, ...over });

  it('validates the payload before the engine sees it', async () => {
    await expect(call('compute:record', { ...record(), device: undefined })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('compute:record', record({ adversarial: [{ ...adversarial[0], data: [1, 2, 3] }] }))).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('compute:record', record({ extra: 1 }))).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('refuses another model\'s fingerprint, a missing image and a perturbation outside eps, writing no run', async () => {
    await expect(call('compute:record', record({ modelFingerprint: '0'.repeat(64) }))).rejects.toMatchObject({ code: 'bad-model' });
    await expect(call('compute:record', record({ adversarial: adversarial.slice(1) }))).rejects.toMatchObject({ code: 'bad-argument' });
    const far = adversarial.map((a, i) => (i === 0 ? { ...a, data: a.data.map((v) => (v > 127 ? 0 : 255)) } : a));
    await expect(call('compute:record', record({ adversarial: far }))).rejects.toMatchObject({ code: 'bad-image', message: expect.stringContaining('exceeds eps 8') });
    expect((await openExperiment(experiment)).runs).toEqual([]);
  });

  it('writes a run judged by the engine, with backend webgl and the device, equal to the engine\'s own run', async () => {
    const rec = (await call('compute:record', record())) as ComputeRecordDto;
    expect(rec).toMatchObject({ kind: 'attack', method: 'bim', eps: 8, backend: 'webgl', device: DEVICE });
    const exp = await openExperiment(experiment);
    const run = exp.runs.find((r) => r.id === rec.runId)!;
    const manifest = await readRunManifest(experiment, run);
    expect(manifest).toMatchObject({ backend: 'webgl', device: DEVICE, method: 'bim', seed: 21, batchSize: 4 });
    expect(manifest.images.map((i) => i.relPath)).toEqual(prepared.images.map((i) => i.relPath));

    const { jobId } = (await call('attack:start', REQUEST)) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    if (job.result?.kind !== 'attack') throw new Error('not an attack result');
    const engineRunId = job.result.runId;
    expect(engineRunId).not.toBe(rec.runId);
    const engineRun = await readRunManifest(experiment, (await openExperiment(experiment)).runs.find((r) => r.id === engineRunId)!);
    // Same backend here, so the same bytes: same successes and the same PNGs per image.
    expect(rec.summary).toEqual(job.result.summary);
    expect(manifest.images.map((i) => [i.relPath, i.success, i.sha256])).toEqual(engineRun.images.map((i) => [i.relPath, i.success, i.sha256]));
    expect(engineRun.backend).not.toBe('webgl');
  });
});
