/**
 * Resuming a stopped patch run (method 'patch', made by `printshot patch apply` or the workbench's
 * "Make a run from this patch") from the experiment alone: `printshot runs resume` and the Attack
 * view's Stopped runs (job:resume of 'run:<id>'). A patch run is no attack, so the attack resume
 * (run-resume.ts → attack registry) cannot continue it; everything `patch apply` needs is recorded
 * instead: the patch as a file of the experiment (params.patch, with its sha256 and JSON beside
 * it), the placement (given, or random from the patch's training ranges), the seed and the inputs
 * (the experiment's clean PNGs, sha256-checked by the caller's runInputs). The service continues
 * exactly this run in place, redoing only the images its manifest lacks, so it ends with the same
 * bytes as a run that was never stopped (each image's placement comes from seed and relPath).
 */
import type { LoadedClassifier } from '../model';
import { PrintshotError, type LabeledImage } from '../shared';
import { openExperiment, readRunManifest, resolveInExperiment, type RunManifest } from '../workspace';
import { applyInto, readPatchRecord, type GivenPlacement, type PatchApplyResult } from './patch-apply';
import { PATCH_METHOD } from './patch-locate';

export interface PatchResumeOptions {
  signal?: AbortSignal;
  onProgress?: (p: { imagesDone: number; imagesTotal: number }) => void;
}

/** The given placement a manifest records, or undefined for random placements. */
function recordedPlacement(runDir: string, placement: unknown): GivenPlacement | undefined {
  const p = placement as Partial<GivenPlacement> & { random?: boolean } | undefined;
  if (p?.random === true) return undefined;
  if (typeof p?.cx !== 'number' || typeof p.cy !== 'number') throw new PrintshotError('bad-experiment', `run ${runDir}: its manifest records no placement (params.placement)`);
  return { cx: p.cx, cy: p.cy, ...(p.rotationDeg !== undefined ? { rotationDeg: p.rotationDeg } : {}), ...(p.side !== undefined ? { side: p.side } : {}) };
}

/**
 * Continues the stopped patch run `runId` of experiment `dir` on `items` (its recorded inputs, in
 * order) with `model`, which must be the one the run was made with (its fingerprint).
 */
export async function resumePatchRun(model: LoadedClassifier, dir: string, runId: string, items: readonly LabeledImage[], opts: PatchResumeOptions = {}): Promise<PatchApplyResult> {
  const exp = await openExperiment(dir);
  const run = exp.runs.find((r) => r.id === runId);
  if (!run) throw new PrintshotError('bad-experiment', `${dir}: no run ${runId}`);
  if (run.method !== PATCH_METHOD) throw new PrintshotError('bad-experiment', `run ${run.dir} is a ${run.method} run, not a patch run`);
  const manifest: RunManifest = await readRunManifest(dir, run);
  if (manifest.modelFingerprint !== model.fingerprint) {
    throw new PrintshotError('bad-experiment', `run ${run.dir} was made with model sha256 ${manifest.modelFingerprint.slice(0, 12)}…, not ${model.fingerprint.slice(0, 12)}…`, 'use the model the patch was trained on');
  }
  const params = manifest.params as { patch?: unknown; placement?: unknown };
  if (typeof params.patch !== 'string') throw new PrintshotError('bad-experiment', `run ${run.dir}: its manifest names no patch file (params.patch)`);
  const png = resolveInExperiment(dir, params.patch);
  const rec = await readPatchRecord(png);
  return applyInto(model, items, exp.images.source, rec, {
    patch: png,
    experiment: dir,
    at: recordedPlacement(run.dir, params.placement),
    seed: manifest.seed,
    resume: run.id,
    signal: opts.signal,
    onProgress: opts.onProgress,
  }, manifest.sampling);
}
