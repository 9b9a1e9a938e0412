/**
 * The fixed batch partition shared by the in-process and the worker paths. Worker-count
 * invariance rests on two rules: batches are cut at the same indices whatever the worker count,
 * and each batch draws from its own RNG stream derived from (seed, batch start). Which worker
 * runs a batch, and in what order, then cannot change a single byte of the output.
 */
import { attackImages, type AttackDescriptor, type AttackImageResult, type AttackJobProgress } from '../attacks';
import type { Classifier } from '../model/classifier';
import { createRng, throwIfAborted, type LabeledImage, type Rng } from '../shared';

export const DEFAULT_BATCH_SIZE = 32;

export interface BatchSpan {
  /** Index of the batch's first image in the job's item list. */
  readonly start: number;
  readonly end: number;
}

export function partitionBatches(total: number, batchSize = DEFAULT_BATCH_SIZE): BatchSpan[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const spans: BatchSpan[] = [];
  for (let start = 0; start < total; start += batchSize) spans.push({ start, end: Math.min(total, start + batchSize) });
  return spans;
}

/** The RNG stream of the batch starting at `start`; a string seed keeps streams independent. */
export function batchRng(seed: number | string, start: number): Rng {
  return createRng(`${seed}:${start}`);
}

/**
 * Attacks one batch exactly as a worker does. Both paths go through here so that "same bytes
 * for any worker count, in-process included" is true by construction and checked by a test.
 */
export function attackBatch(
  attack: AttackDescriptor,
  rawParams: unknown,
  batchItems: readonly LabeledImage[],
  start: number,
  opts: { classifier: Classifier; seed: number | string; signal?: AbortSignal; onProgress?: (p: AttackJobProgress) => void | Promise<void> },
): Promise<AttackImageResult[]> {
  return attackImages(attack, rawParams, batchItems, {
    classifier: opts.classifier,
    rng: batchRng(opts.seed, start),
    signal: opts.signal,
    batchSize: batchItems.length,
    onProgress: opts.onProgress,
  });
}

export interface PartitionedOptions {
  readonly classifier: Classifier;
  readonly seed: number | string;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: AttackJobProgress) => void | Promise<void>;
  readonly onBatch?: (results: AttackImageResult[]) => void | Promise<void>;
}

/** The single-process reference: same partition and streams as attackImagesParallel, one thread. */
export async function attackImagesPartitioned(
  attack: AttackDescriptor,
  rawParams: unknown,
  items: readonly LabeledImage[],
  opts: PartitionedOptions,
): Promise<AttackImageResult[]> {
  const results: AttackImageResult[] = [];
  // onBatch (PNG encoding, writes) of one batch runs while the next is attacked; at most one is
  // pending, and batches are handed over in order, each after the previous one's onBatch ended.
  let pending: Promise<void> = Promise.resolve();
  for (const { start, end } of partitionBatches(items.length, opts.batchSize)) {
    throwIfAborted(opts.signal);
    const batch = await attackBatch(attack, rawParams, items.slice(start, end), start, {
      classifier: opts.classifier,
      seed: opts.seed,
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ ...p, imagesDone: start + p.imagesDone, imagesTotal: items.length }),
    });
    results.push(...batch);
    await pending;
    pending = Promise.resolve(opts.onBatch?.(batch));
    // Handled here so that a failed write does not count as unhandled before it is awaited.
    pending.catch(() => undefined);
  }
  await pending;
  return results;
}
