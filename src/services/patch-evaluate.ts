/**
 * `printshot patch evaluate`: the photo results of an experiment's patches (per image and full
 * frame, by capture condition; src/reports/patch-photos.ts) with the experiment's model, written
 * to results/patch-photos.json for the report and the workbench. Registration must have run
 * (printshot register); photos registered before patch-locate existed get their patches located
 * here and the located count says so.
 */
import { readFile } from 'node:fs/promises';
import type { LoadedClassifier } from '../model';
import { CAPTURES_LOG, CapturesLogSchema } from '../registration/captures-log';
import { readSheetLayouts } from '../sheets/node/layout-file';
import { evaluatePatchPhotos, PATCH_PHOTOS_FILE, type PatchPhotoResults } from '../reports/patch-photos';
import { PrintshotError } from '../shared';
import { atomicWriteJson, listRuns, openExperiment, readRunManifest, resolveInExperiment, type RunManifest } from '../workspace';
import { PATCH_METHOD } from './patch-locate';
import { writePatchOverlay } from './patch-overlay';
import { openExperimentModel, openModel } from './sources';

export interface PatchEvaluateRequest {
  experiment: string;
  /** A model folder (same fingerprint as the experiment's) or a loaded one; default the experiment's. */
  model?: string | LoadedClassifier;
}

export interface PatchEvaluateResult extends PatchPhotoResults {
  experiment: { dir: string; id: string; name: string };
  file: string;
  /** Debug images: each registered photo's rectified page with the located patches outlined (captures/<id>/patches.png). */
  overlays: string[];
}

/** captures/<id>/patches.png for every accepted photo whose patches registration located. */
async function writeOverlays(dir: string): Promise<string[]> {
  const log = CapturesLogSchema.parse(JSON.parse(await readFile(resolveInExperiment(dir, CAPTURES_LOG), 'utf8')));
  const manifests = new Map<string, RunManifest>();
  for (const run of await listRuns(dir)) if (run.method === PATCH_METHOD && run.status === 'complete') manifests.set(run.dir, await readRunManifest(dir, run));
  const out: string[] = [];
  for (const p of log.photos) {
    if (p.status !== 'accepted' || !p.patches?.length || !p.layoutFile) continue;
    const layout = (await readSheetLayouts(resolveInExperiment(dir, p.layoutFile))).find((l) => l.sheetId === p.sheetId);
    const file = layout ? await writePatchOverlay(dir, p, layout, manifests) : null;
    if (file) out.push(file);
  }
  return out;
}

export async function runPatchEvaluateJob(req: PatchEvaluateRequest): Promise<PatchEvaluateResult> {
  const dir = req.experiment;
  const exp = await openExperiment(dir);
  const owned = typeof req.model !== 'object';
  const model = typeof req.model === 'object' ? req.model : req.model === undefined ? await openExperimentModel(dir, exp) : await openModel(req.model, { probeGradient: false });
  try {
    if (model.fingerprint !== exp.model.fingerprint) {
      throw new PrintshotError('bad-experiment', `the model (${model.fingerprint.slice(0, 12)}) is not the one this experiment was made with (${exp.model.fingerprint.slice(0, 12)})`, "pass the experiment's model folder with --model");
    }
    const results = await evaluatePatchPhotos(dir, model);
    if (!results) {
      throw new PrintshotError('bad-experiment', `${dir}: no registered photo holds a patch`, 'paste and print a patch (printshot patch apply, printshot sheet --method patch or printshot patch sheet), then register photos of it (printshot register)');
    }
    await atomicWriteJson(resolveInExperiment(dir, PATCH_PHOTOS_FILE), results);
    const overlays = await writeOverlays(dir);
    return { experiment: { dir, id: exp.id, name: exp.name }, file: PATCH_PHOTOS_FILE, ...results, overlays };
  } finally {
    if (owned) model.dispose();
  }
}
