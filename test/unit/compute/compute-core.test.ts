/**
 * src/compute, the compute context's core, on the Node backend (the GPU half is
 * test/e2e/gpu-parity.spec.ts): it must run the engine's attacks with the engine's batch
 * partition and RNG streams, so on one backend its bytes equal the engine's, EOT included; it
 * refuses model bytes that are not the engine's model; and the layering rule keeps tfjs inside
 * renderer/src/compute.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getAttack } from '../../../src/attacks';
import { computeBatchRng, loadComputeModel, runComputeAttack } from '../../../src/compute';
import { DEFAULT_MODEL_DIR, loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { attackImagesPartitioned, batchRng } from '../../../src/parallel';
import { openImages } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';
import { parseImports, resolveRelative } from '../../../scripts/deps-graph.mjs';
import { checkImport, isNodeBuiltin } from '../../../scripts/layering.mjs';

vi.setConfig({ testTimeout: 240_000 });

const root = path.resolve(__dirname, '../../..');
let engineModel: LoadedClassifier;
let computeModel: LoadedClassifier;
let items: LabeledImage[];

async function modelBytes(): Promise<{ modelJSON: string; weights: Record<string, Uint8Array>; card: unknown }> {
  const modelJSON = await readFile(path.join(DEFAULT_MODEL_DIR, 'model.json'), 'utf8');
  const weights: Record<string, Uint8Array> = {};
  for (const g of JSON.parse(modelJSON).weightsManifest as { paths: string[] }[]) for (const p of g.paths) weights[p] = await readFile(path.join(DEFAULT_MODEL_DIR, p));
  return { modelJSON, weights, card: JSON.parse(await readFile(path.join(DEFAULT_MODEL_DIR, 'model-card.json'), 'utf8')) };
}

beforeAll(async () => {
  await selectBackend();
  engineModel = await loadClassifier('default');
  computeModel = await loadComputeModel(await modelBytes(), engineModel.fingerprint);
  const all = (await openImages('samples', engineModel)).items;
  items = Array.from({ length: 10 }, (_, i) => all[(i * 19) % all.length]);
});
afterAll(() => {
  engineModel?.dispose();
  computeModel?.dispose();
});

describe('runComputeAttack', () => {
  it('draws each batch from the same stream as the engine (src/parallel batchRng)', () => {
    for (const [seed, start] of [[0, 0], [21, 32], ['x', 4]] as const) {
      const a = computeBatchRng(seed, start);
      const b = batchRng(seed, start);
      expect(Array.from({ length: 8 }, () => a.next())).toEqual(Array.from({ length: 8 }, () => b.next()));
    }
    expect(computeBatchRng(1, 0).next()).not.toBe(computeBatchRng(1, 4).next());
  });

  it.each([
    ['bim', { eps: 8, iterations: 5 }],
    ['eot-pgd', { eps: 8, iterations: 3, samples: 2, distribution: 'photometric' }],
  ])('%s: the same bytes, decisions and steps as the engine on the same backend, batches of 4', async (id, params) => {
    const engine = await attackImagesPartitioned(getAttack(id), params, items, { classifier: engineModel, seed: 5, batchSize: 4 });
    const seen: number[] = [];
    const compute = await runComputeAttack(computeModel, { method: id, params, seed: 5, batchSize: 4 }, items, { onBatch: (_r, start) => void seen.push(start) });
    expect(seen).toEqual([0, 4, 8]);
    expect(compute.map((r) => r.relPath)).toEqual(items.map((i) => i.relPath));
    expect(compute.map((r) => Buffer.from(r.adversarial.data).toString('base64'))).toEqual(engine.map((r) => Buffer.from(r.adversarial.data).toString('base64')));
    expect(compute.map((r) => [r.success, r.steps])).toEqual(engine.map((r) => [r.success, r.steps]));
    // Not vacuous: the attack moved pixels.
    expect(compute.filter((r, i) => r.linf > 0 && !Buffer.from(r.adversarial.data).equals(Buffer.from(items[i].image.data))).length).toBe(items.length);
  });

  it('leaves no tensors behind (a job, and a cancelled one)', async () => {
    const before = tf.memory().numTensors;
    await runComputeAttack(computeModel, { method: 'eot-pgd', params: { eps: 8, iterations: 2, samples: 2, distribution: 'photometric' }, seed: 1, batchSize: 4 }, items.slice(0, 6));
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    const job = runComputeAttack(computeModel, { method: 'bim', params: { eps: 8, iterations: 20 }, seed: 1, batchSize: 4 }, items, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step >= 2) controller.abort();
      },
    });
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops between steps when cancelled, and rejects a bad batch size', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runComputeAttack(computeModel, { method: 'fgsm', params: { eps: 8 }, seed: 0, batchSize: 4 }, items, { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(runComputeAttack(computeModel, { method: 'fgsm', params: { eps: 8 }, seed: 0, batchSize: 0 }, items)).rejects.toMatchObject({ code: 'bad-argument' });
  });
});

describe('loadComputeModel', () => {
  it('refuses bytes whose fingerprint is not the engine model\'s, naming both', async () => {
    await expect(loadComputeModel(await modelBytes(), 'f'.repeat(64))).rejects.toMatchObject({ code: 'bad-model', message: expect.stringContaining("not the engine's ffffffffffff") });
  });
});

describe('the compute context\'s layering rule', () => {
  // As eslint.config.js resolves: a specifier names a file, or a folder's index file.
  const isFile = (f: string) => statSync(f, { throwIfNoEntry: false })?.isFile() ?? false;
  const check = (from: string, spec: string) => checkImport({ file: path.join(root, from), spec, typeOnly: false, root, exists: isFile });

  it('lets renderer/src/compute load tfjs and src/compute, and nothing Node-side or beyond its modules', () => {
    expect(check('renderer/src/compute/compute.worker.ts', '@tensorflow/tfjs-core')).toBeNull();
    expect(check('renderer/src/compute/compute.worker.ts', '../../../src/compute')).toBeNull();
    expect(check('renderer/src/compute/compute.worker.ts', 'node:fs')).toMatch(/Web Worker/);
    expect(check('renderer/src/compute/compute.worker.ts', '../../../src/attacks')).toMatch(/may import src\/compute/);
    expect(check('renderer/src/compute/compute.worker.ts', '../../../src/model/node')).toMatch(/may import src\/compute/);
    expect(check('renderer/src/compute/compute.worker.ts', '../stores/app')).toMatch(/self-contained/);
  });

  it('lets the rest of the renderer reach it only through client.ts and protocol.ts, and still load no tfjs', () => {
    expect(check('renderer/src/stores/app.ts', '../compute/client')).toBeNull();
    expect(check('renderer/src/stores/app.ts', '../compute/compute.worker')).toMatch(/only through/);
    expect(check('renderer/src/stores/app.ts', '@tensorflow/tfjs-core')).toMatch(/must not import/);
    expect(check('src/compute/gpu-backend.ts', '@tensorflow/tfjs-backend-webgl')).toBeNull();
    expect(check('src/compute/gpu-backend.ts', '../services')).toMatch(/may not import src\/services/);
  });
});

describe('printshot doctor\'s gpu line', () => {
  it('says whether Node has a GPU path (tfjs-node) and where the WebGL path is', async () => {
    const { gpuStatus } = await import('../../../src/services/doctor');
    const base = { reason: '', versions: {}, gradients: 'input-only' as const };
    expect(gpuStatus({ ...base, name: 'wasm' })).toMatch(/^Node: none \(tfjs-node-gpu is not installed.*workbench: WebGL .*float32/);
    expect(gpuStatus({ ...base, name: 'tensorflow' })).toMatch(/^Node: tfjs-node/);
  });
});

describe('what the compute worker loads', () => {
  /** Every runtime import followed from the worker and the check page (type-only ones are erased). */
  function walk(entries: string[]): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const queue = entries.map((e) => path.join(root, e));
    while (queue.length) {
      const file = queue.pop()!;
      const rel = path.relative(root, file).split(path.sep).join('/');
      if (files.has(rel)) continue;
      files.add(rel);
      for (const imp of parseImports(file)) {
        if (imp.typeOnly) continue;
        if (!imp.spec.startsWith('.')) packages.add(imp.spec);
        else {
          const target = resolveRelative(file, imp.spec);
          if (target && /\.(ts|mts|js|mjs)$/.test(target)) queue.push(target);
        }
      }
    }
    return { files, packages };
  }

  it('reaches the engine\'s attack code and tfjs, and nothing Node-side (no node/ file, no built-in, no sharp)', () => {
    const w = walk(['renderer/src/compute/compute.worker.ts', 'renderer/src/compute/check-page.ts']);
    expect(w.files.has('src/attacks/eot.ts')).toBe(true);
    expect(w.files.has('src/compute/gpu-backend.ts')).toBe(true);
    expect(w.packages.has('@tensorflow/tfjs-backend-webgl')).toBe(true);
    expect([...w.files].filter((f) => f.includes('/node/'))).toEqual([]);
    expect([...w.packages].filter((p) => isNodeBuiltin(p) || /^(sharp|pdfkit|electron|commander)$/.test(p))).toEqual([]);
  });

  it('is not reached from the page side: client.ts and protocol.ts load no tfjs', () => {
    const w = walk(['renderer/src/compute/client.ts']);
    expect([...w.packages]).toEqual([]);
    expect([...w.files].sort()).toEqual(['renderer/src/compute/client.ts']);
  });
});
