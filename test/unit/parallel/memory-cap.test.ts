/**
 * The attack job's memory cap on the batch size (src/parallel/plan.ts): a 32-image BIM job on a
 * full-size InceptionV3 aborted the process at the 4 GiB wasm heap; the cap keeps each batch's
 * activations within ACTIVATION_BUDGET_BYTES.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_BUDGET_BYTES, activationBytesPerImage, memoryBatchCap } from '../../../src/parallel/plan';
import { ARCHITECTURES } from '../../fixtures/architectures';

const MiB = 2 ** 20;

describe('memoryBatchCap', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sums every layer output, multi-output layers included, as float32 bytes', () => {
    expect(activationBytesPerImage([{ outputShape: [28, 28, 32] }, { outputShape: [10] }])).toBe((28 * 28 * 32 + 10) * 4);
    expect(activationBytesPerImage([{ outputShape: [[4, 4, 2], [3]] }])).toBe((32 + 3) * 4);
  });

  it('keeps the asked batch when it fits, caps it when not, never below one', () => {
    expect(memoryBatchCap(32, 100_000)).toBe(32);
    expect(memoryBatchCap(32, null)).toBe(32);
    expect(memoryBatchCap(32, ACTIVATION_BUDGET_BYTES / 10)).toBe(10);
    expect(memoryBatchCap(32, ACTIVATION_BUDGET_BYTES * 3)).toBe(1);
    expect(memoryBatchCap(4, ACTIVATION_BUDGET_BYTES / 10)).toBe(4);
  });

  it('caps full-size InceptionV3 (299²) below the batch of 32 that aborted, and leaves a 28² CNN alone', () => {
    const inception = ARCHITECTURES.find((a) => a.id === 'inception-v3')!.build({ weights: 'zeros' } as never);
    try {
      const layers = inception.layers.map((l) => ({ outputShape: (l.outputShape as (number | null)[]).slice(1) }));
      const perImage = activationBytesPerImage(layers);
      expect(perImage / MiB).toBeGreaterThan(100);
      const cap = memoryBatchCap(32, perImage);
      expect(cap).toBeGreaterThanOrEqual(4);
      expect(cap).toBeLessThanOrEqual(12);
    } finally {
      inception.dispose();
    }
    const cnn = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3 }), tfl.layers.flatten(), tfl.layers.dense({ units: 10 })] });
    expect(memoryBatchCap(32, activationBytesPerImage(cnn.layers.map((l) => ({ outputShape: (l.outputShape as (number | null)[]).slice(1) }))))).toBe(32);
    cnn.dispose();
  });
});
