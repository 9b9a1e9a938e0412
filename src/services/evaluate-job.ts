/**
 * `printshot evaluate` on two folders: clean images and their adversarial versions at the same
 * relative paths (an experiment's clean/ and adversarial/<run>/ folders, or any pair of
 * ImageFolder trees). Pairs are matched by path, ignoring the extension.
 */
import type { FitMode } from '../images';
import type { LoadedClassifier } from '../model';
import type { LabeledImage } from '../shared';
import { PrintshotError } from '../shared';
import { parseTransformSpec } from '../transforms';
import { openExperiment, pngRelPath } from '../workspace';
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
    const clean = await openImages(spec.clean, model, { fit });
    const adv = await openImages(spec.adversarial, model, { fit });
    const pairs = pairByPath(clean.items, adv.items);
    const report = await evaluatePairs(model, pairs, { transforms, select: spec.select, n: spec.n, seed: spec.seed, onProgress: spec.onProgress });
    return { model: model.card.name, labels: [...model.labels], ...report };
  } finally {
    model.dispose();
  }
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
