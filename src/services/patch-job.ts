/**
 * `printshot patch`: train universal adversarial patches (src/patches) for one or more sizes on
 * part of an image set, evaluate each on the held-out rest, and write every patch as a lossless
 * PNG with its parameters and results (PATCH.json). Training checkpoints every `checkpointEvery`
 * steps (PATCH.checkpoint.json), so a killed or cancelled run resumes where it stopped with the
 * same seed stream and ends with the same patch. See docs/patches.md.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveDistribution, type EotDistribution } from '../attacks/eot-distribution';
import { writePng } from '../images';
import { checkPalette, defaultPalette, disposeState, evaluatePatch, evaluatePatchTransfer, initialPatch, PATCH_DEFAULTS, patchSide, trainPatch, type PatchEvaluation, type PatchState, type PatchTransfer, type PatchTrainParams } from '../patches';
import { createRng, ERROR_CODES, PrintshotError } from '../shared';
import { atomicWriteJson } from '../shared/node/atomic';
import { openImages, openModel } from './sources';

export interface PatchJobRequest {
  model: string;
  images: string;
  out: string;
  /** A class name or index, or 'untargeted'. */
  target: string;
  sizes: number[];
  /** 'default' (the print-camera preset), 'none', a preset name, a distribution or channel-profile file. */
  channel: string;
  /** 'default', or an experiment folder whose calibration/*.json measured the printed colours. */
  palette: string;
  holdout: number;
  draws: number;
  seed: number | string;
  /** Other models ('default' or folders) to measure every patch on as well (transfer). */
  transfer?: string[];
  params?: Partial<Omit<PatchTrainParams, 'target' | 'size'>>;
  checkpointEvery?: number;
  signal?: AbortSignal;
  /** Awaited between steps: the workbench's engine yields here so its progress events and a cancel get through. */
  onProgress?: (line: { size: number; step: number; steps: number; loss: number; success: number }) => void | Promise<void>;
}

export interface PatchResult {
  size: number;
  file: string;
  sidePx: number;
  patchPx: number;
  evaluation: PatchEvaluation;
  /** The same evaluation on each `transfer` model, in the order given; empty when none. */
  transfer: PatchTransfer[];
  finalLoss: number;
}

export interface PatchJobResult {
  out: string;
  /** The model the patches were trained against (its card name). */
  model: string;
  target: { index: number | null; name: string };
  palette: { source: string; colours: number };
  channel: string;
  train: number;
  heldOut: number;
  patches: PatchResult[];
}

/** The printable colours measured from an experiment's calibration photos (0..1). */
async function measuredPalette(dir: string, channels: 1 | 3): Promise<number[][]> {
  const folder = path.join(dir, 'calibration');
  const files = existsSync(folder) ? (await readdir(folder)).filter((f) => f.endsWith('.json')) : [];
  if (!files.length) throw new PrintshotError(ERROR_CODES.badArgument, `no calibration records in ${folder}`, `run printshot calibrate --experiment ${dir} first, or use --palette default`);
  const colours: number[][] = [];
  for (const f of files) {
    const record = JSON.parse(await readFile(path.join(folder, f), 'utf8')) as { patches?: { measured: number[] }[] };
    for (const p of record.patches ?? []) {
      const rgb = p.measured.map((v) => Math.min(1, Math.max(0, v / 255)));
      colours.push(channels === 1 ? [0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]] : rgb);
    }
  }
  return colours;
}

function resolveTarget(spec: string, labels: readonly string[]): number | 'untargeted' {
  if (spec === 'untargeted') return 'untargeted';
  const byName = labels.findIndex((l) => l.toLowerCase() === spec.toLowerCase());
  if (byName >= 0) return byName;
  if (/^\d+$/.test(spec) && Number(spec) < labels.length) return Number(spec);
  throw new PrintshotError(ERROR_CODES.badArgument, `--target '${spec}' is not one of the model's classes`, `use untargeted, an index 0–${labels.length - 1} or a name: ${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', …' : ''}`);
}

const fileStem = (target: number | 'untargeted', size: number) => `patch-${target === 'untargeted' ? 'untargeted' : `t${target}`}-s${Math.round(size * 1000) / 10}`;

async function readCheckpoint(file: string, p: number, channels: number): Promise<PatchState | undefined> {
  if (!existsSync(file)) return undefined;
  const c = JSON.parse(await readFile(file, 'utf8')) as { step: number; patch: number[]; m: number[]; v: number[]; history: PatchState['history'] };
  const shape: [number, number, number, number] = [1, p, p, channels];
  if (c.patch.length !== p * p * channels) throw new PrintshotError(ERROR_CODES.badArgument, `${file} belongs to a patch of another size`, 'delete it, or use the same --size and model');
  return { step: c.step, patch: tf.tensor4d(c.patch, shape), moments: { m: tf.tensor4d(c.m, shape), v: tf.tensor4d(c.v, shape) }, history: c.history };
}

async function writeCheckpoint(file: string, s: PatchState): Promise<void> {
  const [patch, m, v] = await Promise.all([s.patch.data(), s.moments.m.data(), s.moments.v.data()]);
  await atomicWriteJson(file, { step: s.step, patch: Array.from(patch), m: Array.from(m), v: Array.from(v), history: s.history });
}

export async function runPatchJob(req: PatchJobRequest): Promise<PatchJobResult> {
  if (!req.sizes.length || req.sizes.some((s) => !(s > 0 && s <= 0.5))) throw new PrintshotError(ERROR_CODES.badArgument, `--size takes fractions of the image area in (0, 0.5]: ${req.sizes.join(', ')}`);
  if (!(req.holdout > 0 && req.holdout < 1)) throw new PrintshotError(ERROR_CODES.badArgument, `--holdout must be in (0, 1): ${req.holdout}`);
  const classifier = await openModel(req.model);
  const { height: h, width: w, channels } = classifier.inputSpec;
  const dataset = await openImages(req.images, classifier);
  const target = resolveTarget(req.target, classifier.labels);
  const palette = req.palette === 'default' ? defaultPalette(channels) : await measuredPalette(req.palette, channels);
  checkPalette(palette, channels);
  const channel: EotDistribution | undefined = req.channel === 'none' ? undefined : await resolveDistribution(req.channel === 'default' ? 'print-camera' : req.channel);
  // A seeded shuffle splits the images into training and held-out parts.
  const order = dataset.items.map((_, i) => i);
  const split = createRng(`${req.seed}:split`);
  for (let i = order.length - 1; i > 0; i--) {
    const j = split.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nHeld = Math.max(1, Math.round(order.length * req.holdout));
  if (order.length - nHeld < 1) throw new PrintshotError(ERROR_CODES.badDataset, `${req.images}: ${order.length} image(s) leave none to train on`, 'use a folder with more images');
  const toSet = (ids: number[]) => ({
    images: tf.tidy(() => tf.div(tf.tensor4d(Uint8Array.from(ids.flatMap((i) => Array.from(dataset.items[i].image.data))), [ids.length, h, w, channels], 'int32'), 255) as tf.Tensor4D),
    labels: Int32Array.from(ids, (i) => dataset.items[i].label),
  });
  const others = [];
  try {
    for (const spec of req.transfer ?? []) others.push(await openModel(spec));
  } catch (e) {
    for (const m of others) m.dispose();
    classifier.dispose();
    throw e;
  }
  const held = toSet(order.slice(0, nHeld));
  const train = toSet(order.slice(nHeld));
  await mkdir(req.out, { recursive: true });
  const params0 = { ...PATCH_DEFAULTS, ...req.params };
  const results: PatchResult[] = [];
  try {
    for (const size of req.sizes) {
      const params: PatchTrainParams = { ...params0, target, size };
      const patchPx = Math.max(2, Math.round(patchSide(h, w, size)));
      const stem = fileStem(target, size);
      const checkpoint = path.join(req.out, `${stem}.checkpoint.json`);
      const resume = await readCheckpoint(checkpoint, patchPx, channels);
      const every = req.checkpointEvery ?? 25;
      const state = await trainPatch({
        classifier, data: train, params, channel, palette, patchPixels: patchPx, resume, signal: req.signal,
        rngAt: (step) => createRng(`${req.seed}:${stem}:${step}`),
        onStep: async (s) => {
          const last = s.history[s.history.length - 1];
          await req.onProgress?.({ size, step: s.step, steps: params.steps, loss: last.loss, success: last.success });
          if (s.step % every === 0 && s.step < params.steps) await writeCheckpoint(checkpoint, s);
        },
      }, () => initialPatch(patchPx, channels, createRng(`${req.seed}:${stem}:init`)));
      const evaluation = await evaluatePatch({ classifier, data: held, patch: state.patch, params, draws: req.draws, channel, rng: createRng(`${req.seed}:${stem}:eval`), signal: req.signal });
      const transfer = await evaluatePatchTransfer({
        models: others, data: held, patch: state.patch, params, draws: req.draws, channel, signal: req.signal,
        rngFor: (i) => createRng(`${req.seed}:${stem}:transfer:${i}`),
      });
      const bytes = Uint8Array.from(await state.patch.data(), (v) => Math.round(v * 255));
      const file = path.join(req.out, `${stem}.png`);
      await writePng(file, { width: patchPx, height: patchPx, channels, data: bytes });
      const finalLoss = state.history.length ? state.history[state.history.length - 1].loss : NaN;
      const result: PatchResult = { size, file, sidePx: patchSide(h, w, size), patchPx, evaluation, transfer, finalLoss };
      await atomicWriteJson(path.join(req.out, `${stem}.json`), {
        schemaVersion: 1, model: { name: classifier.card.name, fingerprint: classifier.fingerprint }, images: req.images, seed: req.seed,
        target: { index: target === 'untargeted' ? null : target, name: target === 'untargeted' ? 'untargeted' : classifier.labels[target] },
        params, channel: req.channel, palette: { source: req.palette, colours: palette.length }, train: train.labels.length, heldOut: held.labels.length,
        png: path.basename(file), history: state.history, evaluation, transfer,
      });
      await rm(checkpoint, { force: true });
      if (state !== resume) disposeState(state);
      if (resume) disposeState(resume);
      results.push(result);
    }
  } finally {
    tf.dispose([held.images, train.images]);
    for (const m of others) m.dispose();
    classifier.dispose();
  }
  return {
    out: req.out,
    model: classifier.card.name,
    target: { index: target === 'untargeted' ? null : target, name: target === 'untargeted' ? 'untargeted' : classifier.labels[target] },
    palette: { source: req.palette, colours: palette.length }, channel: req.channel,
    train: train.labels.length, heldOut: held.labels.length, patches: results,
  };
}
