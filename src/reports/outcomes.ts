/**
 * Per-image outcomes of one run, the raw material of every table: the model's ranked predictions
 * for the clean and adversarial PNGs, the rank of the true label under each synthetic transform
 * and on each photo crop, and the perturbation norms.
 *
 * Tables are then pure arithmetic over these (selection, Eq. 1, Wilson intervals), so the
 * average and prefiltered cases, any n and any seed come from one pass over the images. The
 * outcomes are cached in EXPERIMENT/results/report-<run>.json (written atomically) and reused
 * while the model, the run's manifest (with its PNGs' sha256), the clean PNGs' sha256 and the
 * seed are unchanged (buildReportData checks the files against those hashes first); new
 * transform settings are computed and merged in, so a second report costs seconds.
 */
import { readFile } from 'node:fs/promises';
import { runDisplayName } from '../attacks/names';
import { readImage8 } from '../images';
import { predictProbabilities } from '../inference';
import { imageNorms, psnr, rankPrediction, ssim } from '../metrics';
import type { LoadedClassifier } from '../model';
import { createRng, log, type Image8 } from '../shared';
import { applyTransform8, getTransform, parseTransformSpec } from '../transforms';
import { atomicWriteJson, resolveInExperiment, sha256, type Experiment, type RunManifest, type RunRecord } from '../workspace';
import { photoPairsForRun, type PhotoCrop } from './captures';
import type { Rank } from './stats';

export interface Pred {
  topK: number[];
  topProb: number;
}

export interface PhotoOutcomes {
  advFiles: (string | null)[];
  cleanFiles: (string | null)[];
  adversarial: (Pred | null)[];
  clean: (Pred | null)[];
}

export interface RunOutcomes {
  key: string;
  relPaths: string[];
  labels: number[];
  cleanFiles: string[];
  advFiles: string[];
  clean: Pred[];
  adversarial: Pred[];
  /** Rank of the true label on T(X_adv), by transform spec. */
  transformed: Record<string, Rank[]>;
  /** Rank of the true label on T(X), by transform spec (only the tables' settings). */
  transformedClean: Record<string, Rank[]>;
  photo: (PhotoOutcomes & { key: string }) | null;
  perturbation: { linf: number[]; l2: number[]; psnr: (number | null)[]; ssim: (number | null)[] };
  /** 'model' when predictions were recomputed from the PNGs, 'manifest' when taken from it. */
  predictionsFrom: 'model' | 'manifest';
}

export interface OutcomeContext {
  dir: string;
  experiment: Experiment;
  /** The experiment's model, or null when it cannot be used (then only digital results). */
  model: LoadedClassifier | null;
  seed: number | string;
  crops: readonly PhotoCrop[];
  capturesHash: string | null;
  onProgress?: (stage: string) => void;
}

const CACHE_VERSION = 1;
const BATCH = 64;

export function cacheFile(run: RunRecord): string {
  return `results/report-${run.dir.replace(/^adversarial\//, '')}-${run.id.slice(0, 8)}.json`;
}

export const rankOf = (p: Pred, label: number): Rank => p.topK.indexOf(label);

export async function runOutcomes(
  ctx: OutcomeContext,
  run: RunRecord,
  manifest: RunManifest,
  manifestBytes: string,
  sweeps: readonly string[],
  tableSpecs: readonly string[],
): Promise<RunOutcomes> {
  // The manifest holds every adversarial PNG's sha256; the clean PNGs' are in experiment.json.
  const cleanHashes = sha256(ctx.experiment.images.items.map((it) => `${it.file}:${it.sha256}`).join('\n'));
  const key = sha256(JSON.stringify({ v: CACHE_VERSION, model: ctx.model?.fingerprint ?? null, manifest: sha256(manifestBytes), clean: cleanHashes, seed: ctx.seed }));
  const cached = await readCache(ctx.dir, run, key);
  const cleanFileOf = new Map(ctx.experiment.images.items.map((it) => [it.relPath, it.file]));
  const images = manifest.images.filter((im) => cleanFileOf.has(im.relPath));
  const out: RunOutcomes = cached ?? {
    key,
    relPaths: images.map((im) => im.relPath),
    labels: images.map((im) => im.label),
    cleanFiles: images.map((im) => cleanFileOf.get(im.relPath)!),
    advFiles: images.map((im) => im.file),
    clean: images.map((im) => ({ topK: im.cleanTop5.map((t) => t.label), topProb: im.cleanTop5[0]?.prob ?? 0 })),
    adversarial: images.map((im) => ({ topK: im.advTop5.map((t) => t.label), topProb: im.advTop5[0]?.prob ?? 0 })),
    transformed: {},
    transformedClean: {},
    photo: null,
    perturbation: { linf: [], l2: [], psnr: [], ssim: [] },
    predictionsFrom: 'manifest',
  };
  let dirty = !cached;
  let cleanImgs: Image8[] | undefined;
  let advImgs: Image8[] | undefined;
  const load = async () => {
    cleanImgs ??= await Promise.all(out.cleanFiles.map((f) => readImage8(resolveInExperiment(ctx.dir, f))));
    advImgs ??= await Promise.all(out.advFiles.map((f) => readImage8(resolveInExperiment(ctx.dir, f))));
    return { clean: cleanImgs, adv: advImgs };
  };
  const label = runDisplayName(run.method, run.eps);

  if (!cached) {
    ctx.onProgress?.(`${label}: perturbation statistics`);
    const { clean, adv } = await load();
    out.perturbation = perturbationOf(clean, adv);
  }
  const model = ctx.model;
  if (model && out.predictionsFrom !== 'model') {
    ctx.onProgress?.(`${label}: clean and adversarial predictions`);
    const { clean, adv } = await load();
    out.clean = await classify(model, clean);
    out.adversarial = await classify(model, adv);
    out.predictionsFrom = 'model';
    dirty = true;
  }
  if (model) {
    for (const spec of sweeps.filter((s) => !out.transformed[s])) {
      ctx.onProgress?.(`${label}: ${spec}`);
      out.transformed[spec] = await transformRanks(model, (await load()).adv, out.labels, spec, ctx.seed);
      dirty = true;
    }
    for (const spec of tableSpecs.filter((s) => !out.transformedClean[s])) {
      ctx.onProgress?.(`${label}: ${spec} on clean images`);
      out.transformedClean[spec] = await transformRanks(model, (await load()).clean, out.labels, spec, ctx.seed);
      dirty = true;
    }
    const photoKey = sha256(`${ctx.capturesHash ?? 'none'}:${key}`);
    if (out.photo?.key !== photoKey) {
      ctx.onProgress?.(`${label}: photo crops`);
      out.photo = ctx.capturesHash ? { key: photoKey, ...(await photoOutcomes(ctx.dir, model, run, out.relPaths, ctx.crops)) } : null;
      dirty = true;
    }
  }
  if (dirty) await atomicWriteJson(resolveInExperiment(ctx.dir, cacheFile(run)), { version: CACHE_VERSION, ...out });
  return out;
}

async function readCache(dir: string, run: RunRecord, key: string): Promise<RunOutcomes | null> {
  try {
    const json = JSON.parse(await readFile(resolveInExperiment(dir, cacheFile(run)), 'utf8')) as RunOutcomes & { version?: number };
    // A stale or foreign cache is simply recomputed; it is never trusted across inputs.
    return json.version === CACHE_VERSION && json.key === key ? json : null;
  } catch {
    return null;
  }
}

async function classify(model: LoadedClassifier, images: readonly Image8[]): Promise<Pred[]> {
  const out: Pred[] = [];
  for (let s = 0; s < images.length; s += BATCH) {
    for (const row of await predictProbabilities(model, images.slice(s, s + BATCH))) {
      const r = rankPrediction(row, 5);
      out.push({ topK: r.topK, topProb: r.topProb });
    }
  }
  return out;
}

/**
 * Ranks of the true labels under one transform setting. The noise stream is seeded by the spec,
 * so T(X) and T(X_adv) of one image see the same noise, and every run sees the same draws.
 */
async function transformRanks(model: LoadedClassifier, images: readonly Image8[], labels: readonly number[], spec: string, seed: number | string): Promise<Rank[]> {
  const [t] = parseTransformSpec(spec);
  const desc = getTransform(t.id);
  const rng = createRng(`${String(seed)}:${spec}`);
  const ranks: Rank[] = [];
  for (let s = 0; s < images.length; s += BATCH) {
    const transformed = await applyTransform8(desc, images.slice(s, s + BATCH), t.params, rng);
    const preds = await classify(model, transformed);
    preds.forEach((p, i) => ranks.push(rankOf(p, labels[s + i])));
  }
  return ranks;
}

async function photoOutcomes(dir: string, model: LoadedClassifier, run: RunRecord, relPaths: readonly string[], crops: readonly PhotoCrop[]): Promise<PhotoOutcomes> {
  const pairs = photoPairsForRun(crops, run.dir);
  const advFiles = relPaths.map((r) => pairs.get(r)?.adversarial ?? null);
  const cleanFiles = relPaths.map((r) => pairs.get(r)?.clean ?? null);
  const { height, width, channels } = model.inputSpec;
  // Crops are resampled to the source size by registration; converting here only adapts
  // channels (a colour photo of a grey image) and guards against a size mismatch.
  const predictFiles = async (files: (string | null)[]): Promise<(Pred | null)[]> => {
    const read = (f: string) =>
      readImage8(resolveInExperiment(dir, f), { channels, width, height }).catch((e: unknown) => {
        // A deleted or damaged crop counts as not photographed rather than failing the report.
        log.warn(`photo crop ${f} skipped: ${(e as Error).message}`);
        return null;
      });
    const loaded = await Promise.all(files.map((f) => (f ? read(f) : null)));
    const idx = loaded.flatMap((img, i) => (img ? [i] : []));
    const imgs = idx.map((i) => loaded[i]!);
    const preds = await classify(model, imgs);
    const out: (Pred | null)[] = files.map(() => null);
    idx.forEach((i, j) => (out[i] = preds[j]));
    return out;
  };
  const adversarial = await predictFiles(advFiles);
  const clean = await predictFiles(cleanFiles);
  return { advFiles: advFiles.map((f, i) => (adversarial[i] ? f : null)), cleanFiles: cleanFiles.map((f, i) => (clean[i] ? f : null)), adversarial, clean };
}

function perturbationOf(clean: readonly Image8[], adv: readonly Image8[]): RunOutcomes['perturbation'] {
  const p: RunOutcomes['perturbation'] = { linf: [], l2: [], psnr: [], ssim: [] };
  clean.forEach((c, i) => {
    const a = adv[i];
    const n = imageNorms(c, a);
    p.linf.push(n.linf);
    p.l2.push(n.l2);
    const db = psnr(c, a);
    // JSON has no Infinity: an unchanged image (PSNR = ∞) is stored as null and left out of means.
    p.psnr.push(Number.isFinite(db) ? db : null);
    let s: number | null;
    try {
      s = ssim(c, a);
    } catch {
      s = null; // images smaller than the SSIM window
    }
    p.ssim.push(s);
  });
  return p;
}
