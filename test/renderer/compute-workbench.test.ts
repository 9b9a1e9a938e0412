// @vitest-environment jsdom
/**
 * The Compute setting wired into the Attack view's store (docs/gpu.md): GPU (WebGL) on a
 * float16-only device refuses with the worker's message and starts nothing; auto in a page
 * without OffscreenCanvas runs in the engine (attack:start); GPU with a working worker goes
 * compute:prepare → the worker → compute:record, never attack:start, shows the recorded run, and
 * the status line names 'WebGL · SwiftShader'. The worker is replaced by a stand-in client (the
 * real one is exercised in test/e2e/gpu-parity.spec.ts); the engine side by the fake bridge.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ComputePrepareDto, ComputeRecordDto } from '../../src/contract';
import type { ComputeClient } from '../../renderer/src/compute/client';
import { backendLabel } from '../../renderer/src/lib/compute-choice';
import { useAttackStore } from '../../renderer/src/stores/attack';
import { useComputeStore } from '../../renderer/src/stores/compute';
import { experimentWithRun, FakeBridge, finishJob, storeContext, stubDom } from './helpers';

const SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const FLOAT16 = 'this GPU renders only float16 textures: attack steps of a few 1/255 levels vanish in float16, so Printshot does not run attacks on it';
const worker = vi.hoisted(() => ({ client: null as unknown }));
vi.mock('../../renderer/src/compute/client', () => ({ computeClient: () => worker.client }));

const info = { name: 'webgl' as const, device: SWIFTSHADER, software: true, webglVersion: 2, float32: true as const, versions: {}, webgpuAvailable: false };
const summary = { images: 2, successes: 1, successRate: 0.5, cleanTop1Correct: 2, advTop1Correct: 1, meanLinf: 8, meanL2: 40 };

/** A worker stand-in: adds 1 to every pixel, as an attack within eps would change them. */
function standInClient(probe: () => Promise<typeof info>): ComputeClient & { attacked: unknown[] } {
  const attacked: unknown[] = [];
  return {
    attacked,
    probe,
    attack(model, spec, images) {
      attacked.push({ fingerprint: model.fingerprint, spec, n: images.length });
      const results = images.map((im) => ({ relPath: im.relPath, label: im.label, adversarial: { ...im, data: Uint8Array.from(im.data, (v) => Math.min(255, v + 1)) }, success: false, cleanTop: [], advTop: [], linf: 1, l2: 1, steps: 10 }));
      return { done: Promise.resolve({ info, results, ms: 5 }), cancel: () => undefined };
    },
    dispose: () => undefined,
  };
}

function prepared(): ComputePrepareDto {
  const im = (i: number) => ({ relPath: `Sandal/${i}.png`, label: 5, width: 2, height: 2, channels: 1 as const, data: new Uint8Array([10, 20, 30, 40]) });
  return { model: { modelJSON: '{}', weights: { 'group1-shard1of1.bin': new Uint8Array([1, 2]) }, card: {}, name: 'fashion-cnn', fingerprint: 'f'.repeat(64) }, spec: { method: 'bim', params: { eps: 8 }, seed: 0, batchSize: 32 }, images: [im(0), im(1)] };
}

beforeEach(stubDom);
afterEach(() => vi.unstubAllGlobals());

async function setup(worksInPage: boolean) {
  if (worksInPage) {
    vi.stubGlobal('Worker', class {});
    vi.stubGlobal('OffscreenCanvas', class {});
  }
  const fake = new FakeBridge();
  fake.handle('experiment:current', () => experimentWithRun());
  storeContext(fake);
  const attack = useAttackStore();
  await attack.loadCatalogue();
  attack.method = 'bim';
  attack.epsList = '8';
  attack.limit = '2';
  return { fake, attack, compute: useComputeStore() };
}

describe('the Compute setting in the Attack view', () => {
  it('GPU (WebGL) on a float16-only device refuses with the worker\'s message and starts nothing', async () => {
    worker.client = standInClient(() => Promise.reject(Object.assign(new Error(FLOAT16), { code: 'not-available', hint: 'use Compute: CPU (wasm), or a GPU with float32 render targets' })));
    const { fake, attack, compute } = await setup(true);
    compute.setting = 'gpu';
    await attack.start();
    expect(attack.error).toMatchObject({ code: 'not-available', message: FLOAT16, hint: expect.stringContaining('CPU (wasm)') });
    expect(fake.callsOf('attack:start')).toEqual([]);
    expect(fake.callsOf('compute:prepare')).toEqual([]);
  });

  it('auto in a page without OffscreenCanvas runs in the engine, and the status line names the engine backend', async () => {
    const { fake, attack, compute } = await setup(false);
    const done = attack.start();
    await finishJob(fake, 'attack', { kind: 'attack', experimentDir: '/fake/experiments/demo', runId: 'run-16', runDir: 'adversarial/bim-eps8', method: 'bim', eps: 8, summary });
    await done;
    expect(fake.callsOf('attack:start')).toHaveLength(1);
    expect(compute.probe).toMatchObject({ ok: false, error: { code: 'not-available' } });
    expect(backendLabel(compute.ran, 'wasm')).toBe('wasm');
  });

  it('GPU (WebGL) runs prepare → worker → record, never attack:start, and shows the recorded run as WebGL · SwiftShader', async () => {
    const client = standInClient(async () => info);
    worker.client = client;
    const { fake, attack, compute } = await setup(true);
    fake.handle('compute:prepare', () => prepared());
    const record: ComputeRecordDto = { kind: 'attack', experimentDir: '/fake/experiments/demo', runId: 'run-gpu', runDir: 'adversarial/bim-eps8-2', method: 'bim', eps: 8, summary, backend: 'webgl', device: SWIFTSHADER };
    fake.handle('compute:record', () => record);
    compute.setting = 'gpu';
    await attack.start();

    expect(attack.error).toBeNull();
    expect(fake.callsOf('attack:start')).toEqual([]);
    expect(fake.callsOf('compute:prepare')).toEqual([expect.objectContaining({ method: 'bim', params: expect.objectContaining({ eps: 8 }), limit: 2, sample: 'stratified' })]);
    expect(client.attacked).toEqual([{ fingerprint: 'f'.repeat(64), spec: prepared().spec, n: 2 }]);
    const [sent] = fake.callsOf('compute:record');
    expect(sent).toMatchObject({ modelFingerprint: 'f'.repeat(64), backend: 'webgl', device: SWIFTSHADER, request: fake.callsOf('compute:prepare')[0] });
    expect(sent.adversarial.map((a) => [a.relPath, [...a.data], a.steps])).toEqual([['Sandal/0.png', [11, 21, 31, 41], 10], ['Sandal/1.png', [11, 21, 31, 41], 10]]);
    expect(attack.runId).toBe('run-gpu');
    expect(attack.running).toBe(false);
    expect(backendLabel(compute.ran, 'wasm')).toBe('WebGL · SwiftShader');
  });
});
