/**
 * Classification of an image set: per-image top-k and top-1/top-5 accuracy. An unlabelled set
 * (labels -1, `labelled: false`) gets predictions only: its accuracy counts stay 0 of 0.
 */
import { predict, type RankedClass } from '../inference';
import type { Classifier } from '../model';
import type { LabeledImage } from '../shared';

export interface ClassifiedImage {
  relPath: string;
  /** The true class, or -1 when the set has no labels. */
  label: number;
  top: RankedClass[];
  correctTop1: boolean;
  correctTop5: boolean;
}

export interface ClassifyResult {
  /** False for an unlabelled set: `top1`/`top5` are then 0 of 0 and mean nothing. */
  labelled: boolean;
  images: ClassifiedImage[];
  top1: { correct: number; total: number };
  top5: { correct: number; total: number };
}

export async function classifyImages(classifier: Classifier, items: readonly LabeledImage[], top = 5, labelled = true): Promise<ClassifyResult> {
  const preds = await predict(classifier, items.map((i) => i.image), { top: Math.max(top, 5) });
  const images = items.map((it, i): ClassifiedImage => {
    const ranked = preds[i].top;
    return {
      relPath: it.relPath,
      label: labelled ? it.label : -1,
      top: ranked.slice(0, top),
      correctTop1: labelled && ranked[0].label === it.label,
      correctTop5: labelled && ranked.slice(0, 5).some((r) => r.label === it.label),
    };
  });
  const total = labelled ? images.length : 0;
  return {
    labelled,
    images,
    top1: { correct: images.filter((i) => i.correctTop1).length, total },
    top5: { correct: images.filter((i) => i.correctTop5).length, total },
  };
}
