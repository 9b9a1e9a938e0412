/**
 * What every part of the compiled layer plan shares (layer-plan.ts and its layer-*-steps.ts
 * builders): the step type, the PlanUnsupported reason, and the tensors a plan owns.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export type AnyLayer = tfl.LayersModel['layers'][number];
/** One compiled op: the layer's input tensors in, its output out. */
export type Step = (inputs: tf.Tensor[]) => tf.Tensor;
export type Pair = [number, number];

/** Why a model was not compiled; the caller falls back to tfjs-layers. */
export class PlanUnsupported extends Error {}

export function unsupported(message: string): never {
  throw new PlanUnsupported(message);
}

export const pair = (v: unknown): Pair => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** Tensors the plan owns and frees in dispose(). */
export class Owned {
  readonly tensors: tf.Tensor[] = [];
  add<T extends tf.Tensor | null>(t: T): T {
    if (t) this.tensors.push(t);
    return t;
  }
}

export function channelsLast(layer: AnyLayer): void {
  if (layer.getConfig().dataFormat === 'channelsFirst') unsupported(`layer ${layer.name} is channels-first`);
}
