/**
 * The robustness suite's attack lanes: the suite's attacks are spread over the cores as the
 * attack job does (src/parallel: the calling thread plus worker threads, each with its own wasm
 * backend and model copy, since tfjs-backend-wasm runs one thread per backend in Node). The batch
 * partition and each batch's random stream depend only on (seed, method, batch start), never on
 * the number of lanes, so the suite's numbers are the same on one core or many.
 *
 * Batches: a step on 128 CNN images costs ~12 % less per image than on 32-48 (bench:suite's
 * profile in docs/BENCHMARKS.md), and APGD, FAB and Square drop an image from the batch at its
 * first success, so a large batch wastes nothing on broken images. A small job is cut into at
 * least 8 batches so that the lanes share it; the size depends only on the images attacked (and
 * the model's activation memory), never on the lanes.
 */
import { availableParallelism, loadavg } from 'node:os';
import { getAttack, type AttackImageResult } from '../attacks';
import { currentBackend, type LoadedClassifier } from '../model';
import { AttackPool, attackImagesPartitioned } from '../parallel';
import { activationBytesPerImage, idleCores, memoryBatchCap } from '../parallel/plan';
import type { LabeledImage } from '../shared';

export interface SuiteLanes {
  /** Threads attacking (1: this thread only). */
  readonly count: number;
  /** `onImages`: images finished so far (batches done and in flight), for a long run's progress. */
  run(method: string, params: object, items: readonly LabeledImage[], onImages?: (done: number, total: number) => void): Promise<AttackImageResult[]>;
  close(): Promise<void>;
}

export interface LaneOptions {
  /** Threads to use; default: the idle cores on wasm (one backend per core), 1 on tfjs-node. */
  lanes?: number;
  seed: number;
  batchSize?: number;
  signal?: AbortSignal;
}

export async function openSuiteLanes(model: LoadedClassifier, opts: LaneOptions): Promise<SuiteLanes> {
  const backend = (await currentBackend())?.name;
  const auto = backend === 'tensorflow' ? 1 : idleCores(availableParallelism(), loadavg()[0]);
  // A model built in memory has no folder a worker could load it from.
  const count = model.dir === '(memory)' ? 1 : Math.max(1, opts.lanes ?? auto);
  const pool = count > 1 ? await AttackPool.create({ modelDir: model.dir, workers: count - 1, local: model, backend }) : undefined;
  const perImage = await model.describe().then((d) => activationBytesPerImage(d.layers), () => null);
  return {
    count,
    run: async (method, params, items, onImages) => {
      if (items.length === 0) return [];
      const batchSize = opts.batchSize ?? suiteBatchSize(items.length, perImage);
      const onProgress = onImages && ((p: { imagesDone: number; imagesTotal: number }) => onImages(p.imagesDone, p.imagesTotal));
      const job = { seed: `${opts.seed}:${method}`, batchSize, signal: opts.signal, onProgress };
      return pool ? pool.run(method, params, items, job) : attackImagesPartitioned(getAttack(method), params, items, { classifier: model, ...job });
    },
    close: async () => {
      await pool?.close();
    },
  };
}

/** Between 16 and 128 images, at least 8 batches when there are enough images, within the activation budget. */
export function suiteBatchSize(images: number, bytesPerImage: number | null): number {
  return memoryBatchCap(Math.min(128, Math.max(16, Math.ceil(images / 8))), bytesPerImage);
}
