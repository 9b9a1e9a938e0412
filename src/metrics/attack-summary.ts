/**
 * The one summary of an attack run, shared by the attack job, the resumed job, `check --repair`
 * and every reader of a run manifest.
 *
 * A run attacks every image, including those the model already misclassifies. For an untargeted
 * attack those count as "successes" (top-1 ≠ label) without the attack doing anything, which
 * inflated the headline rate (7/8 "fooled" when only 5/8 were right to begin with). The honest
 * headline is success among originally correct images (Kurakin et al. 2016 §3 likewise measure
 * on images the model got right), shown beside adversarial accuracy over all images. The raw
 * count over all images is kept under a name that says what it is.
 */
import { wilsonInterval, type Interval } from './wilson';

/** A rate with the counts behind it and its 95 % Wilson interval (null when total = 0). */
export interface Rate {
  count: number;
  total: number;
  rate: number | null;
  ci: Interval | null;
}

export function rateOf(count: number, total: number): Rate {
  return { count, total, rate: total ? count / total : null, ci: wilsonInterval(count, total) };
}

interface Ranked {
  readonly label: number;
}

/**
 * A per-image result as the attack produces it (cleanTop/advTop) or as the run manifest records
 * it (cleanTop5/advTop5).
 */
export interface AttackSummaryRow {
  readonly label: number;
  readonly success: boolean;
  readonly linf: number;
  readonly l2: number;
  readonly cleanTop?: readonly Ranked[];
  readonly advTop?: readonly Ranked[];
  readonly cleanTop5?: readonly Ranked[];
  readonly advTop5?: readonly Ranked[];
}

export interface AttackSummary {
  images: number;
  /** Raw successes over all images, including images already misclassified before the attack (= rawSuccess.count). */
  successes: number;
  /** successes / images (raw; see attackSuccess for the honest rate). */
  successRate: number;
  cleanTop1Correct: number;
  advTop1Correct: number;
  meanLinf: number;
  meanL2: number;
  /** Images the model already got wrong before the attack: never reported as "fooled". */
  alreadyMisclassified: number;
  /** Clean top-1 accuracy: cleanTop1Correct / images. */
  cleanAccuracy: Rate;
  /** The headline: originally correct images the attack fooled (or sent to its target) / cleanTop1Correct. */
  attackSuccess: Rate;
  /** Adversarial top-1 accuracy: advTop1Correct / images. */
  adversarialAccuracy: Rate;
  /** Raw success over all images (successes / images), already-misclassified images included. */
  rawSuccess: Rate;
}

const cleanTop1 = (r: AttackSummaryRow): number | undefined => (r.cleanTop ?? r.cleanTop5)?.[0]?.label;
const advTop1 = (r: AttackSummaryRow): number | undefined => (r.advTop ?? r.advTop5)?.[0]?.label;

/** True when the model got the clean image right, so the attack had something to fool. */
export const cleanCorrect = (r: AttackSummaryRow): boolean => cleanTop1(r) === r.label;

/**
 * How one image is shown: 'fooled' only when the clean prediction was right and the attack
 * succeeded; an image wrong before the attack is 'already misclassified' whatever happened.
 */
export function imageOutcome(r: AttackSummaryRow): 'fooled' | 'resisted' | 'already misclassified' {
  if (!cleanCorrect(r)) return 'already misclassified';
  return r.success ? 'fooled' : 'resisted';
}

export function summarizeAttack(rows: readonly AttackSummaryRow[]): AttackSummary {
  const images = rows.length;
  const n = images || 1;
  let successes = 0;
  let clean = 0;
  let adv = 0;
  let fooled = 0;
  let linf = 0;
  let l2 = 0;
  for (const r of rows) {
    const ok = cleanCorrect(r);
    if (r.success) successes++;
    if (ok) clean++;
    if (ok && r.success) fooled++;
    if (advTop1(r) === r.label) adv++;
    linf += r.linf;
    l2 += r.l2;
  }
  return {
    images,
    successes,
    successRate: successes / n,
    cleanTop1Correct: clean,
    advTop1Correct: adv,
    meanLinf: linf / n,
    meanL2: l2 / n,
    alreadyMisclassified: images - clean,
    cleanAccuracy: rateOf(clean, images),
    attackSuccess: rateOf(fooled, clean),
    adversarialAccuracy: rateOf(adv, images),
    rawSuccess: rateOf(successes, images),
  };
}
