/**
 * The keras.applications fixtures (test/fixtures/architectures) are the published architectures:
 * each full-size, 1000-class build has Keras' parameter count and its characteristic layers, and
 * the small test variants compute sane, input-dependent, seed-reproducible probabilities.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/shared';
import { ARCHITECTURES, architecture, imageLike, modelInputRange } from '../../fixtures/architectures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const classesOf = (m: tfl.LayersModel) => new Set(m.layers.map((l) => l.getClassName()));
const count = (m: tfl.LayersModel, pred: (l: tfl.LayersModel['layers'][number]) => boolean) => m.layers.filter(pred).length;

describe.each(ARCHITECTURES.map((a) => [a.title, a] as const))('%s', (_title, arch) => {
  it(`full size has the published ${arch.fullParams.toLocaleString('en-US')} parameters and the key layer classes`, () => {
    const m = arch.build({ weights: 'zeros' });
    try {
      expect(m.countParams()).toBe(arch.fullParams);
      expect(m.inputs[0].shape).toEqual([null, arch.fullSize, arch.fullSize, 3]);
      expect(m.outputs[0].shape).toEqual([null, 1000]);
      const classes = classesOf(m);
      for (const cls of arch.keyLayers) expect(classes, cls).toContain(cls);
    } finally {
      m.dispose();
    }
  });

  it('small variant: on image-like inputs, input-dependent unsaturated probabilities, reproducible from the seed', () => {
    const build = (seed: number) => arch.build({ size: arch.testSize, width: arch.testWidth, classes: 10, seed });
    const [a, again, other] = [build(0), build(0), build(1)];
    const [lo, hi] = modelInputRange(arch.card);
    const s = arch.testSize;
    const x = tf.tensor4d(imageLike(createRng('architectures'), 4, s, s, 3, [lo, hi], false), [4, s, s, 3]);
    try {
      const [p, pAgain, pOther] = [a, again, other].map((m) => (m.predict(x) as tf.Tensor).arraySync() as number[][]);
      for (const row of p) expect(row.reduce((sum, v) => sum + v, 0)).toBeCloseTo(1, 4);
      // Calibrated batch norms and a scaled classifier keep the softmax off its rails (where the
      // attack gradient vanishes) on at least half of the images.
      expect(p.filter((row) => Math.max(...row) < 0.999).length).toBeGreaterThanOrEqual(2);
      expect(p[1]).not.toEqual(p[0]);
      expect(pAgain).toEqual(p);
      expect(pOther).not.toEqual(p);
    } finally {
      tf.dispose([x]);
      [a, again, other].forEach((m) => m.dispose());
    }
  });
});

describe('Keras-specific topology', () => {
  it('InceptionV3: 94 scale-less batch norms, 15 concatenates, asymmetric 1×7/7×1 convolutions', () => {
    const m = architecture('inception-v3').build({ weights: 'zeros', size: 75, width: 0.125 });
    try {
      expect(count(m, (l) => l.getClassName() === 'BatchNormalization' && l.getConfig().scale === false)).toBe(94);
      expect(count(m, (l) => l.getClassName() === 'BatchNormalization')).toBe(94);
      expect(count(m, (l) => l.getClassName() === 'Concatenate')).toBe(15);
      const kernels = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => JSON.stringify(l.getConfig().kernelSize));
      expect(kernels).toContain('[1,7]');
      expect(kernels).toContain('[7,1]');
      expect(m.getLayer('mixed10').getClassName()).toBe('Concatenate');
    } finally {
      m.dispose();
    }
  });

  it('ResNet50: every convolution has a bias, stride-2 projection shortcuts are 1×1 valid', () => {
    const m = architecture('resnet50').build({ weights: 'zeros', size: 64, width: 0.125 });
    try {
      const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
      expect(convs).toHaveLength(53);
      expect(convs.every((l) => l.getConfig().useBias === true)).toBe(true);
      const shortcut = m.getLayer('conv3_block1_0_conv').getConfig();
      expect([shortcut.kernelSize, shortcut.strides, shortcut.padding]).toEqual([[1, 1], [2, 2], 'valid']);
      expect(m.getLayer('conv1_bn').getConfig().epsilon).toBeCloseTo(1.001e-5, 10);
    } finally {
      m.dispose();
    }
  });

  it('MobileNetV3Large: hard-swish as TFOpLambda add/multiply around ReLU(6) with a Multiply', () => {
    const m = architecture('mobilenet-v3-large').build({ weights: 'zeros', size: 64, width: 0.5 });
    try {
      const add = m.getLayer('tf.__operators__.add');
      expect(add.getConfig().function).toBe('__operators__.add');
      expect(m.getLayer('tf.math.multiply').getConfig().function).toBe('math.multiply');
      expect(m.getLayer('re_lu').getConfig().maxValue).toBe(6);
      expect(m.getLayer('expanded_conv_3/squeeze_excite/AvgPool').getConfig().keepdims).toBe(true);
    } finally {
      m.dispose();
    }
  });
});
