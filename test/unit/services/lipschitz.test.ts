/**
 * On the bundled model (a chain: conv, pool, conv, pool, flatten, dense, dense) the product of the
 * per-layer bounds bounds every measured logit-gradient norm: all classes × the bundled samples,
 * plus the gradients at points the bound is tightest on a straight path (the samples themselves
 * and small noise around them). A violation would mean a layer's bound is too small.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { imagesToTensor } from '../../../src/inference';
import { lipschitzReport, lipschitzTable, measureGradientNorms } from '../../../src/services/lipschitz';
import { openImages, openModel } from '../../../src/services/sources';

describe('lipschitz report on the bundled model', () => {
  it('product bound ≥ every measured gradient norm, samples and noisy samples alike', async () => {
    const r = await lipschitzReport({ model: 'default', images: 'samples' });
    expect(r.partial).toBe(false);
    expect(r.layers.map((l) => l.className)).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']);
    for (const l of r.layers.filter((x) => x.className === 'Conv2D' || x.className === 'Dense')) expect(l.bound!).toBeGreaterThan(0);
    expect(r.measured.images).toBeGreaterThanOrEqual(10);
    expect(r.measured.classes).toBe(10);
    expect(r.measured.max).toBeGreaterThan(0);
    expect(r.measured.max).toBeLessThanOrEqual(r.product);
    expect(lipschitzTable(r).footer[0]).toContain(r.product.toPrecision(5));

    // Random points near the data: still under the product.
    const c = await openModel('default', { probeGradient: false });
    try {
      const data = await openImages('samples', c, { unlabelled: true });
      const x = imagesToTensor(data.items.map((i) => i.image));
      const noisy = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomUniform(x.shape, -0.2, 0.2, 'float32', 3)), 0, 1) as tf.Tensor4D);
      const m = measureGradientNorms(c, noisy, data.items.map((i) => i.relPath));
      expect(m.max).toBeLessThanOrEqual(r.product);
      tf.dispose([x, noisy]);
    } finally {
      c.dispose();
    }
  }, 120_000);
});
