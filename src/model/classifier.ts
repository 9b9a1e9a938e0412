/**
 * The one interface attacks, transforms and evaluation see. Inputs are always NHWC float32
 * images in [0,1] with the card's height, width and channels; preprocessing to the model's own
 * range happens inside `logits`, so gradients flow back to the [0,1] pixels.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelCard } from './card';

export interface InputSpec {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

export interface Classifier {
  readonly card: ModelCard;
  readonly inputSpec: InputSpec;
  readonly labels: readonly string[];
  /** sha256 of model.json + shards, to tie experiments to the exact weights. */
  readonly fingerprint: string;
  /** Logits [N, classes] for images [N, H, W, C] in [0,1]. Differentiable w.r.t. the input. */
  logits(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}
