/**
 * loadClassifier compiles Layers models into the fused layer plan (src/model/layer-plan.ts): a
 * saved MobileNet-style graph (batch norms, ReLU6, residual add) loads as fused ops with the same
 * logits as tfjs-layers, says so in the debug log, frees the plan's tensors on dispose, and
 * PRINTSHOT_LAYER_PLAN=off keeps tfjs-layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadClassifier } from '../../../src/model/node';
import { log } from '../../../src/shared';
import { MOBILE_CLASSES, MOBILE_INPUT, mobileNetStyle } from '../kernels/models';
import { card, removeTempDirs, saveLayers, tempDir } from './model-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

async function loadLogged(dir: string): Promise<{ clf: Awaited<ReturnType<typeof loadClassifier>>; debug: string[] }> {
  const debug: string[] = [];
  const spy = vi.spyOn(log, 'debug').mockImplementation((m: string) => void debug.push(m));
  try {
    return { clf: await loadClassifier(dir), debug };
  } finally {
    spy.mockRestore();
  }
}

describe('loading compiles Layers models', () => {
  it('a saved MobileNet-style graph runs as fused ops with the logits of tfjs-layers', async () => {
    const model = mobileNetStyle();
    const dir = await tempDir();
    const labels = Array.from({ length: MOBILE_CLASSES }, (_, i) => `c${i}`);
    await saveLayers(model, dir, card(labels, { height: MOBILE_INPUT[0], width: MOBILE_INPUT[1], channels: 3 }, { outputs: 'logits' }));
    const before = tf.memory().numTensors;
    const { clf, debug } = await loadLogged(dir);
    expect(debug.some((m) => /runs as 12 fused ops: conv 3×3×8\/2 same relu6/.test(m))).toBe(true);
    const x = tf.randomUniform([3, ...MOBILE_INPUT], 0, 1, 'float32', 3) as tf.Tensor4D;
    const [ours, ref] = tf.tidy(() => [clf.logits(x).dataSync(), (model.apply(x) as tf.Tensor).dataSync()]);
    const scale = Math.max(...Array.from(ref, Math.abs));
    expect(Math.max(...Array.from(ours, (v, i) => Math.abs(v - ref[i])))).toBeLessThanOrEqual(1e-5 * scale);
    clf.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);

    process.env.PRINTSHOT_LAYER_PLAN = 'off';
    try {
      const off = await loadLogged(dir);
      expect(off.debug.some((m) => /runs through tfjs-layers \(not compiled: PRINTSHOT_LAYER_PLAN=off\)/.test(m))).toBe(true);
      off.clf.dispose();
    } finally {
      delete process.env.PRINTSHOT_LAYER_PLAN;
    }
    model.dispose();
  });
});
