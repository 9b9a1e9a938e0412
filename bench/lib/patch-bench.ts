/**
 * What the patch benchmarks (bench/patch-*.ts) share: the command line, the data (patches are
 * trained on images of the Fashion-MNIST TRAIN split and evaluated on held-out TEST images), one
 * train-then-evaluate call on the library (src/patches), and the lines every bench prints first
 * (the command, the data, the machine, the load average: other jobs share this machine).
 *
 * Data: $PRINTSHOT_DATASETS_DIR/fashion-mnist (default /usr/share/datasets/fashion-mnist, the
 * Debian package dataset-fashion-mnist). Where it is absent, the bundled samples are split in
 * halves instead and every header says "samples fallback": those figures are not comparable.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { resolveDistribution, type EotDistribution } from '../../src/attacks/eot-distribution';
import type { Rate } from '../../src/metrics';
import type { Classifier } from '../../src/model/classifier';
import { defaultPalette, disposeState, evaluatePatch, initialPatch, PATCH_DEFAULTS, patchSide, trainPatch, type PatchEvaluation, type PatchState, type PatchTrainParams, type PatchTrainSet } from '../../src/patches';
import { openImages, openModel } from '../../src/services/sources';
import { createRng, type LabeledImage } from '../../src/shared';
import { DEFAULT_DATA_DIR } from '../../src/shared/node/paths';
import { describeMachine, machineInfo } from './machine';

export interface PatchBenchArgs {
  target: string;
  train: number;
  test: number;
  steps: number;
  batch: number;
  lr: number;
  draws: number;
  seed: number;
  json: boolean;
}

/** The options every patch bench takes, with defaults sized for a few minutes on 2 loaded cores. */
export function patchBenchArgs(extra: NonNullable<ParseArgsConfig['options']> = {}): { args: PatchBenchArgs; extra: Record<string, unknown> } {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'Bag' },
      train: { type: 'string', default: '2000' },
      test: { type: 'string', default: '1000' },
      steps: { type: 'string', default: String(PATCH_DEFAULTS.steps) },
      batch: { type: 'string', default: String(PATCH_DEFAULTS.batch) },
      lr: { type: 'string', default: String(PATCH_DEFAULTS.lr) },
      draws: { type: 'string', default: '4' },
      seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      ...extra,
    },
  });
  const v = values as Record<string, string | boolean | undefined>;
  const args: PatchBenchArgs = {
    target: String(v.target), train: Number(v.train), test: Number(v.test), steps: Number(v.steps), batch: Number(v.batch),
    lr: Number(v.lr), draws: Number(v.draws), seed: Number(v.seed), json: Boolean(v.json),
  };
  return { args, extra: v };
}

export interface PatchBenchData {
  classifier: Classifier & { dispose(): void };
  target: number;
  train: PatchTrainSet;
  test: PatchTrainSet;
  /** Where the images came from, for the header. */
  source: string;
}

function toSet(items: readonly LabeledImage[], h: number, w: number, c: number): PatchTrainSet {
  return {
    images: tf.tidy(() => tf.div(tf.tensor4d(Uint8Array.from(items.flatMap((it) => Array.from(it.image.data))), [items.length, h, w, c], 'int32'), 255) as tf.Tensor4D),
    labels: Int32Array.from(items, (it) => it.label),
  };
}

/** A seeded sample of n items without repetition (a partial Fisher–Yates shuffle). */
function sample<T>(items: readonly T[], n: number, seed: string): T[] {
  const order = items.map((_, i) => i);
  const rng = createRng(seed);
  const k = Math.min(n, order.length);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(order.length - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, k).map((i) => items[i]);
}

/** The model ('default' unless named), its target index, and the train and held-out test images. */
export async function loadPatchBenchData(args: PatchBenchArgs, model = 'default'): Promise<PatchBenchData> {
  const classifier = await openModel(model);
  const { height: h, width: w, channels: c } = classifier.inputSpec;
  const target = classifier.labels.findIndex((l) => l.toLowerCase() === args.target.toLowerCase());
  if (target < 0) throw new Error(`--target ${args.target} is not one of ${classifier.labels.join(', ')}`);
  const trainFile = join(DEFAULT_DATA_DIR, 'train-images-idx3-ubyte.gz');
  if (existsSync(trainFile)) {
    const trainItems = sample((await openImages(trainFile, classifier)).items, args.train, `${args.seed}:train`);
    const testItems = sample((await openImages(DEFAULT_DATA_DIR, classifier)).items, args.test, `${args.seed}:test`);
    return {
      classifier, target, train: toSet(trainItems, h, w, c), test: toSet(testItems, h, w, c),
      source: `Fashion-MNIST ${DEFAULT_DATA_DIR}: ${trainItems.length} train-split images (seeded sample) to train, ${testItems.length} test-split images to evaluate`,
    };
  }
  const all = sample((await openImages('samples', classifier)).items, Infinity, `${args.seed}:samples`);
  const half = Math.floor(all.length / 2);
  return {
    classifier, target, train: toSet(all.slice(half), h, w, c), test: toSet(all.slice(0, half), h, w, c),
    source: `samples fallback (${DEFAULT_DATA_DIR} absent): ${all.length - half} bundled samples to train, ${half} to evaluate; not comparable with the recorded figures`,
  };
}

export interface TrainedPatch {
  state: PatchState;
  params: PatchTrainParams;
  seconds: number;
}

/** Trains one patch with the bench's settings and `overrides`; the channel is drawn every step when given. */
export async function trainBenchPatch(d: PatchBenchData, args: PatchBenchArgs, size: number, channel: EotDistribution | undefined, overrides: Partial<PatchTrainParams> = {}, say = progressLine): Promise<TrainedPatch> {
  const params: PatchTrainParams = { ...PATCH_DEFAULTS, steps: args.steps, batch: args.batch, lr: args.lr, ...overrides, target: d.target, size };
  const { height: h, width: w, channels: c } = d.classifier.inputSpec;
  const p = Math.max(2, Math.round(patchSide(h, w, size)));
  const stem = `bench:${args.seed}:${size}`;
  const t0 = Date.now();
  const state = await trainPatch({
    classifier: d.classifier, data: d.train, params, channel, palette: defaultPalette(c), patchPixels: p,
    rngAt: (step) => createRng(`${stem}:${step}`),
    onStep: (s) => {
      if (s.step % 50 === 0 || s.step === params.steps) {
        const recent = s.history.slice(-50);
        say(`  step ${s.step}/${params.steps}: loss ${(recent.reduce((a, r) => a + r.loss, 0) / recent.length).toFixed(3)}, batch hits ${pct(recent.reduce((a, r) => a + r.success, 0) / recent.length)} (last ${recent.length} steps), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    },
  }, () => initialPatch(p, c, createRng(`${stem}:init`)));
  return { state, params, seconds: (Date.now() - t0) / 1000 };
}

/** The held-out evaluation: every test image × `draws` placements, photometric and channel draws. */
export function evaluateBenchPatch(d: PatchBenchData, args: PatchBenchArgs, t: TrainedPatch, channel: EotDistribution | undefined, classifier: Classifier = d.classifier, rngSeed = 'eval'): Promise<PatchEvaluation> {
  // The evaluation's placement and photometric ranges are the defaults whatever the patch was trained with.
  const params = { ...PATCH_DEFAULTS, target: d.target, size: t.params.size };
  return evaluatePatch({ classifier, data: d.test, patch: t.state.patch, params, draws: args.draws, channel, rng: createRng(`${args.seed}:${rngSeed}:${t.params.size}`) });
}

/** The print → camera channel every bench evaluates through: the 'print-camera' preset (`--channel default`). */
export const defaultChannel = (): Promise<EotDistribution> => resolveDistribution('print-camera');

export function disposeBench(d: PatchBenchData, patches: TrainedPatch[]): void {
  patches.forEach((t) => disposeState(t.state));
  tf.dispose([d.train.images, d.test.images]);
  d.classifier.dispose();
}

export const pct = (v: number | null, digits = 1): string => (v === null ? '—' : `${(v * 100).toFixed(digits)}%`);

/** "74.6% (664/890) [71.6–77.4]": a rate with its count and 95 % Wilson interval. */
export const rateCell = (r: Rate): string => `${pct(r.rate)} (${r.count}/${r.total}) [${r.ci ? `${(r.ci.low * 100).toFixed(1)}–${(r.ci.high * 100).toFixed(1)}` : '—'}]`;

export function progressLine(s: string): void {
  process.stderr.write(`${s}\n`);
}

const STARTED = new Date();
const START_LOAD = os.loadavg();
const loadText = (l: number[]) => l.map((v) => v.toFixed(1)).join(', ');

/** The command that produced the figures, as typed (npm script or node). */
export function benchCommand(): string {
  const rest = process.argv.slice(2).map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ');
  const script = relative(process.cwd(), process.argv[1]);
  return process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}${rest ? ` -- ${rest}` : ''}` : `node --import tsx ${script}${rest ? ` ${rest}` : ''}`;
}

/** The lines every patch bench prints before its table: command, data, settings, machine, load. */
export function benchHeader(title: string, d: PatchBenchData, args: PatchBenchArgs): string[] {
  return [
    `# ${title}`,
    `command: ${benchCommand()}`,
    `model: ${d.classifier.card.name}; target: ${d.classifier.labels[d.target]} (${d.target})`,
    `data: ${d.source}`,
    `training: ${args.steps} Adam steps × batch ${args.batch}, lr ${args.lr} (cosine decay), placement/photometric ranges ${JSON.stringify({ scaleJitter: PATCH_DEFAULTS.scaleJitter, rotationDeg: PATCH_DEFAULTS.rotationDeg, brightness: PATCH_DEFAULTS.brightness, contrast: PATCH_DEFAULTS.contrast })}, NPS ${PATCH_DEFAULTS.npsWeight}, TV ${PATCH_DEFAULTS.tvWeight}, seed ${args.seed}`,
    `evaluation: each held-out test image not of the target class × ${args.draws} random placements, each with its own photometric and 'print-camera' channel draw (average over EOT draws)`,
    `machine: ${describeMachine(machineInfo())}; Node ${process.version}; load average (1, 5, 15 min) ${loadText(START_LOAD)} at the start, ${loadText(os.loadavg())} at the end (other jobs share this machine); started ${STARTED.toISOString()}`,
  ];
}
