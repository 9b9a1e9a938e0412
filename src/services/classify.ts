/** Classification of an image set: per-image top-k and top-1/top-5 accuracy. */
import { predict, type RankedClass } from '../inference';
import type { Classifier } from '../model';
import type { LabeledImage } from '../shared';

export interface ClassifiedImage {
  relPath: string;
  label: number;
  top: RankedClass[];
  correctTop1: boolean;
  correctTop5: boolean;
}

export interface ClassifyResult {
  images: ClassifiedImage[];
  top1: { correct: number; total: number };
  top5: { correct: number; total: number };
}

export async function classifyImages(classifier: Classifier, items: readonly LabeledImage[], top = 5): Promise<ClassifyResult> {
  const preds = await predict(classifier, items.map((i) => i.image), { top: Math.max(top, 5) });
  const images = items.map((it, i): ClassifiedImage => {
    const ranked = preds[i].top;
    return {
      relPath: it.relPath,
      label: it.label,
      top: ranked.slice(0, top),
      correctTop1: ranked[0].label === it.label,
      correctTop5: ranked.slice(0, 5).some((r) => r.label === it.label),
    };
  });
  return {
    images,
    top1: { correct: images.filter((i) => i.correctTop1).length, total: images.length },
    top5: { correct: images.filter((i) => i.correctTop5).length, total: images.length },
  };
}
