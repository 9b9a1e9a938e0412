/**
 * patch:apply in the engine: "Make a run from this patch". `printshot patch apply`
 * (src/services/patch-apply.ts) as a job on the loaded model: the chosen images with the trained
 * patch pasted at random placements from its training ranges, recorded as an ordinary run of
 * the open experiment (method 'patch'), so Print, Capture and Evaluate take it like any run.
 * The run's id and its success on the saved 8-bit images go into results/patch.json beside the
 * patch they came from, so the Patch view shows them again after a reload. Cancelled, the same
 * request again resumes the run (the service finds it by patch, images, placement and seed).
 */
import { readFile } from 'node:fs/promises';
import { ContractError, PATCH_RESULT_FILE, PatchReportDto, type JobResult, type ParsedRequestOf } from '../../contract';
import { runPatchApplyJob } from '../../services/patch-apply';
import { throwIfAborted } from '../../shared';
import { atomicWriteJson, resolveInExperiment } from '../../workspace';
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
    // Read again: another job may have rewritten the file while this one ran.
    const latest = await readReport(dir);
    const same = latest.patches.find((p) => p.png === entry.png);
    if (same) Object.assign(same, { runId: r.run.id, runSuccess: r.success });
    if (same) await atomicWriteJson(resolveInExperiment(dir, PATCH_RESULT_FILE), latest);
    return { kind: 'patch', file: PATCH_RESULT_FILE, report: same ? latest : report, run: { id: r.run.id, success: r.success } };
  });
}
