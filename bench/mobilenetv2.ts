/**
 * MobileNetV2 for the benchmarks: keras.applications' exact topology, built by the architecture
 * fixture (test/fixtures/architectures/mobilenet-v2.ts, which documents the layers), here with a
 * linear classifier so the bench's model cards can say outputs: 'logits'.
 *
 * α = 1 with 1000 classes has 3,504,872 trainable parameters (plus 34,112 BN moving statistics,
 * 3,538,984 weights in all), the published figure for both Keras and torchvision.
 *
 * Weights are seeded random, not trained (test/fixtures/architectures/common.ts: He-normal
 * convolutions, LeCun-normal classifier, random but sane batch-norm statistics). That keeps
 * activations and logits of order one, which is all a throughput benchmark needs (the amount of
 * arithmetic does not depend on the values).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Classifier } from '../src/model/classifier';
import type { ModelCard } from '../src/model/card';
import { layersHead } from '../src/model/head';
import { createRng } from '../src/shared';
import { randomizeWeights } from '../test/fixtures/architectures/common';
import { buildMobileNetV2, type MobileNetV2Options as FixtureOptions } from '../test/fixtures/architectures/mobilenet-v2';

export { randomizeWeights } from '../test/fixtures/architectures/common';
export { MOBILENETV2_TOTAL_WEIGHTS, MOBILENETV2_TRAINABLE_PARAMS } from '../test/fixtures/architectures/mobilenet-v2';

export type MobileNetV2Options = Pick<FixtureOptions, 'size' | 'classes' | 'alpha' | 'seed' | 'relu6'>;

/** The functional tfjs-layers model with a linear classifier, with zero weights (see randomizeWeights). */
export function buildMobileNetV2Model(opts: MobileNetV2Options = {}): tfl.LayersModel {
  return buildMobileNetV2({ ...opts, weights: 'zeros', classifierActivation: 'linear' });
}

/** Trainable parameters (what torchvision and the Keras summary call "trainable params"). */
export function countTrainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((p, d) => p * d, 1), 0);
}

export interface LayersClassifier extends Classifier {
  readonly model: tfl.LayersModel;
}

/**
 * A Classifier around any single-input tfjs-layers model taking `range` inputs, run the way
 * loadClassifier runs a user's model (layersHead: the compiled layer plan when the model
 * compiles, else tfjs-layers' apply). Used for the random MobileNetV2 and for the bench's
 * stand-in of the bundled model.
 */
export function layersClassifier(model: tfl.LayersModel, name: string, range: '0-1' | '-1-1', labels?: string[]): LayersClassifier {
  const [, height, width, channels] = model.inputs[0].shape as number[];
  const classes = (model.outputs[0].shape as number[])[1];
  const lbls = labels ?? Array.from({ length: classes }, (_, i) => `class_${i}`);
  const inputSpec = { height, width, channels: channels as 1 | 3 };
  const card: ModelCard = { schemaVersion: 1, name, labels: lbls, input: inputSpec, range, outputs: 'logits' };
  const head = layersHead(model);
  const raw = head.preSoftmax ?? head.output;
  return {
    model,
    card,
    inputSpec,
    labels: lbls,
    fingerprint: `${name}-random`,
    logits: (x) =>
      tf.tidy(() => {
        const scaled = range === '-1-1' ? tf.sub(tf.mul(x, 2), 1) : x;
        return raw(scaled) as tf.Tensor2D;
      }),
    dispose: () => {
      head.dispose?.();
      model.dispose();
    },
  };
}

/** MobileNetV2 with seeded random weights as a Classifier: logits(x) feeds x·2−1 to the net. */
export function createMobileNetV2(opts: MobileNetV2Options = {}): LayersClassifier {
  const model = buildMobileNetV2Model(opts);
  randomizeWeights(model, createRng(opts.seed ?? 0));
  return layersClassifier(model, `mobilenetv2-${opts.alpha ?? 1}-${opts.size ?? 224}${opts.relu6 === 'op' ? '-relu6op' : ''}`, '-1-1');
}
