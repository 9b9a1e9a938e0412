/**
 * Destruction rate, Kurakin et al. Eq. (1):
 *
 *   d = sum_k C(X_k, y_k) (1 - C(Xadv_k, y_k)) C(T(Xadv_k), y_k)  /  sum_k C(X_k, y_k) (1 - C(Xadv_k, y_k))
 *
 * Among images whose clean version is right and whose digital adversarial version is wrong,
 * the fraction that T (photo, blur, ...) makes right again. Clean and adversarial terms use the
 * digital images; only the third uses T. Top-1 and top-5 each use their own C, hence their own
 * denominators (protocol §7 gotcha 9).
 */
import { PrintshotError } from '../shared';
import { correctAtK } from './ranking';
import { wilsonInterval, Z_95, type Interval } from './wilson';

export interface DestructionInput {
  cleanCorrect: readonly boolean[];
  advCorrect: readonly boolean[];
  transformedCorrect: readonly boolean[];
}

export interface DestructionRate {
  numerator: number;
  denominator: number;
  /** numerator / denominator; null when no image qualifies (denominator 0). */
  rate: number | null;
  /** Wilson interval of the rate; null when the denominator is 0. */
  ci: Interval | null;
}

export function destructionRate(input: DestructionInput, opts: { z?: number } = {}): DestructionRate {
  const { cleanCorrect, advCorrect, transformedCorrect } = input;
  const n = cleanCorrect.length;
  if (advCorrect.length !== n || transformedCorrect.length !== n) {
    throw new PrintshotError(
      'bad-argument',
      `destruction rate needs equal-length inputs (clean ${n}, adversarial ${advCorrect.length}, transformed ${transformedCorrect.length})`,
    );
  }
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < n; i++) {
    if (cleanCorrect[i] && !advCorrect[i]) {
      denominator++;
      if (transformedCorrect[i]) numerator++;
    }
  }
  return {
    numerator,
    denominator,
    rate: denominator ? numerator / denominator : null,
    ci: wilsonInterval(numerator, denominator, opts.z ?? Z_95),
  };
}

/** Ranked predictions (class indices, best first) for the three image sets, plus labels. */
export interface RankedSets {
  clean: readonly (readonly number[])[];
  adversarial: readonly (readonly number[])[];
  transformed: readonly (readonly number[])[];
  labels: readonly number[];
}

export function destructionRateAtK(sets: RankedSets, k: number, opts: { z?: number } = {}): DestructionRate {
  const { clean, adversarial, transformed, labels } = sets;
  const n = labels.length;
  if (clean.length !== n || adversarial.length !== n || transformed.length !== n) {
    throw new PrintshotError(
      'bad-argument',
      `destruction rate needs one prediction per label (labels ${n}, clean ${clean.length}, adversarial ${adversarial.length}, transformed ${transformed.length})`,
    );
  }
  const c = (rows: readonly (readonly number[])[]): boolean[] => rows.map((r, i) => correctAtK(r, labels[i], k));
  return destructionRate({ cleanCorrect: c(clean), advCorrect: c(adversarial), transformedCorrect: c(transformed) }, opts);
}

/** The paper's two columns: top-1 and top-5 destruction, each with its own C and denominator. */
export function destructionRatesTop1Top5(sets: RankedSets, opts: { z?: number } = {}): { top1: DestructionRate; top5: DestructionRate } {
  return { top1: destructionRateAtK(sets, 1, opts), top5: destructionRateAtK(sets, 5, opts) };
}
