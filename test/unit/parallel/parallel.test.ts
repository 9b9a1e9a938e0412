/**
 * The parallel engine: the same seed gives the same PNG bytes whatever the worker count (and
 * in-process), workers leak no tensors over 1,000 attack steps, and cancellation reaches them.
 * Real worker threads on the bundled model, wasm backend.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getAttack, type AttackImageResult } from '../../../src/attacks';
import { encodePng } from '../../../src/images';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { AttackPool, attackImagesParallel, attackImagesPartitioned, partitionBatches, type WorkerBatchReport } from '../../../src/parallel';
import { isPrintshotError, type LabeledImage } from '../../../src/shared';
import { openImages } from '../../../src/services/sources';

// Real workers on a shared 2-core machine: allow for heavy load from other jobs.
vi.setConfig({ testTimeout: 240_000 });

let model: LoadedClassifier;
let items: LabeledImage[];

beforeAll(async () => {
  await selectBackend();
  model = await loadClassifier('default');
  // 16 images spread over the classes; batch 4 gives 4 batches, so 2 workers really split.
  const all = (await openImages('samples', model)).items;
  items = Array.from({ length: 16 }, (_, i) => all[(i * 13) % all.length]);
});
afterAll(() => model?.dispose());

async function pngs(results: AttackImageResult[]): Promise<string[]> {
  return Promise.all(results.map(async (r) => `${r.relPath}:${(await encodePng(r.adversarial)).toString('base64')}`));
}

describe('partitionBatches', () => {
  it('cuts at fixed indices independent of anything but size and batch size', () => {
    expect(partitionBatches(10, 4)).toEqual([{ start: 0, end: 4 }, { start: 4, end: 8 }, { start: 8, end: 10 }]);
    expect(partitionBatches(0, 4)).toEqual([]);
    expect(() => partitionBatches(3, 0)).toThrow(RangeError);
  });
});

describe.each([
  ['fgsm', { eps: 8 }],
  ['bim', { eps: 8, iterations: 20 }],
  // PGD's random start is the real test: it draws from the per-batch RNG streams.
  ['pgd', { eps: 8, iterations: 20 }],
])('%s: same seed, same PNG bytes for any worker count', (id, params) => {
  it('in-process, 1 worker and 2 workers agree byte for byte', async () => {
    const opts = { seed: 'inv-7', batchSize: 4 };
    const inProcess = await pngs(await attackImagesPartitioned(getAttack(id), params, items, { ...opts, classifier: model }));
    const one = await pngs(await attackImagesParallel(id, params, items, { ...opts, modelDir: 'default', workers: 1 }));
    const reports: WorkerBatchReport[] = [];
    let persisted = 0;
    // A slow onBatch: the job must not resolve before the last one has finished.
    const onBatch = async (b: AttackImageResult[]): Promise<void> => {
      await new Promise((r) => setTimeout(r, 50));
      persisted += b.length;
    };
    const two = await pngs(
      await attackImagesParallel(id, params, items, { ...opts, modelDir: 'default', workers: 2, onBatch, onWorkerReport: (r) => reports.push(r) }),
    );
    expect(persisted).toBe(16);
    expect(inProcess).toHaveLength(16);
    expect(one).toEqual(inProcess);
    expect(two).toEqual(inProcess);
    // The pool starts dispatching once every worker is ready, so both get a batch.
    expect(new Set(reports.map((r) => r.worker)).size).toBe(2);
    if (id === 'pgd') {
      const otherSeed = await pngs(await attackImagesPartitioned(getAttack(id), params, items, { batchSize: 4, seed: 'inv-8', classifier: model }));
      expect(otherSeed).not.toEqual(inProcess);
    }
  });
});

describe('the local lane', () => {
  it('attacks on the main thread next to a worker, with the bytes of the in-process path', async () => {
    const params = { eps: 8, iterations: 5 };
    const opts = { seed: 'local-1', batchSize: 2 };
    const inProcess = await pngs(await attackImagesPartitioned(getAttack('pgd'), params, items, { ...opts, classifier: model }));
    const alone = await AttackPool.create({ modelDir: 'default', workers: 0, local: model });
    expect(await pngs(await alone.run('pgd', params, items, opts))).toEqual(inProcess);
    await alone.close();
    const pool = await AttackPool.create({ modelDir: 'default', workers: 1, local: model });
    try {
      expect(pool.size).toBe(2);
      // create() returns before the worker is ready; wait, so that both lanes surely get batches.
      await pool.started;
      const reports: WorkerBatchReport[] = [];
      const mixed = await pngs(await pool.run('pgd', params, items, { ...opts, onWorkerReport: (r) => reports.push(r) }));
      expect(mixed).toEqual(inProcess);
      // Lane 0 is the worker thread, lane 1 the main thread.
      expect(new Set(reports.map((r) => r.worker))).toEqual(new Set([0, 1]));
    } finally {
      await pool.close();
    }
  });

  it('stops at the next step when the job is cancelled, and runs the next job', async () => {
    const pool = await AttackPool.create({ modelDir: 'default', workers: 0, local: model });
    try {
      const controller = new AbortController();
      let lastStep = 0;
      const job = pool.run('bim', { eps: 8, iterations: 500 }, items, {
        seed: 1,
        batchSize: 4,
        signal: controller.signal,
        onProgress: (p) => {
          lastStep = p.step;
          if (p.step >= 3) controller.abort();
        },
      });
      await expect(job).rejects.toSatisfy(isPrintshotError);
      await expect(job).rejects.toMatchObject({ code: 'cancelled' });
      expect(lastStep).toBeLessThan(10);
      const inProcess = await pngs(await attackImagesPartitioned(getAttack('fgsm'), { eps: 8 }, items.slice(0, 4), { classifier: model, seed: 1 }));
      expect(await pngs(await pool.run('fgsm', { eps: 8 }, items.slice(0, 4), { seed: 1 }))).toEqual(inProcess);
    } finally {
      await pool.close();
    }
  });
});

describe('workers', () => {
  it('leak no tensors over 1,000 attack steps in each worker', async () => {
    const reports: WorkerBatchReport[] = [];
    // Two one-image batches of 1,000 BIM steps: the pool dispatches once both workers are ready,
    // so each worker runs one batch of 1,000 steps.
    const results = await attackImagesParallel('bim', { eps: 8, iterations: 1000 }, items.slice(0, 2), {
      modelDir: 'default',
      workers: 2,
      seed: 1,
      batchSize: 1,
      onWorkerReport: (r) => reports.push(r),
    });
    expect(results.every((r) => r.steps === 1000)).toBe(true);
    expect(new Set(reports.map((r) => r.worker))).toEqual(new Set([0, 1]));
    for (const r of reports) {
      expect(r.tensorsBefore).toBeGreaterThan(0); // the model's weights
      expect(r.tensorsAfter).toBe(r.tensorsBefore);
    }
  });

  it('stop when the job is cancelled, and the pool runs the next job correctly', async () => {
    const pool = await AttackPool.create({ modelDir: 'default', workers: 2 });
    try {
      const controller = new AbortController();
      let abortedAt = 0;
      const job = pool.run('bim', { eps: 8, iterations: 10_000 }, items.slice(0, 4), {
        seed: 1,
        batchSize: 2,
        signal: controller.signal,
        onProgress: () => {
          if (abortedAt) return;
          abortedAt = performance.now();
          controller.abort();
        },
      });
      const err = await job.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPrintshotError(err) && err.code).toBe('cancelled');
      // Settled by the workers' own 'cancelled' answers at their next step, not a timeout.
      expect(performance.now() - abortedAt).toBeLessThan(1_500);
      const params = { eps: 8, iterations: 3 };
      const again = await pngs(await pool.run('pgd', params, items, { seed: 5, batchSize: 4 }));
      const local = await pngs(await attackImagesPartitioned(getAttack('pgd'), params, items, { seed: 5, batchSize: 4, classifier: model }));
      expect(again).toEqual(local);
    } finally {
      await pool.close();
    }
    await expect(pool.run('fgsm', { eps: 8 }, items, { seed: 1 })).rejects.toThrow(/closed/);
  });

  it('run on the threaded wasm build (wasmThreads: 2) with the same bytes', async () => {
    const params = { eps: 8, iterations: 5 };
    const pool = await AttackPool.create({ modelDir: 'default', workers: 1, wasmThreads: 2 });
    try {
      expect(pool.backendThreads).toEqual([2]);
      const threaded = await pngs(await pool.run('pgd', params, items, { seed: 3, batchSize: 8 }));
      const local = await pngs(await attackImagesPartitioned(getAttack('pgd'), params, items, { seed: 3, batchSize: 8, classifier: model }));
      expect(threaded).toEqual(local);
    } finally {
      await pool.close();
    }
  });

  it('copies images that are Buffer views onto one buffer (IDX) instead of detaching it', async () => {
    // loadIdxDataset's images are Buffer views onto the whole decompressed file.
    const shared = Buffer.alloc(items.length * items[0].image.data.length);
    const views = items.map((it, i) => {
      const data = shared.subarray(i * it.image.data.length, (i + 1) * it.image.data.length);
      data.set(it.image.data);
      return { ...it, image: { ...it.image, data } };
    });
    const params = { eps: 8, iterations: 2 };
    const opts = { seed: 'views-1', batchSize: 4 };
    const expected = await pngs(await attackImagesPartitioned(getAttack('bim'), params, items, { ...opts, classifier: model }));
    const pool = await AttackPool.create({ modelDir: 'default', workers: 1, local: model });
    try {
      await pool.started;
      expect(await pngs(await pool.run('bim', params, views, opts))).toEqual(expected);
      expect(shared.buffer.byteLength).toBeGreaterThan(0);
      expect(views.every((v, i) => Buffer.compare(Buffer.from(v.image.data), Buffer.from(items[i].image.data)) === 0)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('rejects a bad parameter before starting any worker', async () => {
    await expect(attackImagesParallel('bim', { eps: -1 }, items, { modelDir: 'default', seed: 1 })).rejects.toThrow();
  });
});
