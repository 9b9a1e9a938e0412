/**
 * Resuming an attack job in the engine: a job of this engine's host that an engine crash
 * interrupted or the user cancelled (its request is known), or an interrupted or cancelled run
 * of the open experiment listed from disk after a restart (no request: the run's manifest holds
 * method, parameters and seed, and the experiment's clean PNGs are its images). Either way only
 * the images the run has not recorded are attacked, and the run completes in place.
 */
import { getAttack, parseAttackParams, type AttackJobProgress } from '../../attacks';
import { ContractError, type ParsedRequestOf } from '../../contract';
import { currentBackend, type LoadedClassifier } from '../../model';
import { sampleItems, type SamplingRecord } from '../../images/sample';
import { log, type LabeledImage } from '../../shared';
import { runInputs } from '../../services/run-resume';
import { effectiveStatus, hasRunManifest, listRuns, openExperiment, readRunManifest, stopRun } from '../../workspace';
import type { JobMeta } from '../protocol';
import type { EngineContext, JobControl } from './engine';
import { loadFolder, requireModel } from './model-handlers';
import { resumeAttackRun } from './resume';
import { resumePatchApplyJob } from './patch-apply-job';
import { PATCH_METHOD } from '../../services/patch-locate';

export const DEFAULT_BATCH = 32;

/** Image-steps progress (a batch of b images at step s has done b·s), never going backwards. */
export function attackProgress(job: JobControl, batch: number, offset = 0): (p: AttackJobProgress) => void {
  let best = 0;
  return (p) => {
    // step === steps is also what the after-batch report says (with imagesDone already advanced),
    // so only count a batch's steps while it is still in progress.
    const inBatch = p.imagesDone < p.imagesTotal && p.step < p.steps ? Math.min(batch, p.imagesTotal - p.imagesDone) * p.step : 0;
    const steps = Math.max(1, p.steps);
    const total = (p.imagesTotal + offset) * steps;
    best = Math.min(total, Math.max(best, (p.imagesDone + offset) * steps + inBatch));
    job.progress(best, total, `${p.imagesDone + offset}/${p.imagesTotal + offset} images · step ${p.step}/${p.steps}`);
  };
}

/** The request's images, converted to the model's input, and its sample of them (the same on every call: seeded). */
export async function requestItems(ctx: EngineContext, req: ParsedRequestOf<'attack:start'>): Promise<{ root: string; items: LabeledImage[]; sampling: SamplingRecord }> {
  const data = await loadFolder(ctx.state, req.images);
  return { root: data.root, ...sampleItems(data.items, req.limit, req.sample ?? 'first', req.seed) };
}

/**
 * The run's inputs from the experiment's clean PNGs (services' runInputs: recorded order, each
 * checked against its sha256), for a run resumed without its request. Such a run must have
 * recorded its parameters; an unknown run id is left to the resume, which names it.
 */
async function experimentItems(dir: string, runId: string, model: LoadedClassifier): Promise<LabeledImage[]> {
  const exp = await openExperiment(dir);
  const run = exp.runs.find((r) => r.id === runId);
  if (run && !(await hasRunManifest(dir, run))) {
    // Listed by a version that wrote the manifest only after the first batch: nothing says how it was started.
    throw new ContractError('bad-experiment', `run ${run.dir} was stopped before it recorded its parameters (${run.manifest} was never written)`, `start the attack again; npx printshot runs drop ${run.id.slice(0, 8)} --experiment ${dir} removes the empty run`);
  }
  return run ? runInputs(dir, exp, await readRunManifest(dir, run), model) : [];
}

/** Continues an interrupted or cancelled attack job from what its run folder holds. */
export async function resumeAttackJob(ctx: EngineContext, jobId: string, req: ParsedRequestOf<'attack:start'> | undefined, meta: JobMeta) {
  const model = requireModel(ctx.state).classifier;
  // A stopped patch run listed from disk (the workbench's "Make a run from this patch", or the CLI's patch apply) is no attack.
  if (!req && (await listRuns(meta.experimentDir)).find((r) => r.id === meta.runId)?.method === PATCH_METHOD) return resumePatchApplyJob(ctx, jobId, meta, model);
  const items = req ? (await requestItems(ctx, req)).items : await experimentItems(meta.experimentDir, meta.runId, model);
  const batch = req?.batchSize ?? DEFAULT_BATCH;
  // For a run listed without a manifest (by an older version): start it over with the request's parameters.
  const attack = req ? getAttack(req.method) : undefined;
  const fresh = req && attack ? { method: attack.id, params: parseAttackParams(attack, req.params) as Record<string, unknown>, seed: req.seed, backend: (await currentBackend())?.name } : undefined;
  // Into the run's own experiment, whichever one is open now (serve mode: one per tab), holding its lock.
  return ctx.startJob(jobId, 'attack', async (job) => {
    job.meta(meta);
    let progress: ((p: AttackJobProgress) => void) | undefined;
    const { run, summary } = await resumeAttackRun(model, meta.experimentDir, meta.runId, items, {
      signal: job.signal,
      batchSize: batch,
      ...(fresh ? { fresh } : {}),
      onProgress: (p) => {
        progress ??= attackProgress(job, batch, p.alreadyDone);
        progress(p);
      },
    });
    return { kind: 'attack', experimentDir: meta.experimentDir, runId: run.id, runDir: run.dir, method: run.method, eps: run.eps, summary };
  }, meta.experimentDir);
}

/**
 * Marks a run cancelled whose job the host ended by killing the engine (it was stuck inside a
 * step). Only a run still left by that dead engine (effectively interrupted) is changed: one
 * resumed since, or finished, is not.
 */
export async function recordCancel(meta: JobMeta, reason: string): Promise<void> {
  try {
    const run = (await listRuns(meta.experimentDir)).find((r) => r.id === meta.runId);
    if (run && effectiveStatus(run) === 'interrupted') await stopRun(meta.experimentDir, run.id, 'cancelled', reason);
  } catch (e) {
    log.warn(`engine: could not record the cancel of run ${meta.runId} (${(e as Error).message})`);
  }
}
