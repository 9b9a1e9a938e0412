/**
 * An attack job end to end: load the model and images, validate parameters before touching
 * disk, then write clean PNGs, the run's adversarial PNGs and its manifest into an experiment
 * folder. Every file is written atomically; the manifest exists (with no images) before the run
 * is listed in experiment.json and is rewritten after each batch, so a job killed at any point
 * leaves complete files and a run that can be resumed. Rerunning the same job (same method,
 * parsed parameters, seed, model and images) into the same folder resumes its cancelled or
 * interrupted run in place, redoing only the missing batches (run-exec.ts); any other job adds a
 * run and never modifies earlier ones.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { getAttack, parseAttackParams, type AttackImageResult, type AttackJobProgress } from '../attacks';
import { currentBackend, DEFAULT_MODEL_DIR, type LoadedClassifier } from '../model/node';
import type { InputSpec } from '../model/classifier';
import { AttackPool, DEFAULT_BATCH_SIZE, defaultWorkerCount, partitionBatches } from '../parallel';
import { ACTIVATION_BUDGET_BYTES, activationBytesPerImage, idleCores, isBatchInvariant, memoryBatchCap, planWorkers, splitBatchSize, stepsPerImage, type WorkerPlan } from '../parallel/plan';
import { sampleItems, type FitMode, type SampleMode, type SamplingRecord } from '../images';
import { summarizeAttack, type AttackSummary } from '../metrics/attack-summary';
import { log, type LabeledImage } from '../shared';
import { openOrCreateExperiment, readRunManifest, reopenRun, startRun, stopRun, writeCleanImages, type RunManifest, type RunRecord } from '../workspace';
import { executeRun, planResume, planTotal, type RunPlan } from './run-exec';
import { findResumableRun } from './run-reuse';
import { inputsSha256, shardItems, shardSpans, shardText, type Shard } from './shard';
import { openImages, openModel } from './sources';

export interface AttackJobSpec {
  model: string;
  images: string;
  method: string;
  params: Record<string, unknown>;
  seed: number | string;
  batchSize?: number;
  /**
   * Threads attacking batches: the main thread, plus N − 1 worker threads with their own backend
   * and copy of the model (src/parallel). Default 1: in-process. The same seed gives the same
   * bytes for any count (fixed batch partition, one RNG stream per batch); more than one needs a
   * model folder and more than one batch. 'auto': as many as pay for their start-up, up to one per
   * core (planWorkers, src/parallel/plan.ts).
   */
  workers?: number | 'auto';
  /** Attack only this many images, chosen by `sample` (default 'first') with the job's seed. */
  limit?: number;
  sample?: SampleMode;
  /** Recorded in the run manifest: how the images were chosen (set by runAttackJob from limit/sample). */
  sampling?: SamplingRecord;
  /** How images of another aspect ratio reach the model's size (default 'fill'); recorded in experiment.json. */
  fit?: FitMode;
  /** Leave out image files that cannot be read instead of failing (--skip-unreadable). */
  skipUnreadable?: boolean;
  out: string;
  /**
   * Called once the run is listed in experiment.json, with its manifest already on disk: from
   * then on the run can be resumed (the engine records it for a crash).
   */
  onRun?: (run: RunRecord) => void;
  /**
   * The id of a cancelled, failed or interrupted run to resume (`printshot runs resume`, the
   * engine's job:resume); its manifest's parameters, seed, inputs and batch size then apply.
   * Without it, a matching cancelled or interrupted run is found and resumed, if there is one.
   */
  resume?: string;
  signal?: AbortSignal;
  /**
   * Compute only shard i of N of the job (src/services/shard.ts): batches i − 1, i − 1 + N, … of its
   * fixed partition, each with its one-machine RNG stream, into a run whose manifest records the
   * shard and the job's inputs; `printshot experiments merge` joins the N shards.
   */
  shard?: Shard;
  /** imagesDone / imagesTotal count the whole run, images done before a resume included. */
  onProgress?: (p: AttackJobProgress) => void;
}

/** The run's summary: src/metrics/attack-summary.ts. */
export type { AttackSummary };

export interface AttackJobResult {
  experimentDir: string;
  run: RunRecord;
  manifest: RunManifest;
  summary: AttackSummary;
  /** For a resumed run: the images it had recorded before this job. */
  resumedFrom?: number;
}

export async function runAttackJob(spec: AttackJobSpec): Promise<AttackJobResult> {
  const attack = getAttack(spec.method);
  const params = parseAttackParams(attack, spec.params) as Record<string, unknown>;
  // The images decode (sharp, on libuv's threads) while the model loads, when its card gives the
  // labels and input size up front; a card the loaded model contradicts means decoding again.
  const card = await cardInput(spec.model);
  const early = card ? openImages(spec.images, card, { fit: spec.fit, skipUnreadable: spec.skipUnreadable }) : undefined;
  early?.catch(() => undefined);
  const model = await openModel(spec.model);
  try {
    const data = early && sameInput(card!, model) ? await early : await openImages(spec.images, model, { fit: spec.fit, skipUnreadable: spec.skipUnreadable });
    const { items, sampling } = sampleItems(data.items, spec.limit, spec.sample ?? 'first', spec.seed);
    return await attackIntoExperiment(model, items, data.root, { ...spec, method: attack.id, params, fit: data.fit, sampling });
  } finally {
    model.dispose();
  }
}

type InputOf = Pick<LoadedClassifier, 'labels' | 'inputSpec'>;

/** Labels and input size from a model folder's model-card.json, if it has a usable one. */
async function cardInput(spec: string): Promise<InputOf | undefined> {
  const dir = spec === 'default' ? DEFAULT_MODEL_DIR : spec.endsWith('model.json') ? path.dirname(spec) : spec;
  try {
    const card = JSON.parse(await readFile(path.join(dir, 'model-card.json'), 'utf8')) as { labels?: unknown; input?: Partial<InputSpec> };
    const { labels, input } = card;
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string') || !input) return undefined;
    if (!Number.isInteger(input.height) || !Number.isInteger(input.width) || (input.channels !== 1 && input.channels !== 3)) return undefined;
    return { labels, inputSpec: { height: input.height!, width: input.width!, channels: input.channels } };
  } catch {
    return undefined;
  }
}

function sameInput(a: InputOf, b: InputOf): boolean {
  const [x, y] = [a.inputSpec, b.inputSpec];
  return x.height === y.height && x.width === y.width && x.channels === y.channels && a.labels.length === b.labels.length && a.labels.every((l, i) => l === b.labels[i]);
}

/** The part shared with the demo and the engine: images already loaded, params already valid. */
export async function attackIntoExperiment(
  model: LoadedClassifier,
  items: readonly LabeledImage[],
  imagesSource: string,
  spec: Omit<AttackJobSpec, 'model' | 'images'>,
): Promise<AttackJobResult> {
  const wanted = spec.batchSize ?? DEFAULT_BATCH_SIZE;
  // Large models at large batches exhaust the wasm heap (a hard abort, not an error): cap the batch
  // by the activation memory one image needs. Depends only on the model, so bytes stay reproducible.
  const summary = await describeModel(model);
  const perImage = summary ? activationBytesPerImage(summary.layers) : null;
  const asked = memoryBatchCap(wanted, perImage);
  if (asked < wanted) log.info(`${getAttack(spec.method).id}: batches of ${asked} instead of ${wanted}: one image's activations take ${((perImage ?? 0) / 2 ** 20).toFixed(0)} MiB, and a batch must stay within ${(ACTIVATION_BUDGET_BYTES / 2 ** 30).toFixed(2)} GiB`);
  // An attack whose images do not interact may be cut into smaller batches than asked, so that a
  // small job keeps every lane busy: the bytes are the same for any partition (plan.ts).
  const splittable = isBatchInvariant(getAttack(spec.method).id, spec.params);
  // A shard keeps the partition asked for: its manifest's batch size is the job's, on every shard.
  // Its worker threads can only help an attack whose bytes ignore the partition (run-exec.ts).
  const own = spec.shard ? shardSpans(partitionBatches(items.length, asked), spec.shard) : undefined;
  const images = own ? own.reduce((n, b) => n + b.end - b.start, 0) : items.length;
  const batches = own ? (splittable ? images : 1) : splittable ? items.length : partitionBatches(items.length, asked).length;
  const lanes = model.dir === '(memory)' ? 1 : await chooseLanes(spec, model, images, batches);
  const batchSize = splittable && !spec.shard ? splitBatchSize(items.length, asked, lanes) : asked;
  if (batchSize < asked) log.info(`${getAttack(spec.method).id}: batches of ${batchSize} instead of ${asked}, so that each of ${lanes} threads gets work`);
  const backend = (await currentBackend())?.name;
  // Worker threads start now and load their model copies while this thread writes the
  // experiment folder and the clean PNGs; the main thread attacks too (the pool's local lane),
  // so N lanes start N − 1 workers.
  const pool = lanes > 1 ? await AttackPool.create({ modelDir: model.dir, workers: lanes - 1, local: model, backend }) : undefined;
  try {
    return await runInto(model, items, imagesSource, { ...spec, batchSize }, pool, backend);
  } finally {
    await pool?.close();
  }
}

async function runInto(
  model: LoadedClassifier,
  items: readonly LabeledImage[],
  imagesSource: string,
  spec: Omit<AttackJobSpec, 'model' | 'images'>,
  pool: AttackPool | undefined,
  backend: string | undefined,
): Promise<AttackJobResult> {
  const attack = getAttack(spec.method);
  const eps = attack.runEps(spec.params);
  const batchSize = spec.batchSize ?? DEFAULT_BATCH_SIZE;
  await openOrCreateExperiment(spec.out, {
    model: { name: model.card.name, fingerprint: model.fingerprint, card: model.card, source: model.dir },
    imagesSource,
    imagesFit: spec.fit,
  });
  const partition = partitionBatches(items.length, batchSize);
  // A shard stores only its own clean images: merged, the shards' clean/ is the job's.
  const own = spec.shard ? shardSpans(partition, spec.shard) : undefined;
  await writeCleanImages(spec.out, spec.shard ? shardItems(items, partition, spec.shard) : items);
  const inputs = items.map((it) => it.relPath);
  const shard = spec.shard ? { index: spec.shard.index, count: spec.shard.count, inputsSha256: inputsSha256(items) } : undefined;
  const resumable =
    spec.resume ?? (await findResumableRun(spec.out, { method: attack.id, params: spec.params, seed: spec.seed, modelFingerprint: model.fingerprint, inputs, shard: spec.shard }))?.id;
  let run: RunRecord;
  let manifest!: RunManifest;
  let plan: RunPlan;
  if (resumable) {
    // The same job was cancelled or killed: finish its run in place, redoing only missing batches.
    run = await reopenRun(spec.out, resumable);
    manifest = await readRunManifest(spec.out, run);
    plan = planResume(manifest, items, batchSize, run.dir);
    if (own) plan = { ...plan, todo: plan.todo.filter((b) => own.some((o) => o.start === b.start)), spans: own };
    log.info(`${attack.id}: resuming run ${run.dir}${spec.shard ? ` (shard ${shardText(spec.shard)})` : ''} (${manifest.images.length} of ${planTotal(plan)} images done)`);
  } else {
    // The run's first manifest (no images yet) is written before experiment.json lists the run, so
    // a job killed at any point after this leaves a run that can be resumed with its parameters.
    run = await startRun(spec.out, {
      method: attack.id,
      eps,
      total: own ? own.reduce((n, b) => n + b.end - b.start, 0) : items.length,
      manifest: (r) =>
        (manifest = {
          schemaVersion: 1,
          runId: r.id,
          method: attack.id,
          params: spec.params,
          seed: spec.seed,
          modelFingerprint: model.fingerprint,
          backend: backend ?? 'unknown',
          execution: model.execution,
          startedAt: new Date().toISOString(),
          images: [],
          batchSize,
          inputs,
          ...(shard ? { shard } : {}),
          ...(spec.sampling ? { sampling: spec.sampling } : {}),
        }),
    });
    plan = own ? { items, batchSize, todo: own, spans: own } : { items, batchSize, todo: partition };
    if (spec.shard) log.info(`${attack.id}: shard ${shardText(spec.shard)}: ${planTotal(plan)} of ${items.length} images (${own!.length} of ${partition.length} batches of ${batchSize})`);
    if (own?.length === 0) log.warn(`${attack.id}: shard ${shardText(spec.shard!)} gets no batch: the job has ${partition.length} batches of ${batchSize}; use at most ${partition.length} shards`);
  }
  const resumedFrom = planTotal(plan) - plan.todo.reduce((n, t) => n + t.end - t.start, 0);
  try {
    spec.onRun?.(run);
  } catch (e) {
    await stopRun(spec.out, run.id, 'failed', (e as Error).message).catch(() => undefined);
    throw e;
  }
  const done = await executeRun(spec.out, run, manifest, plan, { classifier: model, pool, poolBatchSize: batchSize, signal: spec.signal, onProgress: spec.onProgress });
  return { experimentDir: spec.out, ...done, ...(resumable ? { resumedFrom } : {}) };
}

/** Threads for the job: an explicit count (capped to the batches), or planWorkers' choice for 'auto'. */
async function chooseLanes(spec: Omit<AttackJobSpec, 'model' | 'images'>, model: LoadedClassifier, images: number, batches: number): Promise<number> {
  const name = getAttack(spec.method).id;
  if (spec.workers !== 'auto') {
    const lanes = Math.max(1, Math.min(spec.workers ?? 1, batches));
    if (lanes > 1) log.info(`${name}: ${images} images on ${lanes} workers (the main thread and ${lanes - 1} worker thread${lanes > 2 ? 's' : ''})`);
    return lanes;
  }
  const summary = await describeModel(model);
  const cores = await defaultWorkerCount();
  const idle = idleCores(cores, loadavg()[0]);
  const plan = planWorkers({
    images,
    batches,
    stepsPerImage: stepsPerImage(spec.params),
    flopsPerImage: summary?.flopsPerImage ?? null,
    weightBytes: (summary?.params.total ?? 0) * 4,
    cores: idle,
  });
  const lanes = plan.workers + 1;
  if (lanes > 1) log.info(`${name}: ${images} images on ${lanes} workers (the main thread and ${plan.workers} worker thread${plan.workers > 1 ? 's' : ''}; ${estimateText(plan, idle, cores)})`);
  else if (batches > 1) log.info(`${name}: ${images} images in-process (${estimateText(plan, idle, cores)}: starting a worker would not pay off)`);
  return lanes;
}

function estimateText(p: WorkerPlan, idle: number, cores: number): string {
  return `est. ${p.computeS.toFixed(1)} s of compute, ${p.plannedS.toFixed(1)} s planned, ${p.workerStartS.toFixed(1)} s to start a worker, ${idle} of ${cores} cores idle`;
}

async function describeModel(model: LoadedClassifier): Promise<Awaited<ReturnType<LoadedClassifier['describe']>> | undefined> {
  try {
    return await model.describe();
  } catch {
    return undefined;
  }
}

/** Kept for existing importers: moved to run-exec.ts. */
export { toRunImage } from './run-exec';

/** Kept for existing importers: the one summary is summarizeAttack. */
export const summarize = (results: readonly AttackImageResult[]): AttackSummary => summarizeAttack(results);
