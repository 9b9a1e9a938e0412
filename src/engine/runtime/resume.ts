/**
 * Resuming an attack run that a crash interrupted. The run's folder and its manifest hold every
 * finished batch (written atomically), so the resumed job attacks only the images the manifest
 * does not list yet, appends them, and completes the run. An image whose PNG exists but is missing
 * from the manifest is attacked again (its predictions were never recorded).
 *
 * Random attacks (PGD's random start, 'random' targets) draw from a stream derived from the
 * run's seed and the number of images already done: deterministic, but not the stream an
 * uninterrupted run would have used for those images.
 *
 * A run is listed in experiment.json only once its first manifest is written (startRun), but a
 * run listed by an older version may have no manifest yet (killed before its first batch was
 * persisted): with opts.fresh, such a run starts over with the job's own parameters and seed.
 */
import { attackImages, getAttack, type AttackJobProgress } from '../../attacks';
import { summarizeAttack } from '../../metrics/attack-summary';
import { toRunImage } from '../../services/attack-job';
import type { AttackSummaryDto } from '../../contract';
import { ContractError } from '../../contract';
import type { LoadedClassifier } from '../../model';
import { createRng, type LabeledImage } from '../../shared';
import { completeRun, hasRunManifest, readRunManifest, writeRunManifest, type RunImage, type RunManifest, type RunRecord } from '../../workspace';
import { findRun } from './experiment-handlers';

export interface ResumeOptions {
  signal?: AbortSignal;
  batchSize?: number;
  onProgress?: (p: AttackJobProgress & { alreadyDone: number }) => void;
  /** The job's request, for a run that has no manifest yet: its method (attack id), parsed params and seed. */
  fresh?: { method: string; params: Record<string, unknown>; seed: number | string; backend?: string };
}

export async function resumeAttackRun(
  model: LoadedClassifier,
  dir: string,
  runId: string,
  items: readonly LabeledImage[],
  opts: ResumeOptions = {},
): Promise<{ run: RunRecord; summary: AttackSummaryDto }> {
  const run = await findRun(dir, runId);
  const manifest = opts.fresh && run.status === 'running' && !(await hasRunManifest(dir, run)) ? await freshManifest(model, dir, run, opts.fresh) : await readRunManifest(dir, run);
  if (run.status === 'complete') return { run, summary: summarizeRunImages(manifest.images) };
  if (manifest.modelFingerprint !== model.fingerprint) {
    throw new ContractError('bad-experiment', `run ${run.dir} was made with another model (${manifest.modelFingerprint.slice(0, 12)})`, 'load the model the run was started with');
  }
  const done = new Set(manifest.images.map((im) => im.relPath));
  const todo = items.filter((it) => !done.has(it.relPath));
  const attack = getAttack(manifest.method);
  const alreadyDone = manifest.images.length;
  const images: RunImage[] = [...manifest.images];
  await attackImages(attack, manifest.params, todo, {
    classifier: model,
    rng: createRng(`${String(manifest.seed)}:resume:${alreadyDone}`),
    signal: opts.signal,
    batchSize: opts.batchSize,
    onProgress: (p) => opts.onProgress?.({ ...p, alreadyDone }),
    onBatch: async (batch) => {
      for (const r of batch) images.push(await toRunImage(dir, run, r));
      await writeRunManifest(dir, run, { ...manifest, images });
    },
  });
  const summary = summarizeRunImages(images);
  const final: RunManifest = { ...manifest, images, finishedAt: new Date().toISOString(), summary: { ...summary, resumed: true } };
  await writeRunManifest(dir, run, final);
  return { run: await completeRun(dir, run.id), summary };
}

/** Writes and returns the first manifest of a listed run that has none (no image recorded yet). */
async function freshManifest(model: LoadedClassifier, dir: string, run: RunRecord, fresh: NonNullable<ResumeOptions['fresh']>): Promise<RunManifest> {
  if (fresh.method !== run.method) throw new ContractError('bad-experiment', `run ${run.dir} is a ${run.method} run, not ${fresh.method}`);
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId: run.id,
    method: run.method,
    params: fresh.params,
    seed: fresh.seed,
    modelFingerprint: model.fingerprint,
    backend: fresh.backend ?? 'unknown',
    execution: model.execution,
    startedAt: run.createdAt,
    images: [],
  };
  await writeRunManifest(dir, run, manifest);
  return manifest;
}

/** Kept for existing importers: the one summary is summarizeAttack (src/metrics/attack-summary.ts). */
export const summarizeRunImages = (images: readonly RunImage[]): AttackSummaryDto => summarizeAttack(images);
