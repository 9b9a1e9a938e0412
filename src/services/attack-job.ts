/**
 * An attack job end to end: load the model and images, validate parameters before touching
 * disk, then write clean PNGs, the run's adversarial PNGs and its manifest into an experiment
 * folder. Every file is written atomically; the manifest exists (with no images) before the run
 * is listed in experiment.json and is rewritten after each batch, so a job killed at any point
 * leaves complete files and a 'running' run that can be resumed; a new job adds a run and never
 * modifies earlier ones.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { getAttack, parseAttackParams, type AttackImageResult, type AttackJobProgress } from '../attacks';
import { currentBackend, DEFAULT_MODEL_DIR, type LoadedClassifier } from '../model';
import type { InputSpec } from '../model/classifier';
import { AttackPool, attackImagesPartitioned, DEFAULT_BATCH_SIZE, defaultWorkerCount, partitionBatches } from '../parallel';
import { ACTIVATION_BUDGET_BYTES, activationBytesPerImage, idleCores, isBatchInvariant, memoryBatchCap, planWorkers, splitBatchSize, stepsPerImage, type WorkerPlan } from '../parallel/plan';
import type { FitMode } from '../images';
import { summarizeAttack, type AttackSummary } from '../metrics/attack-summary';
import { log, type LabeledImage } from '../shared';
import {
  completeRun,
  openOrCreateExperiment,
  startRun,
  writeAdversarialImage,
  writeCleanImages,
  writeRunManifest,
  type RunImage,
  type RunManifest,
  type RunRecord,
} from '../workspace';
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
  /** How images of another aspect ratio reach the model's size (default 'fill'); recorded in experiment.json. */
  fit?: FitMode;
  out: string;
  /**
   * Called once the run is listed in experiment.json, with its manifest already on disk: from
   * then on the run can be resumed (the engine records it for a crash).
   */
  onRun?: (run: RunRecord) => void;
  signal?: AbortSignal;
  onProgress?: (p: AttackJobProgress) => void;
}

/** The run's summary: src/metrics/attack-summary.ts. */
export type { AttackSummary };

export interface AttackJobResult {
  experimentDir: string;
  run: RunRecord;
  manifest: RunManifest;
  summary: AttackSummary;
}

export async function runAttackJob(spec: AttackJobSpec): Promise<AttackJobResult> {
  const attack = getAttack(spec.method);
  const params = parseAttackParams(attack, spec.params) as Record<string, unknown>;
  // The images decode (sharp, on libuv's threads) while the model loads, when its card gives the
  // labels and input size up front; a card the loaded model contradicts means decoding again.
  const card = await cardInput(spec.model);
  const early = card ? openImages(spec.images, card, { fit: spec.fit }) : undefined;
  early?.catch(() => undefined);
  const model = await openModel(spec.model);
  try {
    const data = early && sameInput(card!, model) ? await early : await openImages(spec.images, model, { fit: spec.fit });
    return await attackIntoExperiment(model, data.items, data.root, { ...spec, method: attack.id, params, fit: data.fit });
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
  const batches = splittable ? items.length : partitionBatches(items.length, asked).length;
  const lanes = model.dir === '(memory)' ? 1 : await chooseLanes(spec, model, items.length, batches);
  const batchSize = splittable ? splitBatchSize(items.length, asked, lanes) : asked;
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
  const eps = Number(spec.params.eps ?? 0);
  await openOrCreateExperiment(spec.out, {
    model: { name: model.card.name, fingerprint: model.fingerprint, card: model.card, source: model.dir },
    imagesSource,
    imagesFit: spec.fit,
  });
  await writeCleanImages(spec.out, items);
  // The run's first manifest (no images yet) is written before experiment.json lists the run, so
  // a job killed at any point after this leaves a run that can be resumed with its parameters.
  let manifest!: RunManifest;
  const run = await startRun(spec.out, {
    method: attack.id,
    eps,
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
      }),
  });
  spec.onRun?.(run);
  let persisted: Promise<void> = Promise.resolve();
  const job = {
    seed: spec.seed,
    signal: spec.signal,
    batchSize: spec.batchSize,
    onProgress: spec.onProgress,
    // Workers can finish batches while an earlier one is still being written: persist one batch
    // at a time, whole, so the manifest always lists complete batches (and a failure stops the rest).
    onBatch: (batch: AttackImageResult[]) =>
      (persisted = persisted.then(async () => {
        // Encoded on libuv's threads in parallel (sharp), in input order for the manifest.
        const rows: RunImage[] = await Promise.all(batch.map((r) => toRunImage(spec.out, run, r)));
        manifest.images.push(...rows);
        await writeRunManifest(spec.out, run, manifest);
      })),
  };
  const results = pool ? await pool.run(attack.id, spec.params, items, job) : await attackImagesPartitioned(attack, spec.params, items, { ...job, classifier: model });
  const summary = summarize(results);
  // Workers finish batches out of order: the final manifest lists images in input order.
  const order = new Map(items.map((it, i) => [it.relPath, i]));
  const images = [...manifest.images].sort((a, b) => (order.get(a.relPath) ?? 0) - (order.get(b.relPath) ?? 0));
  const final: RunManifest = { ...manifest, images, finishedAt: new Date().toISOString(), summary: { ...summary } };
  await writeRunManifest(spec.out, run, final);
  const done = await completeRun(spec.out, run.id);
  return { experimentDir: spec.out, run: done, manifest: final, summary };
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

/** Writes one result's PNG and returns its manifest row (shared with the engine's resume path). */
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

/** Kept for existing importers: the one summary is summarizeAttack. */
export const summarize = (results: readonly AttackImageResult[]): AttackSummary => summarizeAttack(results);
