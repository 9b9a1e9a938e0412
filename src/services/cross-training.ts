/**
 * `printshot reproduce szegedy-cross-training` (Szegedy et al. 2013, arXiv 1312.6199, §4.2,
 * Tables 3–4): do minimal adversarial examples of one model also fool models trained on a
 * disjoint half of the training set, or with other hyper-parameters, more than random noise of
 * the same size does?
 *
 * Stages, each resumable (a rerun into the same --out redoes only what is missing):
 * 1. train: scripts/szegedy_cross_training.py (PyTorch) trains three MLPs (FC100-100-10 on P0 and
 *    on P1, FC123-456-10 on P0) into out/models/<name>/ as TF.js models with provenance cards;
 *    finished models are kept, an unfinished one resumes from its per-epoch checkpoint.
 * 2. attack: for each model, box-constrained L-BFGS (Szegedy's own attack, src/attacks/lbfgs.ts),
 *    untargeted: the smallest L2 change that makes the model err, on `limit` test images
 *    (stratified by class, seeded), into the experiment out/attacks/<name>/; a complete run is
 *    reused and a cancelled one resumes per batch (attack-job.ts).
 * 3. evaluate: every model classifies every source's adversarial PNGs (8-bit, as saved), the
 *    clean images and the same images plus Gaussian noise of the same RMS distortion per image
 *    (cross-training-noise.ts). Only images the source got right and the attack fooled count.
 *    Forward passes only: recomputed on every run.
 * 4. report: reports/szegedy-cross-training.{html,csv,json} (src/reports/cross-training.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { sampleItems } from '../images';
import type { LoadedClassifier } from '../model/node';
import { crossTrainingCsv, crossTrainingHtml, PAPER, type Counts, type CrossModel, type CrossSourceRow, type CrossTrainingResult } from '../reports/cross-training';
import { createRng, PrintshotError, type LabeledImage } from '../shared';
import { fromPackageRoot } from '../shared/node/paths';
import { atomicWrite, atomicWriteJson, readVerifiedImage } from '../workspace';
import { attackIntoExperiment } from './attack-job';
import { DEFAULT_DATA_DIR, runDefendScript } from './defend';
import { rmsDistance, sameRmsNoise } from './cross-training-noise';
import { findCompleteRun } from './run-reuse';
import { openImages, openModel } from './sources';

export const CROSS_TRAINING_SCRIPT = fromPackageRoot('scripts', 'szegedy_cross_training.py');
/** The three models the script trains, in table order. */
export const CROSS_MODELS = ['fc100-100-10-p0', 'fc123-456-10-p0', 'fc100-100-10-p1'] as const;
export const CROSS_ATTACK = { method: 'lbfgs', params: { eps: 255, target: 'untargeted' } } as const;

export interface CrossTrainingOptions {
  out: string;
  /** Folder with the four Fashion-MNIST IDX .gz files (default Debian's). */
  data?: string;
  /** Test images attacked per model (stratified by class; default 300). */
  limit?: number;
  /** Training epochs per model (default 10). */
  epochs?: number;
  seed?: number;
  python?: string;
  signal?: AbortSignal;
  command?: string[];
  /** Report files, relative to `out` unless absolute. */
  reports?: string[];
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface CrossTrainingRun {
  out: string;
  result: CrossTrainingResult;
  reports: string[];
  seconds: number;
}

type ModelEvent = { type: 'model'; name: string; reused: boolean };
const PROGRESS_SCALE = 1000;

export async function runCrossTraining(opts: CrossTrainingOptions): Promise<CrossTrainingRun> {
  const started = Date.now();
  const data = path.resolve(opts.data ?? DEFAULT_DATA_DIR);
  const limit = opts.limit ?? 300;
  const seed = opts.seed ?? 0;
  const epochs = opts.epochs ?? 10;
  if (!Number.isInteger(limit) || limit < 1) throw new PrintshotError('bad-argument', `--limit ${limit}: expected a whole number ≥ 1`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new PrintshotError('bad-argument', `--epochs ${epochs}: expected a whole number ≥ 1`);
  const command = opts.command ?? ['printshot', 'reproduce', 'szegedy-cross-training', '--data', data, '--limit', String(limit), '--out', opts.out];
  // One bar over the whole job (its ETA then means something): training is the first fifth, each
  // model's attack a quarter, the evaluation and report the rest.
  const emitProgress = opts.onProgress ?? (() => undefined);
  const span = (from: number, to: number) => (stage: string, done: number, total: number) =>
    emitProgress(stage, Math.round(PROGRESS_SCALE * (from + (to - from) * (total > 0 ? Math.min(1, done / total) : 0))), PROGRESS_SCALE);
  const trainBar = span(0, 0.2);

  // 1. train (or reuse) the three models
  const modelsDir = path.resolve(opts.out, 'models');
  trainBar('train', 0, 1);
  await runDefendScript(['--data', data, '--out', modelsDir, '--epochs', String(epochs), '--seed', String(seed)], {
    script: CROSS_TRAINING_SCRIPT,
    python: opts.python,
    signal: opts.signal,
    onEvent: (e) => {
      if (e.type === 'progress') trainBar(`train ${e.phase} epoch ${e.epoch}/${e.epochs}`, e.done, e.total);
      else if ((e as unknown as ModelEvent).type === 'model') {
        const m = e as unknown as ModelEvent & { done: number; total: number };
        trainBar(`${m.reused ? 'reused' : 'trained'} ${m.name}`, m.done, m.total);
      }
    },
  });
  const models: CrossModel[] = await Promise.all(CROSS_MODELS.map((name) => readCrossModel(path.join(modelsDir, name))));

  const loaded: LoadedClassifier[] = [];
  try {
    for (const m of models) {
      const l = await openModel(m.dir);
      loaded.push(l);
      m.fingerprint = l.fingerprint; // sha256 of model.json and its shards, as experiments record it
    }
    const dataset = await openImages(data, loaded[0]);
    const { items, sampling } = sampleItems(dataset.items, limit, 'stratified', seed);
    const byPath = new Map(items.map((it) => [it.relPath, it]));

    // 2. attack each model (resumable per batch; a complete run is reused)
    const runs: { dir: string; files: { file: string; sha256: string }[]; rows: { relPath: string; label: number; cleanTop1: number; success: boolean }[] }[] = [];
    for (const [i, m] of models.entries()) {
      const exp = path.join(opts.out, 'attacks', m.name);
      const stage = `attack ${m.name} (${i + 1}/${models.length})`;
      const progress = span(0.2 + (0.75 * i) / models.length, 0.2 + (0.75 * (i + 1)) / models.length);
      progress(stage, 0, items.length);
      let reuse = await findCompleteRun(exp, CROSS_ATTACK.method, { ...CROSS_ATTACK.params }, seed, items.length);
      if (!reuse) {
        await attackIntoExperiment(loaded[i], items, dataset.root, {
          method: CROSS_ATTACK.method, params: { ...CROSS_ATTACK.params }, seed, out: exp, sampling, signal: opts.signal,
          onProgress: (p) => progress(stage, p.imagesDone, p.imagesTotal),
        });
        reuse = await findCompleteRun(exp, CROSS_ATTACK.method, { ...CROSS_ATTACK.params }, seed, items.length);
        if (!reuse) throw new PrintshotError('io', `the attack on ${m.name} finished without a complete run in ${exp}`);
      }
      runs.push({ dir: exp, files: reuse.files, rows: reuse.rows.map((r) => ({ relPath: r.relPath, label: r.label, cleanTop1: r.cleanTop[0]?.label ?? -1, success: r.success })) });
    }

    // 3. evaluate every source's examples, their noise twins and the clean images on every model
    const rows: CrossSourceRow[] = [];
    for (const [i, m] of models.entries()) {
      span(0.95, 0.99)(`evaluate ${m.name}`, i, models.length);
      if (opts.signal?.aborted) throw new PrintshotError('cancelled', 'cancelled by the user');
      rows.push(await evaluateSource(m.name, runs[i], byPath, models, loaded, seed));
    }

    // 4. report
    span(0.99, 1)('report', 0, 1);
    const result: CrossTrainingResult = {
      schemaVersion: 1,
      template: 'szegedy-cross-training',
      paper: PAPER,
      models,
      rows,
      attack: { method: CROSS_ATTACK.method, params: { ...CROSS_ATTACK.params }, seed },
      images: { source: data, count: items.length, sampling: `stratified by class, ${items.length} of ${dataset.items.length} test images, seed ${seed}` },
      command,
      at: new Date().toISOString(),
      seconds: (Date.now() - started) / 1000,
    };
    await atomicWriteJson(path.join(opts.out, 'results', 'reproduce.json'), { template: 'szegedy-cross-training', command, images: items.length, at: result.at });
    const files = (opts.reports ?? ['html', 'csv', 'json'].map((ext) => `reports/szegedy-cross-training.${ext}`)).map((f) => (path.isAbsolute(f) ? f : path.join(opts.out, f)));
    for (const f of files) {
      if (f.endsWith('.html')) await atomicWrite(f, crossTrainingHtml(result));
      else if (f.endsWith('.csv')) await atomicWrite(f, crossTrainingCsv(result));
      else await atomicWriteJson(f, result);
    }
    emitProgress('done', PROGRESS_SCALE, PROGRESS_SCALE);
    return { out: opts.out, result, reports: files, seconds: result.seconds };
  } finally {
    for (const l of loaded) l.dispose();
  }
}

async function readCrossModel(dir: string): Promise<CrossModel> {
  const card = JSON.parse(await readFile(path.join(dir, 'model-card.json'), 'utf8')) as { name: string; provenance: Record<string, unknown> };
  const p = card.provenance as { architecture: string; trainingHalf: string; halfSize: number; weightDecay: number; epochs: number; testAccuracy: number | null; testSetSize: number | null };
  return { name: card.name, dir, fingerprint: '', architecture: p.architecture, trainingHalf: p.trainingHalf, halfSize: p.halfSize, weightDecay: p.weightDecay, epochs: p.epochs, testAccuracy: p.testAccuracy, testSetSize: p.testSetSize };
}

/** Misclassifications by `model` of [n, h, w, c] images in [0,1], against `labels`. */
export function countErrors(model: Pick<LoadedClassifier, 'logits'>, pixels: Float32Array, shape: [number, number, number], labels: readonly number[], batch = 256): Counts {
  const size = shape[0] * shape[1] * shape[2];
  let errors = 0;
  for (let s = 0; s < labels.length; s += batch) {
    const n = Math.min(batch, labels.length - s);
    const pred = tf.tidy(() => tf.argMax(model.logits(tf.tensor4d(pixels.subarray(s * size, (s + n) * size), [n, ...shape])), 1).dataSync());
    for (let i = 0; i < n; i++) if (pred[i] !== labels[s + i]) errors++;
  }
  return { errors, n: labels.length };
}

async function evaluateSource(
  source: string,
  run: { dir: string; files: { file: string; sha256: string }[]; rows: { relPath: string; label: number; cleanTop1: number; success: boolean }[] },
  byPath: Map<string, LabeledImage>,
  models: readonly CrossModel[],
  loaded: readonly LoadedClassifier[],
  seed: number,
): Promise<CrossSourceRow> {
  const keep: number[] = [];
  let cleanWrong = 0;
  let failed = 0;
  run.rows.forEach((r, i) => {
    if (r.cleanTop1 !== r.label) cleanWrong++;
    else if (!r.success) failed++;
    else keep.push(i);
  });
  const { height, width, channels } = loaded[0].inputSpec;
  const size = height * width * channels;
  const adv = new Float32Array(keep.length * size);
  const noise = new Float32Array(keep.length * size);
  const clean = new Float32Array(keep.length * size);
  const labels: number[] = [];
  let rmsSum = 0;
  let l2Sum = 0;
  let gap = 0;
  for (const [k, i] of keep.entries()) {
    const row = run.rows[i];
    const item = byPath.get(row.relPath);
    if (!item) throw new PrintshotError('bad-experiment', `${run.dir}: image ${row.relPath} is not among this job's test images`, 'rerun into a new --out');
    const a = await readVerifiedImage(run.dir, run.files[i]);
    const x = Float32Array.from(item.image.data, (v) => v / 255);
    const xa = Float32Array.from(a.data, (v) => v / 255);
    const rms = rmsDistance(xa, x);
    const n = sameRmsNoise(x, rms, createRng(`${seed}:cross-training-noise:${source}:${row.relPath}`));
    gap = Math.max(gap, Math.abs(n.rms - rms));
    rmsSum += rms;
    l2Sum += rms * Math.sqrt(size);
    adv.set(xa, k * size);
    noise.set(n.image, k * size);
    clean.set(x, k * size);
    labels.push(row.label);
  }
  const shape: [number, number, number] = [height, width, channels];
  const by = (px: Float32Array) => Object.fromEntries(models.map((m, j) => [m.name, countErrors(loaded[j], px, shape, labels)]));
  return {
    source,
    attacked: run.rows.length,
    eligible: keep.length,
    cleanWrong,
    failed,
    meanRms: keep.length ? rmsSum / keep.length : 0,
    meanL2: keep.length ? l2Sum / keep.length : 0,
    noiseRmsGap: gap,
    adversarial: by(adv),
    noise: by(noise),
    clean: by(clean),
  };
}
