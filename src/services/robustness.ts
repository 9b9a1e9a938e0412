/**
 * Robustness comparison: the same attack grid (methods × eps) against several target models
 * (typically plain, adversarially trained and distilled), each attacked white-box, then judged
 * digitally, under synthetic transforms and through (simulated) photos.
 *
 * With `save` (the default) every model gets its own experiment folder under `out/<model>/`, so
 * each can be checked, reported and photographed like any other, and a rerun reuses complete
 * runs. Without it (full-test-set measurements) nothing but results/robustness.json is written.
 *
 * Error under attack = 1 − top-1 accuracy on the adversarial images over ALL images, so a model
 * that was wrong already counts as wrong (Goodfellow et al. report error rates this way).
 */
import { join } from 'node:path';
import { attackImages, getAttack, parseAttackParams, type AttackImageResult, type AttackJobProgress } from '../attacks';
import { accuracy, rankPrediction, type AccuracyResult, type DestructionRate } from '../metrics';
import { sampleItems, type SampleMode, type SamplingRecord } from '../images/sample';
import { predictProbabilities } from '../inference';
import { currentBackend, type LoadedClassifier } from '../model';
import type { Cell, ReportTable } from '../reports';
import { createRng, throwIfAborted, type Image8, type LabeledImage } from '../shared';
import type { TransformSpec } from '../transforms';
import { atomicWriteJson } from '../workspace';
import type { GradientStats, MaskingWarning, TransferCell, UnboundedCheck } from '../metrics/masking';
import { attackIntoExperiment, summarize, type AttackSummary } from './attack-job';
import { runDemoPhotos } from './demo-photos';
import { evaluatePairs } from './evaluate';
import { keepForTransfer, maskingProbes, robustnessMasking, type TransferSource } from './robustness-masking';
import { findCompleteRun, loadRunImages } from './run-reuse';
import { openImages, openModel } from './sources';

export interface GridCell {
  method: string;
  /** Attack parameters; eps (0..255) included. Defaults are filled in from the attack's schema. */
  params: Record<string, unknown>;
  /** Print and photograph this cell's images (needs save). */
  photo?: boolean;
}

export interface RobustnessOptions {
  out: string;
  /** Model folders or 'default'. */
  models: string[];
  /** 'samples', an image folder or an IDX set. */
  images: string;
  /** Use only this many images, chosen by `sample` (default 'first') with the seed. */
  limit?: number;
  sample?: SampleMode;
  grid: GridCell[];
  transforms?: TransformSpec[];
  save?: boolean;
  seed?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Steps inside the attack of the current cell (the workbench moves its bar between cells with it). */
  onAttackProgress?: (p: AttackJobProgress) => void;
}

export interface TransformOutcome {
  spec: string;
  advTop1: AccuracyResult;
  destruction: DestructionRate;
}

export interface PhotoOutcome {
  clean: Cell | null;
  adversarial: Cell | null;
  destruction: Cell | null;
}

export interface CellOutcome {
  method: string;
  eps: number;
  params: Record<string, unknown>;
  run: string | null;
  attack: AttackSummary;
  /** 1 − adversarial top-1 accuracy over all images. */
  error: number;
  transforms: TransformOutcome[];
  photo: PhotoOutcome | null;
}

export interface ModelOutcome {
  name: string;
  source: string;
  fingerprint: string;
  /** How the model was made robust, from its card's provenance (null for a plain model). */
  defence: string | null;
  experiment: string | null;
  clean: { top1: AccuracyResult; top5: AccuracyResult };
  cells: CellOutcome[];
  /** Input-gradient statistics at the clean images, for the masking checks. */
  gradient: GradientStats;
  /** The extra unbounded attack on a few correctly classified images (null: none was right). */
  unbounded: UnboundedCheck | null;
  /** The first model's adversarial images classified by this one (empty for the first model). */
  transfer: TransferCell[];
}

export interface RobustnessResult {
  images: { source: string; count: number; sampling?: SamplingRecord };
  seed: number;
  backend: string;
  seconds: number;
  models: ModelOutcome[];
  /** Gradient-masking warnings (src/metrics/masking.ts); empty when no check fired. */
  masking: MaskingWarning[];
  resultsFile: string;
}

/** Short text of a model card's defence: 'adversarial training (fgsm, eps 25, α 0.5)', …. */
export function defenceOf(provenance: Record<string, unknown> | undefined): string | null {
  const p = (provenance ?? {}) as Record<string, unknown>;
  const flat = p.defence ?? p.defense;
  if (typeof flat === 'string') {
    // scripts/defend_train.py writes the defence flat into the provenance, beside dataset, seed,
    // history and the like: only the settings that say how it was defended are worth a line.
    const bits = ['method', 'eps', 'alpha', 'temperature'].filter((k) => typeof p[k] === 'number' || typeof p[k] === 'string').map((k) => `${k} ${String(p[k])}`);
    return bits.length ? `${flat} (${bits.join(', ')})` : flat;
  }
  const h = (p.hardening ?? flat) as Record<string, unknown> | undefined;
  if (!h || typeof h !== 'object') return null;
  const kind = String(h.kind ?? h.method ?? 'defence');
  const bits = Object.entries(h)
    .filter(([k, v]) => k !== 'kind' && (typeof v === 'number' || typeof v === 'string') && String(v).length < 24)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${String(v)}`);
  return bits.length ? `${kind} (${bits.join(', ')})` : kind;
}

export async function compareRobustness(opts: RobustnessOptions): Promise<RobustnessResult> {
  const started = Date.now();
  const seed = opts.seed ?? 0;
  const save = opts.save ?? true;
  const models: ModelOutcome[] = [];
  const steps = opts.models.length * (opts.grid.length + 1);
  let imagesInfo: RobustnessResult['images'] = { source: opts.images, count: 0 };
  const usedDirs = new Set<string>();
  let transferSource: TransferSource | null = null;
  for (const spec of opts.models) {
    throwIfAborted(opts.signal);
    const model = await openModel(spec);
    try {
      const data = await openImages(opts.images, model);
      const { items, sampling } = sampleItems(data.items, opts.limit, opts.sample ?? 'first', seed);
      imagesInfo = { source: data.root, count: items.length, sampling };
      const dir = save ? uniqueDir(opts.out, model.card.name, usedDirs) : null;
      const progress = (stage: string, k: number) => opts.onProgress?.(`${model.card.name}: ${stage}`, models.length * (opts.grid.length + 1) + k, steps);
      progress('clean accuracy', 0);
      const cleanTop = (await predictProbabilities(model, items.map((i) => i.image))).map((p) => rankPrediction(p, 5).topK);
      // The first model's adversarial images are the transfer attack on every later one.
      const source: TransferSource | null = models.length === 0 ? { name: model.card.name, fingerprint: model.fingerprint, relPaths: items.map((i) => i.relPath), cells: [] } : null;
      const cells: CellOutcome[] = [];
      const photoRuns: { method: string; eps: number; dir: string; id: string }[] = [];
      for (const [k, cell] of opts.grid.entries()) {
        const attack = getAttack(cell.method);
        const params = parseAttackParams(attack, cell.params) as Record<string, unknown>;
        const eps = attack.runEps(params);
        progress(`${cell.method} eps=${eps}`, k + 1);
        const { results, run } = await attackOutcome(model, items, { method: cell.method, params }, seed, dir, data.root, opts, sampling);
        const evaluation = await evaluatePairs(
          model,
          { relPaths: items.map((i) => i.relPath), labels: items.map((i) => i.label), clean: items.map((i) => i.image), adversarial: results.adversarial },
          { transforms: opts.transforms ?? [], select: 'average', seed },
        );
        const summary = summarize(results.rows);
        if (source) keepForTransfer(source, getAttack(cell.method).id, eps, results.adversarial);
        cells.push({
          method: getAttack(cell.method).id,
          eps,
          params,
          run: run?.id ?? null,
          attack: summary,
          error: 1 - summary.advTop1Correct / Math.max(1, summary.images),
          transforms: evaluation.transforms.map((t) => ({ spec: t.spec, advTop1: t.adversarial.top1, destruction: t.destruction.top1 })),
          photo: null,
        });
        if (cell.photo && run && dir) photoRuns.push({ method: getAttack(cell.method).id, eps, dir: run.dir, id: run.id });
      }
      if (photoRuns.length && dir) {
        const photos = await runDemoPhotos({ out: dir, runs: photoRuns, model, seed, signal: opts.signal, onProgress: (s) => progress(s, opts.grid.length) });
        attachPhotoOutcomes(cells, photos.tables, photoRuns);
      }
      const labels = items.map((i) => i.label);
      progress('masking checks', opts.grid.length);
      const probes = await maskingProbes(model, items, cleanTop.map((t) => t[0]), seed, opts, transferSource);
      if (source) transferSource = source;
      models.push({
        name: model.card.name,
        source: spec,
        fingerprint: model.fingerprint,
        defence: defenceOf(model.card.provenance),
        experiment: dir,
        clean: { top1: accuracy(cleanTop, labels, 1), top5: accuracy(cleanTop, labels, 5) },
        cells,
        ...probes,
      });
    } finally {
      model.dispose();
    }
  }
  const result: RobustnessResult = {
    images: imagesInfo,
    seed,
    backend: (await currentBackend())?.name ?? 'unknown',
    seconds: (Date.now() - started) / 1000,
    models,
    masking: robustnessMasking(models),
    resultsFile: join(opts.out, 'results', 'robustness.json'),
  };
  await atomicWriteJson(result.resultsFile, result);
  return result;
}

interface Outcome {
  results: { rows: AttackImageResult[]; adversarial: Image8[] };
  run: { id: string; dir: string } | null;
}

/** Attacks `items` in memory, or into the model's experiment (reusing a complete earlier run). */
async function attackOutcome(
  model: LoadedClassifier,
  items: readonly LabeledImage[],
  cell: { method: string; params: Record<string, unknown> },
  seed: number,
  dir: string | null,
  imagesRoot: string,
  opts: RobustnessOptions,
  sampling: SamplingRecord,
): Promise<Outcome> {
  const attack = getAttack(cell.method);
  if (!dir) {
    const rows = await attackImages(attack, cell.params, items, { classifier: model, rng: createRng(seed), signal: opts.signal, batchSize: opts.batchSize, onProgress: opts.onAttackProgress });
    return { results: { rows, adversarial: rows.map((r) => r.adversarial) }, run: null };
  }
  const reused = await findCompleteRun(dir, attack.id, cell.params, seed, items.length);
  // Another sampling mode can pick as many images but other ones: reuse only the same images.
  if (reused && reused.rows.every((r, i) => r.relPath === items[i].relPath)) {
    const adversarial = await loadRunImages(dir, reused.files);
    return { results: { rows: reused.rows.map((r, i) => ({ ...r, adversarial: adversarial[i] })), adversarial }, run: reused.run };
  }
  const job = await attackIntoExperiment(model, items, imagesRoot, {
    method: attack.id,
    params: cell.params,
    seed,
    sampling,
    out: dir,
    signal: opts.signal,
    batchSize: opts.batchSize,
    onProgress: opts.onAttackProgress,
  });
  const byPath = new Map(job.manifest.images.map((im) => [im.relPath, im]));
  const adversarial = await loadRunImages(dir, items.map((it) => byPath.get(it.relPath)!));
  const rows = items.map((it, i) => {
    const m = byPath.get(it.relPath)!;
    return { relPath: it.relPath, label: it.label, adversarial: adversarial[i], cleanTop: m.cleanTop5, advTop: m.advTop5, success: m.success, linf: m.linf, l2: m.l2, steps: m.steps };
  });
  return { results: { rows, adversarial }, run: { id: job.run.id, dir: job.run.dir } };
}

function attachPhotoOutcomes(cells: CellOutcome[], tables: readonly ReportTable[], runs: readonly { id: string }[]): void {
  const t1 = tables.find((t) => t.id === 'table1-photo');
  const t3 = tables.find((t) => t.id === 'table3-photo');
  for (const r of runs) {
    const cell = cells.find((c) => c.run === r.id);
    if (!cell) continue;
    const a = t1?.rows.find((row) => row.run === r.id)?.cells;
    const d = t3?.rows.find((row) => row.run === r.id)?.cells;
    cell.photo = { clean: a?.chClean1 ?? null, adversarial: a?.chAdv1 ?? null, destruction: d?.avg1 ?? null };
  }
}

function uniqueDir(out: string, name: string, used: Set<string>): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'model';
  let slug = base;
  for (let k = 2; used.has(slug); k++) slug = `${base}-${k}`;
  used.add(slug);
  return join(out, slug);
}
