/**
 * `printshot evaluate` on two folders: clean images and their adversarial versions at the same
 * relative paths (an experiment's clean/ and adversarial/<run>/ folders, or any pair of
 * ImageFolder trees). Pairs are matched by path, ignoring the extension.
 *
 * Images inside an experiment are verified against the sha256 that experiment.json and the run
 * manifests record (src/workspace/verify.ts): a replaced PNG is an error naming it.
 */
import { relative, resolve, sep } from 'node:path';
import type { FitMode } from '../images';
import type { LoadedClassifier } from '../model';
import type { LabeledImage } from '../shared';
import { PrintshotError, throwIfAborted } from '../shared';
import { parseTransformSpec } from '../transforms';
import { cleanByRelPath, openExperiment, pngRelPath, readRunManifest, readVerifiedImage, verifyFolder, type Experiment, type RunRecord } from '../workspace';
import { requireWholeRun } from './complete-run';
import { evaluatePairs, type EvaluationReport, type PairSet, type Selection } from './evaluate';
import { experimentOf, openExperimentModel, openImages, openModel } from './sources';

export interface EvaluateJobSpec {
  /**
   * Model folder or 'default'. Absent: the model recorded by the experiment the folders belong
   * to (`--clean EXP/clean`), checked by fingerprint; the bundled model for folders outside one.
   */
  model?: string;
  /** How images of another aspect ratio reach the model's size (default: the experiment's, else 'fill'). */
  fit?: FitMode;
  clean: string;
  adversarial: string;
  transforms: string[];
  select?: Selection;
  n?: number;
  seed?: number | string;
  onProgress?: (done: number, total: number, label: string) => void;
}

export async function runEvaluateJob(spec: EvaluateJobSpec): Promise<EvaluationReport & { model: string; labels: string[] }> {
  const transforms = spec.transforms.flatMap((t) => parseTransformSpec(t));
  const expDir = spec.model === undefined ? experimentOf(spec.clean) ?? experimentOf(spec.adversarial) : undefined;
  const exp = expDir !== undefined ? await openExperiment(expDir) : undefined;
  const model: LoadedClassifier = exp ? await openExperimentModel(expDir!, exp) : await openModel(spec.model ?? 'default', { probeGradient: false });
  try {
    const fit = spec.fit ?? exp?.images.fit;
    const run = exp && expDir !== undefined ? runOfFolders(expDir, exp, spec.clean, spec.adversarial) : undefined;
    let pairs: PairSet;
    if (run) {
      await requireWholeRun(expDir!, run, 'evaluated');
      pairs = await experimentRunPairs(expDir!, run, { ...model.inputSpec, fit });
    } else {
      for (const folder of [spec.clean, spec.adversarial]) {
        const owner = experimentOf(folder);
        if (owner !== undefined) await verifyFolder(owner, owner === expDir && exp ? exp : await openExperiment(owner), folder);
      }
      const clean = await openImages(spec.clean, model, { fit });
      const adv = await openImages(spec.adversarial, model, { fit });
      pairs = pairByPath(clean.items, adv.items);
    }
    const report = await evaluatePairs(model, pairs, { transforms, select: spec.select, n: spec.n, seed: spec.seed, onProgress: spec.onProgress });
    return { model: model.card.name, labels: [...model.labels], ...report };
  } finally {
    model.dispose();
  }
}

/** The run whose folder is `adversarial` when `clean` is the same experiment's clean/ folder. */
function runOfFolders(dir: string, exp: Experiment, clean: string, adversarial: string): RunRecord | undefined {
  const rel = (p: string) => relative(resolve(dir), resolve(p)).split(sep).join('/');
  return rel(clean) === 'clean' ? exp.runs.find((r) => r.dir === rel(adversarial)) : undefined;
}

export interface RunPairsOptions {
  channels: 1 | 3;
  /** With both, images are brought to this size (a model of another input size). */
  width?: number;
  height?: number;
  fit?: FitMode;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A run's clean/adversarial pairs in manifest order, each PNG read through the verified reader
 * (its bytes must hash to what experiment.json or the manifest recorded). The engine's eval:run
 * and `printshot evaluate --clean EXP/clean --adversarial EXP/adversarial/RUN` both use it.
 */
export async function experimentRunPairs(dir: string, run: RunRecord, opts: RunPairsOptions): Promise<PairSet> {
  const manifest = await readRunManifest(dir, run);
  const cleanOf = cleanByRelPath(await openExperiment(dir));
  const read = { channels: opts.channels, ...(opts.width && opts.height ? { width: opts.width, height: opts.height, fit: opts.fit } : {}) };
  const pairs: PairSet = { relPaths: [], labels: [], clean: [], adversarial: [] };
  for (const [i, im] of manifest.images.entries()) {
    throwIfAborted(opts.signal);
    const clean = cleanOf.get(im.relPath);
    if (!clean) continue;
    pairs.relPaths.push(im.relPath);
    pairs.labels.push(im.label);
    pairs.clean.push(await readVerifiedImage(dir, clean, read));
    pairs.adversarial.push(await readVerifiedImage(dir, { file: im.file, sha256: im.sha256 }, read));
    opts.onProgress?.(i + 1, manifest.images.length);
  }
  if (pairs.clean.length === 0) throw new PrintshotError('bad-experiment', `run ${run.dir} has no images recorded yet`);
  return pairs;
}

export function pairByPath(clean: readonly LabeledImage[], adversarial: readonly LabeledImage[]): PairSet {
  const advByPath = new Map(adversarial.map((a) => [pngRelPath(a.relPath), a]));
  const pairs: PairSet = { relPaths: [], labels: [], clean: [], adversarial: [] };
  const missing: string[] = [];
  for (const c of clean) {
    const a = advByPath.get(pngRelPath(c.relPath));
    if (!a) {
      missing.push(c.relPath);
      continue;
    }
    if (a.label !== c.label) {
      throw new PrintshotError('bad-dataset', `${c.relPath}: clean label ${c.label} but adversarial label ${a.label}`);
    }
    pairs.relPaths.push(c.relPath);
    pairs.labels.push(c.label);
    pairs.clean.push(c.image);
    pairs.adversarial.push(a.image);
  }
  if (pairs.clean.length === 0) {
    throw new PrintshotError('bad-dataset', 'no clean image has an adversarial version at the same relative path');
  }
  if (missing.length) {
    throw new PrintshotError(
      'bad-dataset',
      `${missing.length} clean image(s) have no adversarial version (first: ${missing[0]})`,
      'point --adversarial at the run folder made from these clean images',
    );
  }
  return pairs;
}
