/**
 * Evaluation of clean/adversarial pairs, digitally and under synthetic transforms: top-1/top-5
 * accuracy and the destruction rate (Kurakin Eq. 1) with numerator, denominator and Wilson
 * interval, in the paper's average or prefiltered selection.
 */
import { predictProbabilities } from '../inference';
import {
  accuracy,
  destructionRatesTop1Top5,
  rankPrediction,
  selectAverage,
  selectPrefiltered,
  type AccuracyResult,
  type ConfidenceOn,
  type DestructionRate,
  type RankedPrediction,
} from '../metrics';
import type { Classifier } from '../model';
import { createRng, PrintshotError, type Image8 } from '../shared';
import { applyTransform8, formatTransformSpec, getTransform, type TransformSpec } from '../transforms';

export type Selection = 'average' | 'prefiltered';

export interface PairSet {
  relPaths: string[];
  labels: number[];
  clean: Image8[];
  adversarial: Image8[];
}

export interface EvaluateOptions {
  transforms: TransformSpec[];
  select?: Selection;
  /** Images to keep after selection (the paper used 102); all when absent. */
  n?: number;
  seed?: number | string;
  confidenceOn?: ConfidenceOn;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface TransformResult {
  spec: string;
  id: string;
  params: Record<string, number>;
  destruction: { top1: DestructionRate; top5: DestructionRate };
  /** Accuracy of T(X_adv). */
  adversarial: { top1: AccuracyResult; top5: AccuracyResult };
}

export interface EvaluationReport {
  selection: { mode: Selection; eligible: number; used: number; confidenceOn?: ConfidenceOn; relPaths: string[] };
  digital: {
    clean: { top1: AccuracyResult; top5: AccuracyResult };
    adversarial: { top1: AccuracyResult; top5: AccuracyResult };
  };
  transforms: TransformResult[];
}

async function rankAll(classifier: Classifier, images: readonly Image8[]): Promise<RankedPrediction[]> {
  return (await predictProbabilities(classifier, images)).map((p) => rankPrediction(p, 5));
}

function acc(ranked: readonly RankedPrediction[], labels: readonly number[]) {
  const top = ranked.map((r) => r.topK);
  return { top1: accuracy(top, labels, 1), top5: accuracy(top, labels, 5) };
}

export async function evaluatePairs(classifier: Classifier, pairs: PairSet, opts: EvaluateOptions): Promise<EvaluationReport> {
  if (pairs.clean.length === 0) throw new PrintshotError('bad-dataset', 'no clean/adversarial pairs to evaluate');
  const mode = opts.select ?? 'average';
  const rng = createRng(opts.seed ?? 0);
  const cleanAll = await rankAll(classifier, pairs.clean);
  const advAll = await rankAll(classifier, pairs.adversarial);
  const eligible =
    mode === 'prefiltered'
      ? selectPrefiltered({ labels: pairs.labels, clean: cleanAll, adversarial: advAll }, { confidenceOn: opts.confidenceOn })
      : pairs.labels.map((_, i) => i);
  const chosen = opts.n !== undefined ? selectAverage(eligible.length, opts.n, rng).map((j) => eligible[j]) : eligible;
  const pick = <T>(xs: readonly T[]): T[] => chosen.map((i) => xs[i]);
  const labels = pick(pairs.labels);
  const clean = pick(cleanAll);
  const adv = pick(advAll);
  const advImages = pick(pairs.adversarial);

  const results: TransformResult[] = [];
  for (const [i, t] of opts.transforms.entries()) {
    const spec = formatTransformSpec(t);
    opts.onProgress?.(i, opts.transforms.length, spec);
    const transformed = chosen.length ? await applyTransform8(getTransform(t.id), advImages, t.params, rng.fork()) : [];
    const tRanked = await rankAll(classifier, transformed);
    results.push({
      spec,
      id: t.id,
      params: t.params,
      destruction: destructionRatesTop1Top5({
        clean: clean.map((r) => r.topK),
        adversarial: adv.map((r) => r.topK),
        transformed: tRanked.map((r) => r.topK),
        labels,
      }),
      adversarial: acc(tRanked, labels),
    });
  }
  opts.onProgress?.(opts.transforms.length, opts.transforms.length, 'done');
  return {
    selection: {
      mode,
      eligible: eligible.length,
      used: chosen.length,
      ...(mode === 'prefiltered' ? { confidenceOn: opts.confidenceOn ?? 'both' } : {}),
      relPaths: pick(pairs.relPaths),
    },
    digital: { clean: acc(clean, labels), adversarial: acc(adv, labels) },
    transforms: results,
  };
}
