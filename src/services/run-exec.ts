/**
 * Running an attack run's batches into its experiment and recording how the run ended: the one
 * path for a fresh run (attack-job.ts) and a resumed one (run-resume.ts), so that both cut the
 * images into the same partition and draw each batch from the same RNG stream
 * (batchRng(seed, start), src/parallel/partition.ts). A resumed run therefore redoes exactly the
 * batches its manifest lacks and ends byte-identical to a run that was never interrupted.
 *
 * Lifecycle: an abort ends the run 'cancelled', any other error 'failed' with its message, both
 * with the images recorded so far; only a killed process leaves 'running' (read as 'interrupted').
 */
import { getAttack, type AttackImageResult, type AttackJobProgress } from '../attacks';
import type { LoadedClassifier } from '../model';
import { summarizeAttack, type AttackSummary } from '../metrics/attack-summary';
import { attackBatch, partitionBatches, type AttackPool, type BatchSpan } from '../parallel';
import { isBatchInvariant } from '../parallel/plan';
import { isPrintshotError, log, PrintshotError, throwIfAborted, type LabeledImage } from '../shared';
import { completeRun, stopRun, writeAdversarialImage, writeRunManifest, type RunImage, type RunManifest, type RunRecord } from '../workspace';

export interface RunPlan {
  /** The run's inputs in job order: batch k covers items[k·batchSize …]. */
  items: readonly LabeledImage[];
  batchSize: number;
  /** The batches still to attack (every batch for a fresh run). */
  todo: readonly BatchSpan[];
  /**
   * The batches this run covers: a shard's (src/services/shard.ts), whose images and progress
   * count alone. Absent: the whole partition.
   */
  spans?: readonly BatchSpan[];
}

/** Images the run covers: its shard's batches, else all of `items`. */
export function planTotal(plan: RunPlan): number {
  return plan.spans ? plan.spans.reduce((n, s) => n + s.end - s.start, 0) : plan.items.length;
}

/**
 * The plan that finishes `manifest`'s run over `given` images: the run's recorded inputs in their
 * recorded order (all of `given`, for a manifest from before inputs were recorded), its batch
 * size (or `fallbackBatch`), and the batches with an image the manifest does not record. Rows of
 * such a batch are dropped from the manifest, since the batch is redone whole.
 */
export function planResume(manifest: RunManifest, given: readonly LabeledImage[], fallbackBatch: number, runDir: string): RunPlan {
  let items = given;
  if (manifest.inputs) {
    const byRel = new Map(given.map((it) => [it.relPath, it]));
    const missing = manifest.inputs.find((rel) => !byRel.has(rel));
    if (missing) throw new PrintshotError('bad-experiment', `run ${runDir} attacks '${missing}', which is not among the images given`, 'resume it with the images it was started with');
    items = manifest.inputs.map((rel) => byRel.get(rel)!);
  }
  const batchSize = manifest.batchSize ?? fallbackBatch;
  const done = new Set(manifest.images.map((im) => im.relPath));
  const todo = partitionBatches(items.length, batchSize).filter((s) => items.slice(s.start, s.end).some((it) => !done.has(it.relPath)));
  const redo = new Set(todo.flatMap((s) => items.slice(s.start, s.end).map((it) => it.relPath)));
  manifest.images = manifest.images.filter((im) => !redo.has(im.relPath) && items.some((it) => it.relPath === im.relPath));
  return { items, batchSize, todo };
}

export interface ExecuteOptions {
  classifier: LoadedClassifier;
  /** Worker threads; used for a fresh run, and for a resume when the attack's bytes do not depend on the partition. */
  pool?: AttackPool;
  /** The batch size the pool cuts with (any, for a partition-invariant attack). */
  poolBatchSize?: number;
  signal?: AbortSignal;
  /** imagesDone and imagesTotal count the whole run, images recorded before a resume included. */
  onProgress?: (p: AttackJobProgress) => void;
}

export interface ExecutedRun {
  run: RunRecord;
  manifest: RunManifest;
  summary: AttackSummary;
}

/**
 * Attacks `plan.todo` into the running `run`, appending each batch to `manifest` (written after
 * every batch), then completes the run; on an error, records it cancelled or failed and rethrows.
 */
export async function executeRun(dir: string, run: RunRecord, manifest: RunManifest, plan: RunPlan, opts: ExecuteOptions): Promise<ExecutedRun> {
  const attack = getAttack(manifest.method);
  const { items, todo } = plan;
  const total = planTotal(plan);
  const alreadyDone = total - todo.reduce((n, s) => n + s.end - s.start, 0);
  let persisted: Promise<void> = Promise.resolve();
  // Batches are persisted one at a time, whole, so the manifest always lists complete batches.
  const onBatch = (batch: AttackImageResult[]): Promise<void> =>
    (persisted = persisted.then(async () => {
      const rows: RunImage[] = await Promise.all(batch.map((r) => toRunImage(dir, run, r)));
      manifest.images.push(...rows);
      await writeRunManifest(dir, run, manifest);
    }));
  try {
    const whole = todo.length === partitionBatches(items.length, plan.batchSize).length;
    if (opts.pool && (whole || isBatchInvariant(attack.id, manifest.params))) {
      const todoItems = todo.flatMap((s) => items.slice(s.start, s.end));
      await opts.pool.run(attack.id, manifest.params, todoItems, {
        seed: manifest.seed,
        signal: opts.signal,
        batchSize: whole ? plan.batchSize : opts.poolBatchSize ?? plan.batchSize,
        onProgress: (p) => opts.onProgress?.({ ...p, imagesDone: alreadyDone + p.imagesDone, imagesTotal: total }),
        onBatch,
      });
    } else {
      await attackSpans(attack, manifest, items, todo, { done: alreadyDone, total }, opts, onBatch);
    }
    await persisted;
  } catch (e) {
    await persisted.catch(() => undefined);
    const cancelled = opts.signal?.aborted === true || (isPrintshotError(e) && e.code === 'cancelled');
    const reason = cancelled ? 'cancelled by the user' : e instanceof Error ? e.message : String(e);
    await stopRun(dir, run.id, cancelled ? 'cancelled' : 'failed', reason, manifest.images.length).catch((err: unknown) =>
      log.warn(`run ${run.dir}: could not record that it ${cancelled ? 'was cancelled' : 'failed'} (${(err as Error).message})`),
    );
    throw e;
  }
  // Batches finish out of order on workers: the final manifest lists images in input order.
  const order = new Map(items.map((it, i) => [it.relPath, i]));
  const images = [...manifest.images].sort((a, b) => (order.get(a.relPath) ?? 0) - (order.get(b.relPath) ?? 0));
  const summary = summarizeAttack(images);
  const final: RunManifest = { ...manifest, images, finishedAt: new Date().toISOString(), summary: { ...summary, ...(alreadyDone > 0 ? { resumed: true } : {}) } };
  await writeRunManifest(dir, run, final);
  return { run: await completeRun(dir, run.id), manifest: final, summary };
}

/** The in-process path: each batch of `todo` attacked with its own stream, as attackImagesPartitioned does. */
async function attackSpans(
  attack: ReturnType<typeof getAttack>,
  manifest: RunManifest,
  items: readonly LabeledImage[],
  todo: readonly BatchSpan[],
  count: { done: number; total: number },
  opts: ExecuteOptions,
  onBatch: (batch: AttackImageResult[]) => Promise<void>,
): Promise<void> {
  let done = count.done;
  // A batch's PNGs are written while the next one is attacked; at most one write is pending.
  let pending: Promise<void> = Promise.resolve();
  for (const span of todo) {
    throwIfAborted(opts.signal);
    const base = done;
    const batch = await attackBatch(attack, manifest.params, items.slice(span.start, span.end), span.start, {
      classifier: opts.classifier,
      seed: manifest.seed,
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ ...p, imagesDone: base + p.imagesDone, imagesTotal: count.total }),
    });
    done += batch.length;
    await pending;
    pending = onBatch(batch);
    pending.catch(() => undefined);
  }
  await pending;
}

/** Writes one result's PNG and returns its manifest row. */
export async function toRunImage(dir: string, run: RunRecord, r: AttackImageResult): Promise<RunImage> {
  const { file, sha256 } = await writeAdversarialImage(dir, run, r.relPath, r.adversarial);
  return {
    relPath: r.relPath,
    label: r.label,
    file,
    sha256,
    cleanTop5: r.cleanTop.slice(0, 5),
    advTop5: r.advTop.slice(0, 5),
    success: r.success,
    ...(r.target !== undefined ? { target: r.target } : {}),
    linf: r.linf,
    l2: r.l2,
    steps: r.steps,
  };
}
