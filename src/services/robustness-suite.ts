/**
 * The robustness suite (issue 18): AutoAttack's per-image worst case over an ensemble of attacks
 * (Croce & Hein 2020, arXiv 2003.01690), at each eps of a list, for several models.
 *
 * 'standard' runs apgd-ce, apgd-t, fab (FAB-T over the top-9 classes, as AutoAttack's standard
 * version) and square, in AutoAttack's order; 'rand' runs apgd-ce and apgd-dlr (AutoAttack's
 * version for randomised defences). The attacks run on every core (robustness-lanes.ts). Each attack gets only
 * the images still robust: a clean-misclassified image is never attacked and counts as not
 * robust, and an image is robust only if every attack fails. "Broken" is top-1 ≠ label after
 * 8-bit rounding, whatever the attack's own notion of success (apgd-t aims at a target class).
 * FGSM at the same eps runs beside it on all images: the reference the suite is compared with,
 * and one input of the masking checks, which run as in the grid mode (robustness-masking.ts).
 *
 * Writes results/robustness.json (the grid mode's shape, so reports pick it up; suite cells are
 * named 'suite-standard' / 'suite-rand') and results/robustness-curves.csv.
 */
import { join } from 'node:path';
import { attackRegistry, type AttackImageResult } from '../attacks';
import { sampleItems, type SampleMode } from '../images/sample';
import { accuracy, rankPrediction } from '../metrics';
import { rateOf, summarizeAttack, type Rate } from '../metrics/attack-summary';
import { predict, predictProbabilities } from '../inference';
import { currentBackend, type LoadedClassifier } from '../model';
import { PrintshotError, throwIfAborted, type LabeledImage } from '../shared';
import { atomicWrite, atomicWriteJson } from '../workspace';
import { summarize } from './attack-job';
import { openSuiteLanes, type SuiteLanes } from './robustness-lanes';
import { checkMinimalMethod, minimalSummary, type MinimalSummary } from './robustness-minimal';
import { keepForTransfer, maskingProbes, robustnessMasking, type TransferSource } from './robustness-masking';
import { defenceOf, type CellOutcome, type ModelOutcome, type RobustnessResult } from './robustness';
import { openImages, openModel } from './sources';

export type SuiteName = 'standard' | 'rand';

/** The attacks of a suite, in the order they run. */
export function suiteAttacks(suite: SuiteName): string[] {
  if (suite === 'rand') return ['apgd-ce', 'apgd-dlr'];
  const has = (id: string) => attackRegistry.some((a) => a.id === id);
  return ['apgd-ce', 'apgd-t', ...(has('fab') ? ['fab'] : []), 'square'];
}

/** Parameters beyond eps: AutoAttack's standard version runs FAB targeted (FAB-T) over 9 classes. */
const SUITE_PARAMS: Record<string, object> = { fab: { targetClasses: 9 } };

export interface WorstCase {
  /** Per image: the attack that broke it, 'clean' (misclassified before any attack) or null (robust). */
  brokenBy: (string | null)[];
  /** Images each attack was run on and broke, in suite order. */
  attacks: { method: string; attacked: number; broken: number }[];
}

/**
 * The per-image worst case: `attack(method, indices)` is called, in order, with the images still
 * robust and answers per index whether that image is now misclassified. Pure apart from `attack`.
 */
export async function worstCase(cleanCorrect: readonly boolean[], methods: readonly string[], attack: (method: string, indices: number[]) => Promise<boolean[]>): Promise<WorstCase> {
  const brokenBy: (string | null)[] = cleanCorrect.map((ok) => (ok ? null : 'clean'));
  const attacks: WorstCase['attacks'] = [];
  for (const method of methods) {
    const todo = brokenBy.flatMap((b, i) => (b === null ? [i] : []));
    const broken = todo.length ? await attack(method, todo) : [];
    if (broken.length !== todo.length) throw new PrintshotError('internal', `${method} answered for ${broken.length} of ${todo.length} images`);
    todo.forEach((i, k) => {
      if (broken[k]) brokenBy[i] = method;
    });
    attacks.push({ method, attacked: todo.length, broken: broken.filter(Boolean).length });
  }
  return { brokenBy, attacks };
}

export interface SuiteAttackStats {
  method: string;
  attacked: number;
  broken: number;
  seconds: number;
  /** Model queries summed over the attacked images (Square only; per image where the attack reports it, else its batch's most). */
  queries: number | null;
}

export interface SuitePoint {
  eps: number;
  clean: Rate;
  /** Robust images / all images, with its 95 % Wilson interval. */
  robust: Rate;
  /** FGSM's top-1 accuracy at the same eps (the reference). */
  fgsm: Rate;
  /** Images broken per attack ('clean': misclassified before any attack). */
  brokenBy: Record<string, number>;
  attacks: SuiteAttackStats[];
}

export interface SuiteModelOutcome extends ModelOutcome {
  suite: { name: SuiteName; attacks: string[]; points: SuitePoint[]; randomness: string };
  minimal: MinimalSummary[];
}

export interface SuiteResult extends Omit<RobustnessResult, 'models'> {
  suite: SuiteName;
  eps: number[];
  models: SuiteModelOutcome[];
  curvesFile: string;
}

export interface SuiteOptions {
  out: string;
  models: string[];
  /** An image folder (or 'samples'), or images already loaded at the models' input size. */
  images: string | { root: string; items: readonly LabeledImage[] };
  /** Use only this many images, chosen by `sample` (default 'first') with the seed. */
  limit?: number;
  sample?: SampleMode;
  suite: SuiteName;
  eps: number[];
  /** Minimum-norm attacks whose per-image minimal perturbation is summarised (cw-l2, lbfgs). */
  minimal?: string[];
  seed?: number;
  batchSize?: number;
  /** Threads attacking (default: the idle cores); the results do not depend on it. */
  lanes?: number;
  signal?: AbortSignal;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Each attack of the suite as it finishes (a long run's record before its end). */
  onAttack?: (model: string, eps: number, stats: SuiteAttackStats) => void;
  /** Images an attack has finished so far (`bench:suite`'s progress lines on a 10,000-image run). */
  onImages?: (method: string, done: number, total: number) => void;
}

export async function runRobustnessSuite(opts: SuiteOptions): Promise<SuiteResult> {
  if (!opts.eps.length) throw new PrintshotError('bad-argument', 'the suite needs at least one eps (--eps 8,16)');
  for (const m of opts.minimal ?? []) checkMinimalMethod(m);
  const started = Date.now();
  const seed = opts.seed ?? 0;
  const attacks = suiteAttacks(opts.suite);
  const models: SuiteModelOutcome[] = [];
  let imagesInfo: SuiteResult['images'] = { source: typeof opts.images === 'string' ? opts.images : opts.images.root, count: 0 };
  let transferSource: TransferSource | null = null;
  const steps = opts.models.length * (opts.eps.length + 1);
  for (const spec of opts.models) {
    throwIfAborted(opts.signal);
    const model = await openModel(spec);
    let lanes: SuiteLanes | undefined;
    try {
      lanes = await openSuiteLanes(model, { lanes: opts.lanes, seed, batchSize: opts.batchSize, signal: opts.signal });
      const data = typeof opts.images === 'string' ? await openImages(opts.images, model) : opts.images;
      const { items, sampling } = sampleItems(data.items, opts.limit, opts.sample ?? 'first', seed);
      imagesInfo = { source: data.root, count: items.length, sampling };
      const progress = (stage: string, k: number) => opts.onProgress?.(`${model.card.name}: ${stage}`, models.length * (opts.eps.length + 1) + k, steps);
      const randomness = await randomnessNote(model, items, opts.suite);
      const cleanPred = await predict(model, items.map((i) => i.image), { top: 5 });
      const cleanCorrect = items.map((it, i) => cleanPred[i].top[0].label === it.label);
      const source: TransferSource | null = models.length === 0 ? { name: model.card.name, fingerprint: model.fingerprint, relPaths: items.map((i) => i.relPath), cells: [] } : null;
      const cells: CellOutcome[] = [];
      const points: SuitePoint[] = [];
      for (const [k, eps] of opts.eps.entries()) {
        progress(`${opts.suite} suite eps=${eps}`, k);
        const fgsmRows = await lanes.run('fgsm', { eps }, items);
        if (source) keepForTransfer(source, 'fgsm', eps, fgsmRows.map((r) => r.adversarial));
        const fgsm = summarize(fgsmRows);
        cells.push({ method: 'fgsm', eps, params: { eps }, run: null, attack: fgsm, error: 1 - fgsm.advTop1Correct / Math.max(1, fgsm.images), transforms: [], photo: null });
        const point = await suitePoint(lanes, items, cleanCorrect, attacks, eps, {
          onAttack: (a) => opts.onAttack?.(model.card.name, eps, a),
          onImages: opts.onImages,
        });
        const rows = items.map((it, i): AttackImageResult => point.rows[i] ?? { relPath: it.relPath, label: it.label, adversarial: it.image, cleanTop: cleanPred[i].top, advTop: cleanPred[i].top, success: !cleanCorrect[i], linf: 0, l2: 0, steps: 0 });
        const summary = summarizeAttack(rows);
        cells.push({ method: `suite-${opts.suite}`, eps, params: { eps, attacks }, run: null, attack: summary, error: 1 - summary.advTop1Correct / Math.max(1, summary.images), transforms: [], photo: null });
        points.push({ ...point.stats, fgsm: fgsm.adversarialAccuracy });
      }
      progress('minimal perturbation and masking checks', opts.eps.length);
      const minimal: MinimalSummary[] = [];
      for (const m of opts.minimal ?? []) minimal.push(await minimalSummary(lanes, items.filter((_, i) => cleanCorrect[i]), m));
      const labels = items.map((i) => i.label);
      const cleanTop = (await predictProbabilities(model, items.map((i) => i.image))).map((p) => rankPrediction(p, 5).topK);
      const probes = await maskingProbes(model, items, cleanTop.map((t) => t[0]), seed, opts, transferSource);
      if (source) transferSource = source;
      models.push({
        name: model.card.name,
        source: spec,
        fingerprint: model.fingerprint,
        defence: defenceOf(model.card.provenance),
        experiment: null,
        clean: { top1: accuracy(cleanTop, labels, 1), top5: accuracy(cleanTop, labels, 5) },
        cells,
        ...probes,
        suite: { name: opts.suite, attacks, points, randomness },
        minimal,
      });
    } finally {
      await lanes?.close();
      model.dispose();
    }
  }
  const result: SuiteResult = {
    images: imagesInfo,
    seed,
    backend: (await currentBackend())?.name ?? 'unknown',
    seconds: (Date.now() - started) / 1000,
    suite: opts.suite,
    eps: opts.eps,
    models,
    masking: robustnessMasking(models),
    resultsFile: join(opts.out, 'results', 'robustness.json'),
    curvesFile: join(opts.out, 'results', 'robustness-curves.csv'),
  };
  await atomicWriteJson(result.resultsFile, result);
  await atomicWrite(result.curvesFile, curvesCsv(result));
  return result;
}

/** One eps: the worst case over the suite's attacks, with each attack's time and queries. */
async function suitePoint(
  lanes: SuiteLanes, items: readonly LabeledImage[], cleanCorrect: readonly boolean[], attacks: readonly string[], eps: number,
  hooks: { onAttack?: (stats: SuiteAttackStats) => void; onImages?: (method: string, done: number, total: number) => void },
) {
  const rows: (AttackImageResult | undefined)[] = new Array(items.length);
  const stats: SuiteAttackStats[] = [];
  const wc = await worstCase(cleanCorrect, attacks, async (method, indices) => {
    const t0 = Date.now();
    const onImages = hooks.onImages && ((done: number, total: number) => hooks.onImages!(method, done, total));
    const out = await lanes.run(method, { eps, ...SUITE_PARAMS[method] }, indices.map((i) => items[i]), onImages);
    const broken = out.map((r) => r.advTop[0].label !== r.label);
    // A robust image keeps the last attack's try; a broken one the image that broke it.
    indices.forEach((i, k) => (rows[i] = out[k]));
    const stat = { method, attacked: indices.length, broken: broken.filter(Boolean).length, seconds: (Date.now() - t0) / 1000, queries: method === 'square' ? out.reduce((s, r) => s + r.steps, 0) : null };
    stats.push(stat);
    hooks.onAttack?.(stat);
    return broken;
  });
  for (const a of wc.attacks) if (!stats.some((s) => s.method === a.method)) stats.push({ ...a, seconds: 0, queries: null });
  const n = items.length;
  const brokenBy: Record<string, number> = {};
  for (const b of wc.brokenBy) if (b) brokenBy[b] = (brokenBy[b] ?? 0) + 1;
  const robust = wc.brokenBy.filter((b) => b === null).length;
  return { rows, stats: { eps, clean: rateOf(cleanCorrect.filter(Boolean).length, n), robust: rateOf(robust, n), brokenBy, attacks: attacks.map((m) => stats.find((s) => s.method === m)!) } };
}

/**
 * What 'rand' does for this model. EOT over a model's randomness averages the gradient over
 * repeated forward passes; when two passes agree bit for bit, every pass is the same and EOT is
 * one pass. APGD here takes a single pass, so a model whose outputs vary is refused.
 */
async function randomnessNote(model: LoadedClassifier, items: readonly LabeledImage[], suite: SuiteName): Promise<string> {
  if (suite !== 'rand') return 'not checked (standard suite)';
  const few = items.slice(0, 8).map((i) => i.image);
  const [a, b] = [await predictProbabilities(model, few), await predictProbabilities(model, few)];
  const same = a.every((p, i) => p.every((v, j) => v === b[i][j]));
  if (!same) throw new PrintshotError('not-available', `${model.card.name} gives different outputs for the same input; --suite rand has no EOT over model randomness yet: attack it with --method eot-pgd in the grid mode`);
  return 'deterministic (two forward passes agree): EOT over the model randomness is a single pass, so rand = apgd-ce then apgd-dlr';
}

/** results/robustness-curves.csv: one row per (model, eps). */
export function curvesCsv(r: Pick<SuiteResult, 'suite' | 'models'>): string {
  const head = ['model', 'defence', 'suite', 'eps', 'images', 'clean_correct', 'robust', 'robust_accuracy', 'ci_low', 'ci_high', 'fgsm_accuracy', 'broken_by'];
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = r.models.flatMap((m) =>
    m.suite.points.map((p) =>
      [m.name, m.defence ?? '', r.suite, p.eps, p.robust.total, p.clean.count, p.robust.count, p.robust.rate ?? '', p.robust.ci?.low ?? '', p.robust.ci?.high ?? '', p.fgsm.rate ?? '', Object.entries(p.brokenBy).map(([k, v]) => `${k}:${v}`).join(' ')]
        .map((v) => q(String(v)))
        .join(','),
    ),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}
