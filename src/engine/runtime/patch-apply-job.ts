/**
 * patch:apply in the engine: "Make a run from this patch". `printshot patch apply`
 * (src/services/patch-apply.ts) as a job on the loaded model: the chosen images with the trained
 * patch pasted at random placements from its training ranges, recorded as an ordinary run of
 * the open experiment (method 'patch'), so Print, Capture and Evaluate take it like any run.
 * The run's id and its success on the saved 8-bit images go into results/patch.json beside the
 * patch they came from, so the Patch view shows them again after a reload. Cancelled, the same
 * request again resumes the run (the service finds it by patch, images, placement and seed), and
 * so does Resume in the Attack view's Stopped runs (resumePatchApplyJob below).
 */
import { readFile } from 'node:fs/promises';
import { ContractError, PATCH_RESULT_FILE, PatchReportDto, type JobResult, type ParsedRequestOf } from '../../contract';
import { summarizeAttack } from '../../metrics/attack-summary';
import type { LoadedClassifier } from '../../model';
import { runPatchApplyJob, type PatchApplyResult } from '../../services/patch-apply';
import { resumePatchRun } from '../../services/patch-resume';
import { runInputs } from '../../services/run-resume';
import { throwIfAborted } from '../../shared';
import { atomicWriteJson, openExperiment, readRunManifest, resolveInExperiment } from '../../workspace';
import type { JobMeta } from '../protocol';
import type { EngineContext } from './engine';
import { requireExperiment } from './experiment-handlers';
import { requireModel } from './model-handlers';
import { imagesSpec } from './robustness-targets';

async function readReport(dir: string): Promise<PatchReportDto> {
  try {
    return PatchReportDto.parse(JSON.parse(await readFile(resolveInExperiment(dir, PATCH_RESULT_FILE), 'utf8')));
  } catch (e) {
    throw new ContractError('bad-experiment', `${PATCH_RESULT_FILE}: no patch training of the workbench to make a run from (${(e as Error).message.split('\n')[0]})`, 'train a patch in the Patch view first');
  }
}

export async function applyJob(req: ParsedRequestOf<'patch:apply'>, ctx: EngineContext): Promise<{ jobId: string }> {
  const model = requireModel(ctx.state);
  const dir = requireExperiment(ctx.state);
  const report = await readReport(dir);
  const entry = report.patches.find((p) => p.json === req.patch || p.png === req.patch);
  if (!entry) throw new ContractError('bad-argument', `${req.patch} is not a patch of the experiment's last training`, `choose one of: ${report.patches.map((p) => p.json).join(', ')}`);
  const images = imagesSpec(req.images);
  return ctx.startJob(undefined, 'patch', async (job): Promise<JobResult> => {
    job.progress(0, 1, 'loading the model and images');
    const r = await runPatchApplyJob({
      patch: resolveInExperiment(dir, entry.png),
      model: model.spec,
      images,
      experiment: dir,
      ...(req.limit !== undefined ? { limit: req.limit, sample: req.sample ?? 'stratified' } : {}),
      seed: req.seed,
      signal: job.signal,
      onProgress: (p) => {
        throwIfAborted(job.signal);
        job.progress(p.imagesDone, Math.max(1, p.imagesTotal), `pasting the patch: ${p.imagesDone}/${p.imagesTotal} images`);
      },
    });
    const latest = await recordRun(dir, entry.png, r);
    return { kind: 'patch', file: PATCH_RESULT_FILE, report: latest ?? report, run: { id: r.run.id, success: r.success } };
  });
}

/**
 * Notes a finished patch run beside its patch in results/patch.json (so the Patch view shows it
 * after a reload); the report as written, or null when the file or the patch's entry is absent (a
 * run made by the CLI). Read again: another job may have rewritten the file while this one ran.
 */
async function recordRun(dir: string, png: string, r: PatchApplyResult): Promise<PatchReportDto | null> {
  const latest = await readReport(dir).catch(() => null);
  const same = latest?.patches.find((p) => p.png === png);
  if (!latest || !same) return null;
  Object.assign(same, { runId: r.run.id, runSuccess: r.success });
  await atomicWriteJson(resolveInExperiment(dir, PATCH_RESULT_FILE), latest);
  return latest;
}

/**
 * job:resume of a stopped patch run listed from disk (the Attack view's Stopped runs: the host
 * lists every cancelled or interrupted run as a resumable attack job 'run:<id>'). It continues
 * that run in place (services/patch-resume.ts) as the attack job the host adopted, whose result
 * is the run's attack summary; results/patch.json notes the run as patch:apply does.
 */
export async function resumePatchApplyJob(ctx: EngineContext, jobId: string, meta: JobMeta, model: LoadedClassifier): Promise<{ jobId: string }> {
  const dir = meta.experimentDir;
  const exp = await openExperiment(dir);
  const run = exp.runs.find((x) => x.id === meta.runId);
  if (!run) throw new ContractError('bad-experiment', `${dir}: no run ${meta.runId}`);
  // Checked before the job starts, so a refusal (another model loaded, a clean PNG changed) is the call's error.
  const manifest = await readRunManifest(dir, run);
  if (manifest.modelFingerprint !== model.fingerprint) throw new ContractError('bad-experiment', `run ${run.dir} was made with another model (${manifest.modelFingerprint.slice(0, 12)})`, 'load the model the patch was trained on');
  const items = await runInputs(dir, exp, manifest, model);
  return ctx.startJob(jobId, 'attack', async (job): Promise<JobResult> => {
    job.meta(meta);
    const r = await resumePatchRun(model, dir, meta.runId, items, {
      signal: job.signal,
      onProgress: (p) => {
        throwIfAborted(job.signal);
        job.progress(p.imagesDone, Math.max(1, p.imagesTotal), `pasting the patch: ${p.imagesDone}/${p.imagesTotal} images`);
      },
    });
    await recordRun(dir, r.patchFile, r);
    return { kind: 'attack', experimentDir: dir, runId: r.run.id, runDir: r.run.dir, method: r.run.method, eps: r.run.eps, summary: summarizeAttack(r.manifest.images) };
  }, dir);
}
