/**
 * Results by capture condition, with RP2's conditional success rule (Eykholt et al. 2018 §V):
 * an adversarial photo counts as a success in a condition only where the clean image of the same
 * pair, photographed in the same condition, is classified correctly:
 *
 *   success = sum_k C(P_clean_k) (1 - C(P_adv_k))  /  sum_k C(P_clean_k)
 *
 * where P_* are the photo crops (same photo, hence same condition) and C is top-1 correctness.
 * Kurakin's destruction rate (Eq. 1, ./destruction.ts) conditions on the digital images
 * instead; both are reported side by side. One observation is one photographed adversarial
 * cell: several photos of a sheet in one condition each add their own observations.
 */
import { destructionRate, type DestructionRate } from './destruction';
import { wilsonInterval } from './wilson';

export interface PairObservation {
  /** Condition key (registration/protocol.ts conditionKey); '' when the photo had none. */
  condition: string;
  label: number;
  /** Top-1 labels; null where that image was not classified (e.g. no clean cell on the photo). */
  digitalClean: number | null;
  digitalAdv: number | null;
  photoClean: number | null;
  photoAdv: number | null;
}

export interface ConditionResult {
  condition: string;
  /** Adversarial cells photographed in this condition (observations). */
  observations: number;
  /** Top-1 accuracy of the photographed clean / adversarial cells. */
  cleanAccuracy: DestructionRate;
  advAccuracy: DestructionRate;
  /** Kurakin et al. Eq. (1) on the photos of this condition. */
  destruction: DestructionRate;
  /** RP2's conditional success rate (above). */
  conditionalSuccess: DestructionRate;
}

/** k of n with its Wilson interval, in the destruction rate's shape. */
export function proportion(numerator: number, denominator: number): DestructionRate {
  return { numerator, denominator, rate: denominator ? numerator / denominator : null, ci: wilsonInterval(numerator, denominator) };
}

/** RP2's rule over observations: successes among the pairs whose clean photo is right. */
export function conditionalSuccess(obs: readonly PairObservation[]): DestructionRate {
  const eligible = obs.filter((o) => o.photoClean !== null && o.photoAdv !== null && o.photoClean === o.label);
  return proportion(eligible.filter((o) => o.photoAdv !== o.label).length, eligible.length);
}

export function summarizeObservations(condition: string, obs: readonly PairObservation[]): ConditionResult {
  const withClean = obs.filter((o) => o.photoClean !== null);
  const withAdv = obs.filter((o) => o.photoAdv !== null);
  const digital = withAdv.filter((o) => o.digitalClean !== null && o.digitalAdv !== null);
  return {
    condition,
    observations: obs.length,
    cleanAccuracy: proportion(withClean.filter((o) => o.photoClean === o.label).length, withClean.length),
    advAccuracy: proportion(withAdv.filter((o) => o.photoAdv === o.label).length, withAdv.length),
    destruction: destructionRate({
      cleanCorrect: digital.map((o) => o.digitalClean === o.label),
      advCorrect: digital.map((o) => o.digitalAdv === o.label),
      transformedCorrect: digital.map((o) => o.photoAdv === o.label),
    }),
    conditionalSuccess: conditionalSuccess(obs),
  };
}

/** One result per condition, in order of first appearance. */
export function resultsByCondition(obs: readonly PairObservation[]): ConditionResult[] {
  const groups = new Map<string, PairObservation[]>();
  for (const o of obs) groups.set(o.condition, [...(groups.get(o.condition) ?? []), o]);
  return [...groups].map(([c, g]) => summarizeObservations(c, g));
}
