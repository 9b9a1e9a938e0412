/**
 * `printshot patch apply`: paste a trained patch (src/services/patch-job.ts) onto clean images and
 * record the result as an ordinary run of an experiment (method 'patch'), so a patch goes through
 * the same sheet → photograph → register → evaluate path as every attack (issue 19 §3).
 *
 * Each image gets one placement (Brown et al., "Adversarial Patch", arXiv 1712.09665): drawn from
 * the patch's own training ranges (nominal side √(size·H·W) ± scaleJitter, rotation ± rotationDeg,
 * a centre that keeps the patch inside) with the stream `seed:patch-apply:<relPath>`, so an image's
 * placement does not depend on the batch it falls in; or a given placement (`at`) for every image.
 * The pasted pixels are the patch resampled bilinearly (src/patches/paste.ts); no photometric
 * change is drawn: the printer and the camera supply it. Each row of the manifest records the
 * placement and the patch's corners in image pixels (schema.ts `placement`), which registration maps
 * into the photo (patch-locate.ts).
 *
 * Predictions are made on the saved 8-bit PNG values, as for attacks. A row's `success` is the
 * patch's goal: prediction = target on an image not of the target class (targeted), or prediction
 * ≠ label (untargeted); the run's summary adds `patch.success` with that count among eligible images.
 *
 * Every batch is persisted with the manifest (written atomically); a cancelled or killed run is
 * resumed by the same command (same patch, images, placement and seed), redoing only missing images.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from '../images';
import { sampleItems, type SampleMode, type SamplingRecord } from '../images';
import { predict } from '../inference';
import { rateOf, type Rate } from '../metrics';
import { summarizeAttack } from '../metrics/attack-summary';
import type { LoadedClassifier } from '../model';
import { pastePatch, patchSide, placementTaps, samplePlacement, type Placement } from '../patches';
import { createRng, isPrintshotError, PrintshotError, throwIfAborted, type Image8, type LabeledImage } from '../shared';
import {
  completeRun, effectiveStatus, listRuns, openOrCreateExperiment, readRunManifest, reopenRun, resolveInExperiment, sha256, startRun, stopRun,
  writeAdversarialImage, writeCleanImages, writeRunManifest, type RunImage, type RunManifest, type RunRecord,
} from '../workspace';
import { PATCH_METHOD, placementQuad } from './patch-locate';
import { openImages, openModel } from './sources';

/** A given placement for every image: centre in image pixels, rotation in degrees, side in pixels (default: the patch's nominal side). */
export interface GivenPlacement {
  cx: number;
  cy: number;
  rotationDeg?: number;
  side?: number;
}

export interface PatchApplyRequest {
  /** A patch PNG written by `printshot patch` (its JSON beside it gives target, size and model). */
  patch: string;
  model?: string;
  images?: string;
  /** Experiment folder (created when missing). */
  experiment: string;
  limit?: number;
  sample?: SampleMode;
  /** One placement for every image; random placements (from the seed) when absent. */
  at?: GivenPlacement;
  seed?: number | string;
  signal?: AbortSignal;
  onRun?: (run: RunRecord) => void;
  onProgress?: (p: { imagesDone: number; imagesTotal: number }) => void;
}

/** What the patch's JSON (patch-job.ts) records and apply needs. */
export interface PatchRecord {
  model: { name: string; fingerprint: string };
  target: { index: number | null; name: string };
  params: { size: number; scaleJitter: number; rotationDeg: number };
  png: string;
}

export interface PatchApplyResult {
  experimentDir: string;
  run: RunRecord;
  manifest: RunManifest;
  /** The patch as copied into the experiment (patches/<name>.png, with its JSON). */
  patchFile: string;
  target: PatchRecord['target'];
  /** Successes (target hit / fooled) among eligible images, from the 8-bit PNGs. */
  success: Rate;
  /** Images done before this job (a resumed run). */
  resumedFrom?: number;
}

const BATCH = 32;

export async function readPatchRecord(png: string): Promise<PatchRecord> {
  const json = png.replace(/\.png$/i, '.json');
  let rec: Partial<PatchRecord>;
  try {
    rec = JSON.parse(await readFile(json, 'utf8')) as Partial<PatchRecord>;
  } catch (e) {
    throw new PrintshotError('bad-argument', `${json}: cannot read the patch's record (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'give a patch PNG written by printshot patch, with its JSON beside it');
  }
  if (!rec.model?.fingerprint || !rec.target || !rec.params || typeof rec.params.size !== 'number') {
    throw new PrintshotError('bad-argument', `${json}: not a patch record (model, target and params expected)`);
  }
  return rec as PatchRecord;
}

/**
 * The patch as a file of the experiment: used in place when it is already under EXP/patches/ (the
 * workbench trains there, its size curve beside it); otherwise copied into EXP/patches/ with every
 * sibling patch JSON of the same target and model (the size curve).
 */
async function copyPatch(dir: string, png: string, rec: PatchRecord): Promise<{ rel: string; sha: string }> {
  const bytes = await readFile(png);
  const inside = path.relative(path.resolve(dir), path.resolve(png)).split(path.sep).join('/');
  if (inside.startsWith('patches/')) return { rel: inside, sha: sha256(bytes) };
  const folder = resolveInExperiment(dir, 'patches');
  await mkdir(folder, { recursive: true });
  const rel = `patches/${path.basename(png)}`;
  const dest = resolveInExperiment(dir, rel);
  const existing = await readFile(dest).catch(() => null);
  if (existing && sha256(existing) !== sha256(bytes)) throw new PrintshotError('bad-experiment', `${dest} holds another patch of the same name`, 'use another experiment, or rename the patch files');
  if (!existing) await copyFile(png, dest);
  const src = path.dirname(png);
  const { readdir } = await import('node:fs/promises');
  for (const name of (await readdir(src)).filter((n) => /^patch-.*\.json$/.test(n) && !n.endsWith('.checkpoint.json'))) {
    const sibling = JSON.parse(await readFile(path.join(src, name), 'utf8')) as Partial<PatchRecord>;
    if (sibling.model?.fingerprint !== rec.model.fingerprint || sibling.target?.index !== rec.target.index) continue;
    await copyFile(path.join(src, name), path.join(folder, name));
    const siblingPng = path.join(src, sibling.png ?? '');
    if (sibling.png && !(await readFile(path.join(folder, sibling.png)).catch(() => null))) await copyFile(siblingPng, path.join(folder, sibling.png)).catch(() => undefined);
  }
  return { rel, sha: sha256(bytes) };
}

function givenPlacement(at: GivenPlacement, nominal: number, h: number, w: number): Placement {
  const side = at.side ?? nominal;
  if (![at.cx, at.cy, side].every(Number.isFinite) || side <= 0 || at.cx < 0 || at.cx > w || at.cy < 0 || at.cy > h) {
    throw new PrintshotError('bad-argument', `--at ${at.cx},${at.cy}: the centre must lie in the ${w}×${h} image and the side be > 0`);
  }
  return { cx: at.cx, cy: at.cy, side, angle: ((at.rotationDeg ?? 0) * Math.PI) / 180 };
}

export async function runPatchApplyJob(req: PatchApplyRequest): Promise<PatchApplyResult> {
  const rec = await readPatchRecord(req.patch);
  const model = await openModel(req.model ?? 'default');
  try {
    if (model.fingerprint !== rec.model.fingerprint) {
      throw new PrintshotError('bad-argument', `${req.patch} was trained on model ${rec.model.name} (${rec.model.fingerprint.slice(0, 12)}), not ${model.card.name} (${model.fingerprint.slice(0, 12)})`, 'pass that model with --model');
    }
    const data = await openImages(req.images ?? 'samples', model);
    const seed = req.seed ?? 0;
    const { items, sampling } = sampleItems(data.items, req.limit, req.sample ?? 'first', seed);
    return await applyInto(model, items, data.root, rec, { ...req, seed }, sampling);
  } finally {
    model.dispose();
  }
}

/**
 * Pastes the patch onto `items` as a run of the experiment: a stopped run with the same patch,
 * placement, seed and inputs is continued in place, else a new run starts. `req.resume`: continue
 * exactly that run (`runs resume`, patch-resume.ts), an error when it does not match.
 */
export async function applyInto(model: LoadedClassifier, items: readonly LabeledImage[], source: string, rec: PatchRecord, req: PatchApplyRequest & { seed: number | string; resume?: string }, sampling: SamplingRecord | undefined): Promise<PatchApplyResult> {
  const { height: h, width: w, channels } = model.inputSpec;
  const patchImg = await decodeImage(await readFile(req.patch), { channels }, req.patch);
  const target = rec.target.index ?? ('untargeted' as const);
  const nominal = patchSide(h, w, rec.params.size);
  const fixed = req.at ? givenPlacement(req.at, nominal, h, w) : undefined;
  const dir = req.experiment;
  await openOrCreateExperiment(dir, { model: { name: model.card.name, fingerprint: model.fingerprint, card: model.card, source: model.dir }, imagesSource: source });
  await writeCleanImages(dir, items);
  const copied = await copyPatch(dir, req.patch, rec);
  const params: Record<string, unknown> = {
    patch: copied.rel, patchSha256: copied.sha, target, targetName: rec.target.name, size: rec.params.size,
    placement: req.at ? { cx: req.at.cx, cy: req.at.cy, rotationDeg: req.at.rotationDeg ?? 0, side: fixed!.side } : { random: true, scaleJitter: rec.params.scaleJitter, rotationDeg: rec.params.rotationDeg },
  };
  const inputs = items.map((it) => it.relPath);
  const same = (m: RunManifest) => JSON.stringify(m.params) === JSON.stringify(params) && String(m.seed) === String(req.seed) && JSON.stringify(m.inputs) === JSON.stringify(inputs);
  let run: RunRecord | undefined;
  let manifest!: RunManifest;
  for (const r of await listRuns(dir)) {
    const s = effectiveStatus(r);
    if (r.method !== PATCH_METHOD || (s !== 'cancelled' && s !== 'interrupted' && s !== 'failed')) continue;
    if (req.resume !== undefined && r.id !== req.resume) continue;
    const m = await readRunManifest(dir, r).catch(() => null);
    if (m && same(m)) {
      run = await reopenRun(dir, r.id);
      manifest = m;
      break;
    }
  }
  if (!run && req.resume !== undefined) {
    throw new PrintshotError('bad-experiment', `run ${req.resume.slice(0, 8)} is not a stopped patch run of ${copied.rel} with its recorded placement, seed and images`, `was ${copied.rel} changed since the run started? rerun npx printshot patch apply with the patch it was made from`);
  }
  if (!run) {
    run = await startRun(dir, {
      method: PATCH_METHOD, eps: 255, total: items.length,
      manifest: (r) => (manifest = {
        schemaVersion: 1, runId: r.id, method: PATCH_METHOD, params, seed: req.seed, modelFingerprint: model.fingerprint, backend: model.execution.backend,
        execution: model.execution, startedAt: new Date().toISOString(), images: [], batchSize: BATCH, inputs, ...(sampling ? { sampling } : {}),
      }),
    });
  }
  const resumedFrom = manifest.images.length;
  req.onRun?.(run);
  const done = new Set(manifest.images.map((im) => im.relPath));
  const todo = items.filter((it) => !done.has(it.relPath));
  req.onProgress?.({ imagesDone: resumedFrom, imagesTotal: items.length });
  const patch = tf.tidy(() => tf.div(tf.tensor4d(patchImg.data, [1, patchImg.height, patchImg.width, channels], 'int32'), 255) as tf.Tensor4D);
  try {
    for (let s = 0; s < todo.length; s += BATCH) {
      throwIfAborted(req.signal);
      const batch = todo.slice(s, s + BATCH);
      const placements = batch.map((it) => fixed ?? samplePlacement(createRng(`${req.seed}:patch-apply:${it.relPath}`), h, w, { size: rec.params.size, scaleJitter: rec.params.scaleJitter, rotationDeg: rec.params.rotationDeg }));
      const advs = await pasteBatch(batch, patch, placements, h, w, channels);
      const [cleanP, advP] = await Promise.all([predict(model, batch.map((it) => it.image), { top: 5 }), predict(model, advs, { top: 5 })]);
      for (const [k, it] of batch.entries()) {
        const { file, sha256: sha } = await writeAdversarialImage(dir, run, it.relPath, advs[k]);
        const top1 = advP[k].top[0].label;
        const success = target === 'untargeted' ? top1 !== it.label : it.label !== target && top1 === target;
        const row: RunImage = {
          relPath: it.relPath, label: it.label, file, sha256: sha, cleanTop5: cleanP[k].top, advTop5: advP[k].top, success, ...norms(it.image, advs[k]), steps: 0,
          placement: { ...placements[k], quad: placementQuad(placements[k]) },
        };
        manifest.images.push(row);
      }
      await writeRunManifest(dir, run, manifest);
      req.onProgress?.({ imagesDone: items.length - todo.length + s + batch.length, imagesTotal: items.length });
    }
  } catch (e) {
    const cancelled = req.signal?.aborted === true || (isPrintshotError(e) && e.code === 'cancelled');
    await stopRun(dir, run.id, cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled by the user' : (e as Error).message, manifest.images.length).catch(() => undefined);
    throw e;
  } finally {
    patch.dispose();
  }
  const order = new Map(inputs.map((r, i) => [r, i]));
  const images = [...manifest.images].sort((a, b) => order.get(a.relPath)! - order.get(b.relPath)!);
  const success = patchSuccess(images, target);
  const final: RunManifest = { ...manifest, images, finishedAt: new Date().toISOString(), summary: { ...summarizeAttack(images), patch: { target, success }, ...(resumedFrom > 0 ? { resumed: true } : {}) } };
  await writeRunManifest(dir, run, final);
  return { experimentDir: dir, run: await completeRun(dir, run.id), manifest: final, patchFile: copied.rel, target: rec.target, success, ...(resumedFrom > 0 ? { resumedFrom } : {}) };
}

/** The patch's goal over a run's rows: target hit among images not of the target class, or fooled among images classified right without the patch. */
export function patchSuccess(images: readonly Pick<RunImage, 'label' | 'success' | 'cleanTop5'>[], target: number | 'untargeted'): Rate {
  const eligible = images.filter((im) => (target === 'untargeted' ? im.cleanTop5[0]?.label === im.label : im.label !== target));
  return rateOf(eligible.filter((im) => im.success).length, eligible.length);
}

async function pasteBatch(batch: readonly LabeledImage[], patch: tf.Tensor4D, placements: Placement[], h: number, w: number, c: 1 | 3): Promise<Image8[]> {
  const taps = placementTaps(h, w, patch.shape[1], placements);
  const out = tf.tidy(() => {
    const x = tf.div(tf.tensor4d(Uint8Array.from(batch.flatMap((it) => Array.from(it.image.data))), [batch.length, h, w, c], 'int32'), 255) as tf.Tensor4D;
    return tf.cast(tf.round(tf.mul(pastePatch(x, patch, taps), 255)), 'int32');
  });
  const values = await out.data();
  out.dispose();
  const per = h * w * c;
  return batch.map((_, i) => ({ width: w, height: h, channels: c, data: Uint8Array.from(values.subarray(i * per, (i + 1) * per)) }));
}

function norms(a: Image8, b: Image8): { linf: number; l2: number } {
  let linf = 0;
  let sq = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    linf = Math.max(linf, d);
    sq += d * d;
  }
  return { linf, l2: Math.sqrt(sq) };
}
