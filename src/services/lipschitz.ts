/**
 * `printshot models lipschitz DIR` and the szegedy-spectral template: per-layer upper Lipschitz
 * bounds of a model (Szegedy et al. 2013 §4.3, Table 5; model/lipschitz.ts) and a measured lower
 * bound, the largest ‖∂z_k/∂x‖ over classes k and a set of images, in the same [0,1] pixel space
 * as the bounds (the classifier's logits include its preprocessing and drop a final softmax).
 */
import * as tf from '@tensorflow/tfjs-core';
import { imagesToTensor } from '../inference';
import { lipschitzBounds, layersForBounds, type LipschitzBounds } from '../model/lipschitz';
import { readModelDir, type LoadedClassifier } from '../model/node';
import { openImages, openModel } from './sources';

export interface MeasuredGradient {
  /** Largest ‖∂z_k/∂x‖₂ found, and where. */
  max: number;
  image: string;
  classIndex: number;
  images: number;
  classes: number;
}

export interface LipschitzReport extends LipschitzBounds {
  model: { name: string; dir: string; fingerprint: string; input: string; range: string };
  measured: MeasuredGradient;
  /** measured.max / product: how loose the product bound is here (≤ 1 unless a bound is wrong). */
  ratio: number;
  seconds: number;
}

export interface LipschitzOptions {
  /** A model folder or 'default'. */
  model?: string;
  /** An image folder or 'samples', for the measured lower bound. */
  images?: string;
  /** Use at most this many images. */
  limit?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Largest logit-gradient norm over every class and image (one backward pass per class and batch). */
export function measureGradientNorms(classifier: Pick<LoadedClassifier, 'logits' | 'labels'>, x: tf.Tensor4D, names: readonly string[], batch = 32): MeasuredGradient {
  const classes = classifier.labels.length;
  let best: MeasuredGradient = { max: 0, image: '', classIndex: -1, images: x.shape[0], classes };
  for (let start = 0; start < x.shape[0]; start += batch) {
    const size = Math.min(batch, x.shape[0] - start);
    const xb = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
    for (let k = 0; k < classes; k++) {
      // Images in a batch do not interact, so the gradient of the summed logit is each image's own.
      const norms = tf.tidy(() => {
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(classifier.logits(v as tf.Tensor4D), [0, k], [-1, 1])))(xb);
        return tf.sqrt(tf.sum(tf.square(g), [1, 2, 3])).dataSync() as Float32Array;
      });
      norms.forEach((n, i) => {
        if (n > best.max) best = { ...best, max: n, image: names[start + i] ?? '', classIndex: k };
      });
    }
    xb.dispose();
  }
  return best;
}

export async function lipschitzReport(opts: LipschitzOptions = {}): Promise<LipschitzReport> {
  const started = Date.now();
  const classifier = await openModel(opts.model ?? 'default', { probeGradient: false });
  try {
    opts.onProgress?.('layer bounds', 0, 2);
    const model = await layersForBounds(await readModelDir(classifier.dir), `${classifier.dir}/model.json`);
    let bounds: LipschitzBounds;
    try {
      bounds = lipschitzBounds(model, { range: classifier.card.range, std: classifier.card.std ?? null });
    } finally {
      model.dispose();
    }
    opts.onProgress?.('gradient norms', 1, 2);
    const data = await openImages(opts.images ?? 'samples', classifier, { unlabelled: true });
    const items = opts.limit ? data.items.slice(0, opts.limit) : data.items;
    const x = imagesToTensor(items.map((i) => i.image));
    let measured: MeasuredGradient;
    try {
      measured = measureGradientNorms(classifier, x, items.map((i) => i.relPath));
    } finally {
      x.dispose();
    }
    opts.onProgress?.('done', 2, 2);
    const { height, width, channels } = classifier.inputSpec;
    return {
      ...bounds,
      model: { name: classifier.card.name, dir: classifier.dir, fingerprint: classifier.fingerprint, input: `${height}×${width}×${channels}`, range: classifier.card.range },
      measured,
      ratio: measured.max / bounds.product,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    classifier.dispose();
  }
}

/** The paper's Table 5 shape as text rows: layer, size, upper bound; then product and measured lower bound. */
export function lipschitzTable(r: LipschitzReport): { head: string[]; rows: string[][]; footer: string[] } {
  const rows = r.layers.map((l) => [l.name, l.className, l.shape, l.bound === null ? 'no bound' : l.bound.toPrecision(4), [l.method, l.note].filter(Boolean).join('; ')]);
  const footer = [
    `product of the bounds${r.partial ? ' (partial: not a bound, see notes)' : ''}: ${r.product.toPrecision(5)}`,
    `measured lower bound: max ‖∂z_k/∂x‖₂ = ${r.measured.max.toPrecision(5)} (class ${r.measured.classIndex}, ${r.measured.image}; ${r.measured.images} images × ${r.measured.classes} classes), ${(r.ratio * 100).toFixed(2)}% of the product`,
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return { head: ['layer', 'class', 'size (in → out)', 'upper bound', 'how'], rows, footer };
}
