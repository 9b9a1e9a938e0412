/**
 * Gradient-masking sanity checks over a robustness comparison, after Carlini et al., "On
 * Evaluating Adversarial Robustness" (2019, §5) and Croce & Hein's AutoAttack (2020): numbers
 * that no sound attack on a truly robust model produces, and that masked gradients do.
 *
 * All checks are pure functions of counts. "Beyond noise" (risesBeyondNoise) is decided on the
 * paired counts: both accuracies come from the same images, and an L∞ ball of a larger eps holds
 * every perturbation of a smaller one, so a sound attack can only lower accuracy; any rise is
 * images the weaker setting fooled and the stronger one missed. Random starts and ties still flip
 * an image now and then, so a rise counts when it is at least 2 images and at least 1 % of the
 * images. (Wilson intervals would not do here: they treat the two rates as independent samples
 * and on 16 images hide a 75 → 87.5 % rise that the paired view shows is the attack failing.)
 */

export type MaskingCode =
  | 'accuracy-rises-with-eps'
  | 'iterative-weaker-than-single-step'
  | 'transfer-stronger-than-white-box'
  | 'vanishing-gradients'
  | 'small-perturbation'
  | 'unbounded-not-broken';

export interface MaskingWarning {
  code: MaskingCode;
  model: string;
  method: string | null;
  eps: number | null;
  /** One line naming the model, attack, eps and the numbers. */
  message: string;
  /** What to do about it. */
  advice: string;
}

/** One cell of the grid as the checks need it: accuracy under attack with its counts. */
export interface MaskingCell {
  method: string;
  eps: number;
  images: number;
  /** Images still classified right (top-1) on the adversarial images. */
  advTop1Correct: number;
  /** Mean L∞ of the perturbation on the 0..255 scale. */
  meanLinf: number;
}

/** Input-gradient statistics of the attacks' loss at the clean images. */
export interface GradientStats {
  images: number;
  /** Images whose gradient is ~0 everywhere (max |∂L/∂x| below VANISHING_GRADIENT). */
  vanishing: number;
  /** Median over images of max |∂L/∂x|. */
  medianMaxAbs: number;
}

/** The extra attack at an eps that allows any image (AutoAttack's "unbounded" sanity check). */
export interface UnboundedCheck {
  method: string;
  eps: number;
  images: number;
  /** Images misclassified (top-1) after the attack. */
  fooled: number;
}

/** Adversarial images crafted on another model (`source`), classified by this one. */
export interface TransferCell {
  source: string;
  method: string;
  eps: number;
  images: number;
  advTop1Correct: number;
}

export interface MaskingModel {
  name: string;
  cells: readonly MaskingCell[];
  gradient?: GradientStats | null;
  unbounded?: UnboundedCheck | null;
  transfer?: readonly TransferCell[];
}

export interface MaskingOptions {
  /** Display name of an attack setting ('fast eps=8'); default 'fgsm eps=8'. */
  label?: (method: string, eps: number) => string;
}

/** max |∂L/∂x| under this counts as ~0: float32 rounds such a gradient away in any step on the 0..1 pixel scale. */
export const VANISHING_GRADIENT = 1e-12;
/** Share of images with a ~0 gradient that makes gradient attacks untrustworthy (and at least 2 images). */
export const VANISHING_SHARE = 0.1;
/** An iterative sign attack whose mean L∞ stays under this share of eps has not moved. */
export const SMALL_LINF_SHARE = 0.5;
/** The unbounded attack must fool at least this share of its images. */
export const UNBOUNDED_SHARE = 0.9;

/** Untargeted iterative sign attacks, each at least as strong as FGSM at the same eps. */
const ITERATIVE = new Set(['bim', 'pgd', 'mifgsm']);
/** Attacks that step by sign to the eps boundary, so their L∞ should approach eps. */
const SIGN_STEPPING = new Set(['bim', 'pgd', 'mifgsm', 'illc']);
const SINGLE_STEP = 'fgsm';

const pct = (k: number, n: number) => (n > 0 ? `${((100 * k) / n).toFixed(1)} %` : '—');
const counts = (k: number, n: number) => `${k}/${n} (${pct(k, n)})`;
/** Like the report's attackLabel: an unbounded setting (eps 255) is named by the method alone. */
const defaultLabel = (method: string, eps: number) => (eps < 255 ? `${method} eps=${eps}` : method);

/**
 * Whether accuracy `hi` (correct of total) is above `lo` by more than attack noise: at least 2
 * images and 1 % of the images (rates are compared when the totals differ).
 */
export function risesBeyondNoise(lo: { correct: number; total: number }, hi: { correct: number; total: number }): boolean {
  if (lo.total <= 0 || hi.total <= 0) return false;
  const n = Math.min(lo.total, hi.total);
  const riseImages = (hi.correct / hi.total - lo.correct / lo.total) * n;
  return riseImages >= 2 - 1e-9 && riseImages >= 0.01 * n - 1e-9;
}

const acc = (c: MaskingCell) => ({ correct: c.advTop1Correct, total: c.images });

/**
 * One warning per method: the worst of its eps (largest `score`), the others counted in the
 * message, so a model that fails at every eps gets one line per attack, not one per cell.
 */
function worstPerMethod(found: readonly { w: MaskingWarning; score: number }[]): MaskingWarning[] {
  const byMethod = new Map<string, { w: MaskingWarning; score: number }[]>();
  for (const f of found) byMethod.set(f.w.method ?? '', [...(byMethod.get(f.w.method ?? '') ?? []), f]);
  return [...byMethod.values()].map((list) => {
    const worst = list.reduce((a, b) => (b.score > a.score ? b : a));
    const others = list.filter((f) => f !== worst).map((f) => f.w.eps);
    return others.length ? { ...worst.w, message: `${worst.w.message}; also at eps ${others.join(', ')}` } : worst.w;
  });
}

/** Per method: the largest accuracy rise from a smaller eps to a larger one (eps < 255). */
export function checkRisingAccuracy(m: MaskingModel, opts: MaskingOptions = {}): MaskingWarning[] {
  const label = opts.label ?? defaultLabel;
  const out: MaskingWarning[] = [];
  for (const method of new Set(m.cells.map((c) => c.method))) {
    const cells = m.cells.filter((c) => c.method === method && c.eps < 255 && c.images > 0).sort((a, b) => a.eps - b.eps);
    let worst: { lo: MaskingCell; hi: MaskingCell; rise: number } | null = null;
    for (const [i, lo] of cells.entries()) {
      for (const hi of cells.slice(i + 1)) {
        const rise = hi.advTop1Correct / hi.images - lo.advTop1Correct / lo.images;
        if (hi.eps > lo.eps && risesBeyondNoise(acc(lo), acc(hi)) && (!worst || rise > worst.rise)) worst = { lo, hi, rise };
      }
    }
    if (!worst) continue;
    const { lo, hi } = worst;
    out.push({
      code: 'accuracy-rises-with-eps',
      model: m.name,
      method,
      eps: hi.eps,
      message: `${m.name}: accuracy rises with eps, ${label(method, lo.eps)} ${counts(lo.advTop1Correct, lo.images)} → ${label(method, hi.eps)} ${counts(hi.advTop1Correct, hi.images)} correct`,
      advice: 'a larger eps allows every smaller perturbation, so the attack is failing, not the model resisting: try a stronger attack (BIM/PGD with more steps and restarts) or a gradient-free one',
    });
  }
  return out;
}

/** BIM/PGD/MI-FGSM leaving more images right than FGSM at the same eps. */
export function checkIterativeWeaker(m: MaskingModel, opts: MaskingOptions = {}): MaskingWarning[] {
  const label = opts.label ?? defaultLabel;
  const out: MaskingWarning[] = [];
  for (const it of m.cells.filter((c) => ITERATIVE.has(c.method) && c.images > 0)) {
    const single = m.cells.find((c) => c.method === SINGLE_STEP && c.eps === it.eps && c.images > 0);
    if (!single || !risesBeyondNoise(acc(single), acc(it))) continue;
    out.push({
      code: 'iterative-weaker-than-single-step',
      model: m.name,
      method: it.method,
      eps: it.eps,
      message: `${m.name}: ${label(it.method, it.eps)} leaves ${counts(it.advTop1Correct, it.images)} correct, more than single-step ${label(single.method, single.eps)} (${counts(single.advTop1Correct, single.images)})`,
      advice: 'an iterative attack should be at least as strong as its single step: the loss surface is masked; try more steps, random restarts, a margin (C&W) loss or a gradient-free attack',
    });
  }
  return out;
}

/** Black-box (transfer) examples that beat the model's own white-box attack at the same setting. */
export function checkTransferStronger(m: MaskingModel, opts: MaskingOptions = {}): MaskingWarning[] {
  const label = opts.label ?? defaultLabel;
  const out: { w: MaskingWarning; score: number }[] = [];
  for (const t of m.transfer ?? []) {
    const own = m.cells.find((c) => c.method === t.method && c.eps === t.eps && c.images > 0);
    if (!own || t.images <= 0 || !risesBeyondNoise({ correct: t.advTop1Correct, total: t.images }, acc(own))) continue;
    out.push({
      score: own.advTop1Correct / own.images - t.advTop1Correct / t.images,
      w: {
        code: 'transfer-stronger-than-white-box',
        model: m.name,
        method: t.method,
        eps: t.eps,
        message: `${m.name}: ${label(t.method, t.eps)} transferred from ${t.source} leaves ${counts(t.advTop1Correct, t.images)} correct, fewer than the white-box attack on ${m.name} itself (${counts(own.advTop1Correct, own.images)})`,
        advice: "a black-box attack beating white-box means the model's own gradients mislead the attack: report the transfer numbers and try gradient-free or logit-based (C&W) attacks",
      },
    });
  }
  return worstPerMethod(out);
}

/** ~0 input gradients at the clean images, or iterative sign attacks that barely moved the pixels. */
export function checkVanishingGradients(m: MaskingModel, opts: MaskingOptions = {}): MaskingWarning[] {
  const label = opts.label ?? defaultLabel;
  const out: MaskingWarning[] = [];
  const g = m.gradient;
  if (g && g.images > 0 && g.vanishing >= 2 && g.vanishing >= VANISHING_SHARE * g.images) {
    out.push({
      code: 'vanishing-gradients',
      model: m.name,
      method: null,
      eps: null,
      message: `${m.name}: the loss gradient is ~0 (max |∂L/∂x| < ${VANISHING_GRADIENT}) at ${counts(g.vanishing, g.images)} clean images`,
      advice: 'gradient attacks cannot move these images, so their accuracy is no evidence of robustness: attack the logits (C&W), use a margin loss, or a gradient-free attack',
    });
  }
  const small = m.cells
    .filter((c) => SIGN_STEPPING.has(c.method) && c.images > 0 && c.eps > 0 && c.eps < 255 && c.meanLinf < SMALL_LINF_SHARE * c.eps)
    .map((c) => ({
      score: 1 - c.meanLinf / c.eps,
      w: {
        code: 'small-perturbation' as const,
        model: m.name,
        method: c.method,
        eps: c.eps,
        message: `${m.name}: ${label(c.method, c.eps)} moved the images by a mean L∞ of ${c.meanLinf.toFixed(2)}, under ${SMALL_LINF_SHARE * 100} % of eps ${c.eps}`,
        advice: 'an iterative sign attack that stays far inside its budget found no gradient to follow: try a logit-based (C&W) or gradient-free attack',
      },
    }));
  return [...out, ...worstPerMethod(small)];
}

/** The unbounded attack must break (nearly) every image: at eps 255 any image can become any other. */
export function checkUnbounded(m: MaskingModel, opts: MaskingOptions = {}): MaskingWarning[] {
  const label = opts.label ?? defaultLabel;
  const u = m.unbounded;
  if (!u || u.images <= 0 || u.fooled >= UNBOUNDED_SHARE * u.images) return [];
  return [
    {
      code: 'unbounded-not-broken',
      model: m.name,
      method: u.method,
      eps: u.eps,
      message: `${m.name}: the unbounded attack (${label(u.method, u.eps)}, eps ${u.eps}) fooled only ${counts(u.fooled, u.images)} of the images it classified right`,
      advice: 'with no bound any image can be turned into another class, so success under 100 % means the attack is failing: the model masks its gradients; try a gradient-free or logit-based attack',
    },
  ];
}

/** Every check on every model, in a stable order (model, then check). */
export function maskingChecks(models: readonly MaskingModel[], opts: MaskingOptions = {}): MaskingWarning[] {
  return models.flatMap((m) => [
    ...checkRisingAccuracy(m, opts),
    ...checkIterativeWeaker(m, opts),
    ...checkTransferStronger(m, opts),
    ...checkVanishingGradients(m, opts),
    ...checkUnbounded(m, opts),
  ]);
}
