/**
 * Runs an attack over a list of 8-bit images in batches and re-verifies every result after
 * rounding to 8 bits: success is reported for the image that will be saved and printed, not
 * for the float iterate. Every input gets an output, including images the model already
 * misclassifies (they count as successes of an untargeted attack only if still wrong).
 */
import { imagesToTensor, predict, quantizeIntoBall, tensorToImages, type RankedClass } from '../inference';
import type { Classifier } from '../model/classifier';
import { throwIfAborted, yieldToEventLoop, type Image8, type LabeledImage, type Rng } from '../shared';
import { parseAttackParams } from './params';
import type { AttackDescriptor } from './types';

export interface AttackImageResult {
  readonly relPath: string;
  readonly label: number;
  readonly adversarial: Image8;
  readonly cleanTop: RankedClass[];
  readonly advTop: RankedClass[];
  /** Untargeted: top-1 ≠ label. Targeted: top-1 = target. Judged after 8-bit rounding. */
  readonly success: boolean;
  readonly target?: number;
  readonly linf: number;
  readonly l2: number;
  readonly steps: number;
}

export interface AttackJobProgress {
  readonly imagesDone: number;
  readonly imagesTotal: number;
  readonly step: number;
  readonly steps: number;
}

export interface AttackJobOptions {
  readonly classifier: Classifier;
  readonly rng: Rng;
  readonly signal?: AbortSignal;
  readonly batchSize?: number;
  readonly onProgress?: (p: AttackJobProgress) => void | Promise<void>;
  /** Called with each finished batch, so callers can persist results as they arrive (resume). */
  readonly onBatch?: (results: AttackImageResult[]) => void | Promise<void>;
}

export async function attackImages(
  attack: AttackDescriptor,
  rawParams: unknown,
  items: readonly LabeledImage[],
  opts: AttackJobOptions,
): Promise<AttackImageResult[]> {
  const params = parseAttackParams(attack, rawParams);
  const batchSize = opts.batchSize ?? 32;
  const results: AttackImageResult[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    throwIfAborted(opts.signal);
    const batchItems = items.slice(start, start + batchSize);
    const clean = batchItems.map((it) => it.image);
    const x = imagesToTensor(clean);
    const labels = Int32Array.from(batchItems, (it) => it.label);
    let advFloat: Image8[];
    let out;
    try {
      out = await attack.run(
        {
          classifier: opts.classifier,
          rng: opts.rng,
          signal: opts.signal,
          onStep: async (p) => {
            await opts.onProgress?.({ imagesDone: start, imagesTotal: items.length, ...p });
            await yieldToEventLoop();
          },
        },
        { x, labels },
        params,
      );
      advFloat = await tensorToImages(out.adversarial);
      out.adversarial.dispose();
    } finally {
      x.dispose();
    }
    const adversarial = out.linfRadius !== undefined
      ? advFloat.map((a, i) => quantizeIntoBall(a, clean[i], out.linfRadius!))
      : advFloat;
    const [cleanPred, advPred] = await Promise.all([
      predict(opts.classifier, clean, { top: 5 }),
      predict(opts.classifier, adversarial, { top: 5 }),
    ]);
    const batchResults = batchItems.map((it, i): AttackImageResult => {
      const target = out.targets?.[i];
      const top1 = advPred[i].top[0].label;
      const { linf, l2 } = perturbationNorms(it.image, adversarial[i]);
      return {
        relPath: it.relPath,
        label: it.label,
        adversarial: adversarial[i],
        cleanTop: cleanPred[i].top,
        advTop: advPred[i].top,
        success: target === undefined ? top1 !== it.label : top1 === target,
        target,
        linf,
        l2,
        steps: out.stepsPerImage?.[i] ?? out.steps,
      };
    });
    results.push(...batchResults);
    await opts.onBatch?.(batchResults);
    await opts.onProgress?.({ imagesDone: results.length, imagesTotal: items.length, step: out.steps, steps: out.steps });
  }
  return results;
}

function perturbationNorms(a: Image8, b: Image8): { linf: number; l2: number } {
  let linf = 0;
  let sq = 0;
  for (let j = 0; j < a.data.length; j++) {
    const d = Math.abs(a.data[j] - b.data[j]);
    if (d > linf) linf = d;
    sq += d * d;
  }
  return { linf, l2: Math.sqrt(sq) };
}
