/**
 * The in-process Node side of bench/attack-throughput.ts: forward, fwd+bwd (lossGradient) and
 * BIM-20 (attackImages) timed in this process on the backend selectBackend() picked (one wasm
 * thread in Node). Also the timing helpers the matched-threads children use.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { attackImages, getAttack, lossGradient } from '../../src/attacks';
import type { Classifier } from '../../src/model/classifier';
import { createRng, type LabeledImage } from '../../src/shared';
import { buildMobileNetV2Model, createMobileNetV2 } from '../mobilenetv2';
import { BIM_STEPS, firstLine, type ModelId, type RunConfig, type Workload } from './config';
import { flopCounts, layersMacs, type FlopCounts } from './flops';
import { machineBusySeconds } from './machine';
import { buildSmallCnnModel, createSmallCnn } from './small-cnn';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Rate {
  images: number;
  seconds: number;
  imgPerS: number;
  /** Process CPU seconds / wall seconds: ≈ threads when nothing else competes for the cores. */
  cpuPerWall: number;
  /** Average number of cores other processes kept busy during the loop (0 on an idle machine). */
  background: number | undefined;
}
export type Outcome = Rate | { error: string };

export interface NodeModelResult {
  id: ModelId;
  name: string;
  note?: string;
  batch: number;
  flops: FlopCounts;
  results: Partial<Record<Workload, Outcome>>;
  numTensors: { before: number; after: number; afterDispose: number };
}

/** Times `body` and reads the background load from /proc/stat (minus this process' CPU time). */
export async function measure(images: number, body: () => Promise<void>): Promise<Rate> {
  const b0 = machineBusySeconds();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const b1 = machineBusySeconds();
  const own = (c.user + c.system) / 1e6;
  const background = b0 !== undefined && b1 !== undefined ? Math.max(0, (b1 - b0 - own) / seconds) : undefined;
  return { images, seconds, imgPerS: images / seconds, cpuPerWall: own / seconds, background };
}

export async function attempt(body: () => Promise<Rate>): Promise<Outcome> {
  try {
    return await body();
  } catch (e) {
    return { error: firstLine(e) };
  }
}

export function fmtOutcome(o: Outcome | undefined): string {
  if (!o) return 'not run';
  if ('error' in o) return `failed: ${o.error}`;
  const bg = o.background !== undefined ? `, background ${o.background.toFixed(2)} cores` : '';
  return `${o.imgPerS.toFixed(2)} img/s (${o.images} images in ${o.seconds.toFixed(2)} s, cpu/wall ${o.cpuPerWall.toFixed(2)}${bg})`;
}

/** Random 8-bit images with random labels, the same for a given seed. */
export function randomItems(c: Pick<Classifier, 'inputSpec' | 'labels'>, n: number, seed: number): LabeledImage[] {
  const rng = createRng(seed);
  const { height, width, channels } = c.inputSpec;
  const classes = c.labels.length;
  return Array.from({ length: n }, (_, i) => ({
    image: { width, height, channels, data: Uint8Array.from({ length: width * height * channels }, () => rng.int(256)) },
    label: rng.int(classes),
    relPath: `bench-${i}.png`,
  }));
}

/** The batch of `items` as a [0,1] float tensor. */
export function toBatch(c: Classifier, items: readonly LabeledImage[]): tf.Tensor4D {
  const { height, width, channels } = c.inputSpec;
  return tf.tidy(() => tf.div(tf.tensor4d(Uint8Array.from(items.flatMap((it) => [...it.image.data])), [items.length, height, width, channels], 'float32'), 255)) as tf.Tensor4D;
}

/** One forward + input-gradient step, read back (what each BIM iteration costs). */
export async function gradientStep(c: Classifier, x: tf.Tensor4D, labels: Int32Array): Promise<void> {
  const g = tf.tidy(() => lossGradient(c, x, labels));
  await g.data();
  g.dispose();
}

export async function benchClassifier(c: Classifier, cfg: RunConfig, say: (line: string) => void): Promise<Partial<Record<Workload, Outcome>>> {
  const { batch, warmup, iters } = cfg;
  const items = randomItems(c, batch * cfg.bimBatches, 1);
  const x = toBatch(c, items.slice(0, batch));
  const labels = Int32Array.from(items.slice(0, batch), (it) => it.label);
  const out: Partial<Record<Workload, Outcome>> = {};
  try {
    const forward = async (): Promise<void> => {
      const y = tf.tidy(() => c.logits(x));
      await y.data();
      y.dispose();
    };
    const fwdbwd = (): Promise<void> => gradientStep(c, x, labels);
    const loop = async (fn: () => Promise<void>, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await fn();
    };
    out.forward = await attempt(async () => {
      await loop(forward, warmup);
      return measure(batch * iters, () => loop(forward, iters));
    });
    say(`    forward  ${fmtOutcome(out.forward)}`);
    out.fwdbwd = await attempt(async () => {
      await loop(fwdbwd, warmup);
      return measure(batch * iters, () => loop(fwdbwd, iters));
    });
    say(`    fwd+bwd  ${fmtOutcome(out.fwdbwd)}`);
    if ('error' in out.fwdbwd) {
      out.bim20 = { error: `skipped: fwd+bwd failed (${out.fwdbwd.error})` };
    } else {
      const bim = getAttack('bim');
      out.bim20 = await attempt(() =>
        measure(items.length, async () => {
          const res = await attackImages(bim, { eps: 16, iterations: BIM_STEPS }, items, { classifier: c, rng: createRng(0), batchSize: batch });
          if (res.length !== items.length) throw new Error(`attackImages returned ${res.length} results for ${items.length} images`);
        }),
      );
    }
    say(`    BIM-${BIM_STEPS}   ${fmtOutcome(out.bim20)}`);
  } finally {
    x.dispose();
  }
  return out;
}

/** The bundled model through Printshot's loader, or the stand-in with the reason. */
export async function bundledClassifier(): Promise<{ classifier: Classifier; name: string; note?: string }> {
  const loader = join(ROOT, 'src/model/load.ts');
  let why: string;
  if (!existsSync(loader)) {
    why = 'src/model/load.ts does not exist yet';
  } else {
    try {
      // A computed specifier: the loader is written separately and may not exist at type-check time.
      const mod = (await import(pathToFileURL(loader).href)) as { loadClassifier?: (id: string) => Promise<Classifier> };
      if (typeof mod.loadClassifier !== 'function') throw new Error('src/model/load.ts exports no loadClassifier');
      const classifier = await mod.loadClassifier('default');
      return { classifier, name: `bundled ${classifier.card.name}` };
    } catch (e) {
      why = `loadClassifier('default') failed: ${firstLine(e)}`;
    }
  }
  return { classifier: createSmallCnn(0), name: 'bundled-arch (stand-in)', note: `same architecture with random weights, because ${why}` };
}

function macsOf(build: () => LayersModel): number {
  const m = build();
  try {
    return layersMacs(m);
  } finally {
    m.dispose();
  }
}

/** FLOP counts per image of a benchmark model (from the layer shapes; bench/lib/flops.ts). */
export function modelFlops(id: ModelId): FlopCounts {
  return flopCounts(id === 'cnn' ? macsOf(buildSmallCnnModel) : macsOf(() => buildMobileNetV2Model({ relu6: id === 'mobilenetv2-relu6op' ? 'op' : 'keras' })));
}

/** Every model's three workloads, in this process. */
export async function benchNode(models: readonly ModelId[], runs: Record<ModelId, RunConfig>, say: (line: string) => void): Promise<NodeModelResult[]> {
  const results: NodeModelResult[] = [];
  for (const id of models) {
    const cfg = runs[id];
    const relu6 = id === 'mobilenetv2-relu6op' ? 'op' : 'keras';
    const loaded =
      id === 'cnn'
        ? await bundledClassifier()
        : { classifier: createMobileNetV2({ seed: 0, relu6 }), name: `MobileNetV2 α=1 224² (random, ${relu6 === 'op' ? 'tf.relu6 op' : 'Keras ReLU(max_value=6) layer'})` };
    say(`  ${loaded.name}, batch ${cfg.batch}${loaded.note ? ` — ${loaded.note}` : ''}`);
    const before = tf.memory().numTensors;
    const res = await benchClassifier(loaded.classifier, cfg, say);
    const after = tf.memory().numTensors;
    loaded.classifier.dispose();
    const afterDispose = tf.memory().numTensors;
    results.push({ id, name: loaded.name, note: loaded.note, batch: cfg.batch, flops: modelFlops(id), results: res, numTensors: { before, after, afterDispose } });
  }
  return results;
}

/** Per model and workload, the repetition with the highest img/s (an error only if all failed). */
export function mergeNodeRuns(runs: NodeModelResult[][]): NodeModelResult[] {
  return runs[0].map((first) => {
    const same = runs.map((run) => run.find((m) => m.id === first.id)).filter((m): m is NodeModelResult => !!m);
    const results: Partial<Record<Workload, Outcome>> = {};
    for (const w of ['forward', 'fwdbwd', 'bim20'] as const) {
      const outcomes = same.map((m) => m.results[w]).filter((o): o is Outcome => !!o);
      results[w] = bestOutcome(outcomes);
    }
    const last = same[same.length - 1];
    return { ...first, results, numTensors: { before: first.numTensors.before, after: last.numTensors.after, afterDispose: last.numTensors.afterDispose } };
  });
}

export function bestOutcome(outcomes: readonly Outcome[]): Outcome | undefined {
  const ok = outcomes.filter((o): o is Rate => !('error' in o));
  return ok.length ? ok.reduce((a, b) => (b.imgPerS > a.imgPerS ? b : a)) : outcomes[0];
}
