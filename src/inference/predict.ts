/**
 * Batched classification of 8-bit images: probabilities and top-k, computed from logits with a
 * stable softmax. Used for clean predictions, re-verification after rounding and evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../model/classifier';
import type { Image8 } from '../shared';
import { imagesToTensor } from './tensor-images';

export interface RankedClass {
  readonly label: number;
  readonly prob: number;
}

export interface Prediction {
  /** Classes by decreasing probability (at most `top` of them). */
  readonly top: RankedClass[];
  /** Index of the least likely class (ILLC's target). */
  readonly leastLikely: number;
}

export async function predictProbabilities(
  classifier: Classifier,
  images: readonly Image8[],
  batchSize = 32,
): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const batch = images.slice(start, start + batchSize);
    const probs = tf.tidy(() => tf.softmax(classifier.logits(imagesToTensor(batch))));
    const data = (await probs.data()) as Float32Array;
    probs.dispose();
    const k = data.length / batch.length;
    for (let i = 0; i < batch.length; i++) rows.push(data.slice(i * k, (i + 1) * k));
  }
  return rows;
}

export function rank(probs: Float32Array, top: number): Prediction {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  return {
    top: order.slice(0, top).map((label) => ({ label, prob: probs[label] })),
    leastLikely: order[order.length - 1],
  };
}

export async function predict(
  classifier: Classifier,
  images: readonly Image8[],
  opts: { top?: number; batchSize?: number } = {},
): Promise<Prediction[]> {
  const probs = await predictProbabilities(classifier, images, opts.batchSize);
  return probs.map((p) => rank(p, opts.top ?? 5));
}
