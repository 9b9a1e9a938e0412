/**
 * One attack job in the compute context: the engine's attack code (src/attacks' attackImages,
 * the registry's descriptors), the engine's batch partition and RNG streams, on whatever backend
 * is installed (webgl in the worker). Nothing attack-specific lives here: FGSM, BIM, EOT-PGD and
 * the rest run exactly as `printshot attack` runs them, so a GPU run and a wasm run of the same
 * job differ only by the backends' floating-point arithmetic (docs/gpu.md gives the tolerance).
 *
 * Batches and streams: images are cut into batches of `batchSize` at fixed indices, and the
 * batch starting at index s draws from createRng(`${seed}:${s}`), the stream src/parallel's
 * batchRng gives the engine (a unit test checks the two agree), so EOT's random transformations
 * are the same draws on both paths.
 */
import { attackImages, getAttack, type AttackImageResult, type AttackJobProgress } from '../attacks';
import { loadClassifierFromMemory, type InMemoryModel, type LoadedClassifier } from '../model';
import { createRng, PrintshotError, throwIfAborted, type LabeledImage, type Rng } from '../shared';

export interface ComputeAttackRequest {
  /** A registered attack id (fgsm, bim, eot-pgd, …). */
  readonly method: string;
  /** Its parameters as `printshot attack` takes them (parsed by the attack's schema). */
  readonly params: unknown;
  readonly seed: number | string;
  /** Images per batch; the engine's default is 32. Must match the engine run for equal streams. */
  readonly batchSize: number;
}

export interface ComputeAttackOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: AttackJobProgress) => void | Promise<void>;
  readonly onBatch?: (results: AttackImageResult[], start: number) => void | Promise<void>;
}

/** The RNG stream of the batch starting at `start`: the same key as src/parallel's batchRng. */
export function computeBatchRng(seed: number | string, start: number): Rng {
  return createRng(`${seed}:${start}`);
}

/**
 * Loads model bytes with the engine's checks (format, card, gradient probe) and, when the engine
 * gave one, refuses bytes whose fingerprint differs from the model the engine has loaded.
 */
export async function loadComputeModel(model: InMemoryModel, expectedFingerprint?: string): Promise<LoadedClassifier> {
  const classifier = await loadClassifierFromMemory(model);
  if (expectedFingerprint && classifier.fingerprint !== expectedFingerprint) {
    classifier.dispose();
    throw new PrintshotError('bad-model', `the model bytes fetched for the compute context have fingerprint ${classifier.fingerprint.slice(0, 12)}, not the engine's ${expectedFingerprint.slice(0, 12)}`, 'reload the model and start the job again');
  }
  return classifier;
}

/** Attacks `items` batch by batch (fixed partition, per-batch streams); results in input order. */
export async function runComputeAttack(
  classifier: LoadedClassifier,
  req: ComputeAttackRequest,
  items: readonly LabeledImage[],
  opts: ComputeAttackOptions = {},
): Promise<AttackImageResult[]> {
  if (!Number.isInteger(req.batchSize) || req.batchSize < 1) throw new PrintshotError('bad-argument', `batch size must be a positive integer, got ${req.batchSize}`);
  const attack = getAttack(req.method);
  const results: AttackImageResult[] = [];
  for (let start = 0; start < items.length; start += req.batchSize) {
    throwIfAborted(opts.signal);
    const batch = items.slice(start, start + req.batchSize);
    const done = results.length;
    const out = await attackImages(attack, req.params, batch, {
      classifier,
      rng: computeBatchRng(req.seed, start),
      signal: opts.signal,
      batchSize: batch.length,
      onProgress: (p) => opts.onProgress?.({ ...p, imagesDone: done + p.imagesDone, imagesTotal: items.length }),
    });
    results.push(...out);
    await opts.onBatch?.(out, start);
  }
  return results;
}
