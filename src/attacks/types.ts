/**
 * The attack interface: a descriptor (id, paper, norm, zod parameter schema) around a pure
 * `run`. The schema validates input, supplies defaults and later generates the UI form.
 * Pixel domain: images are NHWC float in [0,1]; eps and step sizes are on the paper's
 * 0..255 intensity scale and converted inside the attack.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { Classifier } from '../model/classifier';
import type { Rng } from '../shared';
import type { AttackId } from './names';

export type Norm = 'linf' | 'l2' | 'l0';

export interface AttackProgress {
  readonly step: number;
  readonly steps: number;
}

export interface AttackContext {
  readonly classifier: Classifier;
  readonly rng: Rng;
  readonly signal?: AbortSignal;
  /** Called between steps, outside any tf.tidy, so it may await (UI updates, cancellation). */
  readonly onStep?: (p: AttackProgress) => void | Promise<void>;
}

export interface AttackBatch {
  /** Clean images, NHWC in [0,1]; owned by the caller. */
  readonly x: tf.Tensor4D;
  /** Ground-truth class per image. */
  readonly labels: Int32Array;
}

export interface AttackOutput {
  /** Adversarial images, NHWC in [0,1], before 8-bit rounding; owned by the caller. */
  readonly adversarial: tf.Tensor4D;
  readonly steps: number;
  /** Steps (Square: model queries) per image, where they differ; `steps` is then their maximum. */
  readonly stepsPerImage?: Int32Array;
  /** Target class per image for targeted attacks (ILLC: the clean image's least-likely class). */
  readonly targets?: Int32Array;
  /** L∞ radius on the 0..255 scale that rounding must respect (L∞ attacks only). */
  readonly linfRadius?: number;
}

export interface AttackDescriptor<P = any> {
  readonly id: AttackId;
  readonly title: string;
  /** Citation of the paper the method comes from. */
  readonly paper: string;
  readonly norm: Norm;
  readonly summary: string;
  readonly params: z.ZodType<P>;
  run(ctx: AttackContext, batch: AttackBatch, params: P): Promise<AttackOutput>;
}

/** How the target class of a targeted attack is chosen. */
export type TargetMode = 'untargeted' | 'least-likely' | 'random' | number;
