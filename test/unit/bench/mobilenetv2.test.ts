/**
 * The benchmark's MobileNetV2 must be the published architecture, or its img/s and FLOP figures
 * mean nothing: α=1, 1000 classes has 3,504,872 trainable parameters (Keras and torchvision).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flopCounts, layersMacs } from '../../../bench/lib/flops';
import { buildSmallCnnModel } from '../../../bench/lib/small-cnn';
import {
  countTrainableParams,
  createMobileNetV2,
  MOBILENETV2_TOTAL_WEIGHTS,
  MOBILENETV2_TRAINABLE_PARAMS,
  type LayersClassifier,
} from '../../../bench/mobilenetv2';

describe('bench MobileNetV2 (α=1, 224², 1000 classes)', () => {
  let net: LayersClassifier;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    net = createMobileNetV2({ seed: 0 });
  });
  afterAll(() => net?.dispose());

  it('has the published parameter count', () => {
    expect(countTrainableParams(net.model)).toBe(MOBILENETV2_TRAINABLE_PARAMS);
    expect(MOBILENETV2_TRAINABLE_PARAMS).toBe(3_504_872);
    // + 34,112 batch-norm moving means and variances.
    expect(net.model.countParams()).toBe(MOBILENETV2_TOTAL_WEIGHTS);
    expect(net.inputSpec).toEqual({ height: 224, width: 224, channels: 3 });
    expect(net.labels).toHaveLength(1000);
  });

  it('costs about 0.3 GMAC per image (the paper: 300M multiply-adds)', () => {
    const macs = layersMacs(net.model);
    expect(macs).toBeGreaterThan(295e6);
    expect(macs).toBeLessThan(305e6);
    expect(flopCounts(macs).forwardBackward / 1e9).toBeCloseTo(1.2, 1);
  });

  it('maps a [0,1] batch of one to finite logits [1, 1000] without leaking tensors', () => {
    // Not a constant 0.5: that maps to an all-zero input, and bias-free convs keep it zero.
    const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const logits = net.logits(x);
    expect(logits.shape).toEqual([1, 1000]);
    const values = Array.from(logits.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    // Random weights scaled to keep activations of order one: logits neither vanish nor explode.
    const maxAbs = values.reduce((m: number, v: number) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs).toBeGreaterThan(1e-3);
    expect(maxAbs).toBeLessThan(1e3);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('computes the same function with ReLU6 as one tf.relu6 op', () => {
    // 64×64 input to keep the cpu forward passes short; the weights do not depend on the size.
    const keras = createMobileNetV2({ seed: 0, size: 64 });
    const op = createMobileNetV2({ seed: 0, size: 64, relu6: 'op' });
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    try {
      expect(countTrainableParams(op.model)).toBe(MOBILENETV2_TRAINABLE_PARAMS);
      const a = keras.logits(x);
      const b = op.logits(x);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeLessThan(1e-4);
      tf.dispose([a, b]);
    } finally {
      keras.dispose();
      op.dispose();
      x.dispose();
    }
  });

  it('is reproducible from its seed', () => {
    const again = createMobileNetV2({ seed: 0 });
    const other = createMobileNetV2({ seed: 1 });
    try {
      const k = (c: LayersClassifier) => c.model.getLayer('Conv1').getWeights()[0].dataSync().slice(0, 8);
      expect(Array.from(k(again))).toEqual(Array.from(k(net)));
      expect(Array.from(k(other))).not.toEqual(Array.from(k(net)));
    } finally {
      again.dispose();
      other.dispose();
    }
  });
});

describe('bench stand-in of the bundled model', () => {
  it('has the PyTorch model\'s shapes: 225,034 parameters, 2.63 MMAC per 28×28 image', () => {
    const m = buildSmallCnnModel();
    try {
      // Conv(1→32) 320 + Conv(32→64) 18,496 + Dense(1600→128) 204,928 + Dense(128→10) 1,290.
      expect(m.countParams()).toBe(225_034);
      // 26²·32·9 + 11²·64·9·32 + 1600·128 + 128·10
      expect(layersMacs(m)).toBe(194_688 + 2_230_272 + 204_800 + 1_280);
    } finally {
      m.dispose();
    }
  });
});
