/**
 * Resuming an attack run that was cancelled, failed or interrupted (its process killed): the one
 * use case behind `printshot runs resume`, a rerun of the same `printshot attack` command and
 * the engine's job:resume. A patch run (method 'patch') is no attack: `runs resume` hands it to
 * patch-resume.ts, with the same checks (state, manifest, model fingerprint, clean inputs). All of them go through attackIntoExperiment with the run's id
 * (attack-job.ts → run-exec.ts), which redoes exactly the batches the run's manifest lacks, with
 * the manifest's parameters, seed, inputs and batch size: a deterministic attack ends
 * byte-identical to a run that was never interrupted.
 *
 * `runs resume` needs neither the original image folder nor the command: the inputs are the
 * experiment's clean PNGs (each checked against its recorded sha256), the model is the one
 * experiment.json records (or --model, checked against its fingerprint).
 */
import { getAttack, parseAttackParams, type AttackJobProgress } from '../attacks';
import { ContractError, type AttackSummaryDto } from '../contract';
import type { LoadedClassifier } from '../model';
import { PrintshotError, type LabeledImage } from '../shared';
import {
  cleanByRelPath,
  effectiveStatus,
  findRunByRef,
  hasRunManifest,
  openExperiment,
  readRunManifest,
  readVerifiedImage,
  writeRunManifest,
  type Experiment,
  type RunManifest,
  type RunRecord,
} from '../workspace';
import { DEFAULT_BATCH_SIZE } from '../parallel';
import { attackIntoExperiment, type AttackJobResult } from './attack-job';
import { planResume } from './run-exec';
import { summarizeAttack } from '../metrics/attack-summary';
import { PATCH_METHOD } from './patch-locate';
import { resumePatchRun } from './patch-resume';
import type { PatchApplyResult } from './patch-apply';
import { openModel } from './sources';

export interface ResumeRunJobSpec {
  experiment: string;
  /** Run id, id prefix (4+ characters) or folder ('bim-eps16'). */
  run: string;
  /** Model folder; default: the one experiment.json records (checked against its fingerprint). */
  model?: string;
  workers?: number | 'auto';
  signal?: AbortSignal;
  onProgress?: (p: AttackJobProgress) => void;
}

/** What `runs resume` finished: an attack run, or a patch run (`printshot patch apply`, patch-resume.ts). */
export type ResumedRun = { kind: 'attack'; result: AttackJobResult } | { kind: 'patch'; result: PatchApplyResult };

/** `printshot runs resume`: finishes a stopped run from the experiment alone. */
export async function resumeRunJob(spec: ResumeRunJobSpec): Promise<ResumedRun> {
  const exp = await openExperiment(spec.experiment);
  const run = findRunByRef(exp.runs, spec.run);
  const status = effectiveStatus(run);
  if (status === 'complete') throw new PrintshotError('bad-argument', `run ${run.dir} is already complete`);
  if (status === 'running') throw new PrintshotError('bad-experiment', `run ${run.dir} is running (pid ${run.writer?.pid} on host ${run.writer?.host})`, 'wait for it to finish');
  if (!(await hasRunManifest(spec.experiment, run))) {
    throw new PrintshotError('bad-experiment', `run ${run.dir} has no manifest: it was killed before it recorded its parameters`, `drop it (printshot runs drop ${run.id.slice(0, 8)} --experiment ${spec.experiment}) and rerun the attack`);
  }
  const manifest = await readRunManifest(spec.experiment, run);
  if (manifest.shard) throw shardResumeError(run, manifest.shard);
  const model = await openModel(spec.model ?? exp.model.source);
  try {
    if (model.fingerprint !== manifest.modelFingerprint) {
      throw new PrintshotError(
        'bad-experiment',
        `run ${run.dir} was made with model sha256 ${manifest.modelFingerprint.slice(0, 12)}…, not ${model.fingerprint.slice(0, 12)}… (${spec.model ?? exp.model.source})`,
        `pass --model DIR with the model '${exp.model.name}'`,
      );
    }
    const items = await runInputs(spec.experiment, exp, manifest, model);
    if (run.method === PATCH_METHOD) {
      // A patch run's progress has no steps: one pass per image.
      const onProgress = (p: { imagesDone: number; imagesTotal: number }) => spec.onProgress?.({ ...p, step: 1, steps: 1 });
      return { kind: 'patch', result: await resumePatchRun(model, spec.experiment, run.id, items, { signal: spec.signal, onProgress }) };
    }
    const result = await attackIntoExperiment(model, items, exp.images.source, {
      method: manifest.method,
      params: manifest.params,
      seed: manifest.seed,
      batchSize: manifest.batchSize,
      workers: spec.workers,
      fit: exp.images.fit,
      out: spec.experiment,
      resume: run.id,
      signal: spec.signal,
      onProgress: spec.onProgress,
    });
    return { kind: 'attack', result };
  } finally {
    model.dispose();
  }
}

/**
 * The run's inputs as the model saw them: the experiment's clean PNGs (sha256-checked) in the
 * run's recorded order, or every experiment image for a run recorded without inputs.
 */
export async function runInputs(dir: string, exp: Experiment, manifest: RunManifest, model: Pick<LoadedClassifier, 'inputSpec'>): Promise<LabeledImage[]> {
  const clean = cleanByRelPath(exp);
  const labels = new Map(exp.images.items.map((it) => [it.relPath, it.label]));
  const rels = manifest.inputs ?? exp.images.items.map((it) => it.relPath);
  const out: LabeledImage[] = [];
  for (const relPath of rels) {
    const rec = clean.get(relPath);
    if (!rec) throw new PrintshotError('bad-experiment', `${dir}: the run attacks '${relPath}', which experiment.json does not list`);
    out.push({ relPath, label: labels.get(relPath)!, image: await readVerifiedImage(dir, rec, { channels: model.inputSpec.channels }) });
  }
  return out;
}

export interface ResumeOptions {
  signal?: AbortSignal;
  /** Batch size for a run whose manifest does not record one (written before it was). */
  batchSize?: number;
  /** imagesDone / imagesTotal count the images this resume attacks; alreadyDone those recorded before. */
  onProgress?: (p: AttackJobProgress & { alreadyDone: number }) => void;
  /** The job's request, for a run that has no manifest yet: its method (attack id), parsed params and seed. */
  fresh?: { method: string; params: Record<string, unknown>; seed: number | string; backend?: string };
}

/**
 * The engine's resume: `items` are the job's images (the run's recorded inputs are picked from
 * them in order). A complete run returns its summary; a run listed without a manifest (by an
 * older version) starts over with opts.fresh, or is an error without it.
 */
export async function resumeAttackRun(
  model: LoadedClassifier,
  dir: string,
  runId: string,
  items: readonly LabeledImage[],
  opts: ResumeOptions = {},
): Promise<{ run: RunRecord; summary: AttackSummaryDto }> {
  const exp = await openExperiment(dir);
  const found = exp.runs.find((r) => r.id === runId);
  if (!found) throw new ContractError('bad-experiment', `${dir}: no run ${runId}`);
  if (found.status === 'complete') return { run: found, summary: summarizeAttack((await readRunManifest(dir, found)).images) };
  if (!(await hasRunManifest(dir, found))) {
    if (!opts.fresh) await readRunManifest(dir, found); // throws 'not found', naming the file
    await freshManifest(model, dir, found, opts.fresh!);
  }
  const manifest = await readRunManifest(dir, found);
  if (manifest.shard) throw shardResumeError(found, manifest.shard);
  if (manifest.modelFingerprint !== model.fingerprint) {
    throw new ContractError('bad-experiment', `run ${found.dir} was made with another model (${manifest.modelFingerprint.slice(0, 12)})`, 'load the model the run was started with');
  }
  const batchSize = manifest.batchSize ?? opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const plan = planResume(structuredClone(manifest), items, batchSize, found.dir);
  const alreadyDone = plan.items.length - plan.todo.reduce((n, t) => n + t.end - t.start, 0);
  const result = await attackIntoExperiment(model, items, exp.images.source, {
    method: manifest.method,
    params: manifest.params,
    seed: manifest.seed,
    batchSize,
    fit: exp.images.fit,
    out: dir,
    resume: found.id,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ ...p, imagesDone: p.imagesDone - alreadyDone, imagesTotal: p.imagesTotal - alreadyDone, alreadyDone }),
  });
  return { run: result.run, summary: result.summary };
}

/**
 * Writes the first manifest of a listed run that has none (no image recorded yet). Only versions
 * that recorded no writer listed a run before its manifest, so the write needs no reopenRun.
 */
async function freshManifest(model: LoadedClassifier, dir: string, run: RunRecord, fresh: NonNullable<ResumeOptions['fresh']>): Promise<void> {
  if (fresh.method !== run.method) throw new ContractError('bad-experiment', `run ${run.dir} is a ${run.method} run, not ${fresh.method}`);
  await writeRunManifest(dir, run, {
    schemaVersion: 1,
    runId: run.id,
    method: run.method,
    params: parseAttackParams(getAttack(run.method), fresh.params) as Record<string, unknown>,
    seed: fresh.seed,
    modelFingerprint: model.fingerprint,
    backend: fresh.backend ?? 'unknown',
    execution: model.execution,
    startedAt: run.createdAt,
    images: [],
  });
}

/**
 * A shard run holds only its own clean images, not the job's, so it cannot be resumed from the
 * experiment alone: the same `printshot attack … --shard i/N` command resumes it in place.
 */
function shardResumeError(run: RunRecord, shard: { index: number; count: number }): PrintshotError {
  return new PrintshotError(
    'bad-experiment',
    `run ${run.dir} is shard ${shard.index}/${shard.count} of a sharded job; it resumes from its image folder, not from the experiment`,
    `rerun the same printshot attack command (with --shard ${shard.index}/${shard.count}): it resumes the run in place`,
  );
}
