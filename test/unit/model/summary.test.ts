/**
 * The architecture summary's counts: FLOPs by the layer formula agree with the FLOPs of the
 * kernels tfjs actually runs (profiled), for every counted layer class; hand counts for a
 * separable and a transposed convolution; graph models counted from their kernels, with only
 * float weights as parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierFromMemory } from '../../../src/model';
import { flopsFromKernels, formatSummary, summarizeModel, type SummaryInput } from '../../../src/model/summary';
import { card, graphModel } from './model-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type ST = tfl.SymbolicTensor;

/** Every layer class the convention counts, at odd sizes and strides. */
function zoo(): tfl.LayersModel {
  const x = tfl.input({ shape: [12, 10, 3] });
  let y = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as ST; // 6×5×4
  y = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid' }).apply(y) as ST; // 4×3×8
  y = tfl.layers.separableConv2d({ filters: 5, kernelSize: 2, depthMultiplier: 1, padding: 'same' }).apply(y) as ST; // 4×3×5
  y = tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(y) as ST; // 8×6×2
  y = tfl.layers.dense({ units: 3 }).apply(y) as ST; // per position: 8×6×3
  y = tfl.layers.reshape({ targetShape: [48, 3] }).apply(y) as ST;
  y = tfl.layers.conv1d({ filters: 2, kernelSize: 5 }).apply(y) as ST; // 44×2
  return tfl.model({ inputs: x, outputs: y });
}

function input(model: tfl.LayersModel): SummaryInput {
  return {
    name: 'zoo',
    format: 'layers',
    fingerprint: '0'.repeat(64),
    input: { height: 12, width: 10, channels: 3 },
    card: { schemaVersion: 1, name: 'zoo', labels: ['a', 'b'], input: { height: 12, width: 10, channels: 3 }, range: '0-1' },
    outputsWhy: 'no final softmax found',
    classes: 2,
    execution: { backend: 'cpu', compiled: false, reason: 'test' },
    compiledOps: [],
    layersModel: model,
  };
}

describe('FLOPs', () => {
  it('the layer formula equals the FLOPs of the conv/matmul kernels tfjs runs, layer by layer', async () => {
    const m = zoo();
    const s = summarizeModel(input(m));
    const info = await tf.profile(() => m.predict(tf.ones([1, 12, 10, 3])) as tf.Tensor);
    tf.dispose(info.result as tf.Tensor);
    expect(s.flopsPerImage).toBe(flopsFromKernels(info.kernels));
    expect(s.flopsPerImage).toBeGreaterThan(0);
    // Hand counts (MACs = output positions × kernel elements):
    const byName = new Map(s.layers.map((l) => [l.className, l.flops]));
    expect(byName.get('Conv2D')).toBe(2 * 6 * 5 * (3 * 3 * 3 * 4));
    expect(byName.get('DepthwiseConv2D')).toBe(2 * 4 * 3 * (3 * 3 * 4 * 2));
    expect(byName.get('SeparableConv2D')).toBe(2 * 4 * 3 * (2 * 2 * 8 + 8 * 5));
    expect(byName.get('Conv2DTranspose')).toBe(2 * 4 * 3 * (3 * 3 * 2 * 5)); // input positions × kernel
    expect(byName.get('Dense')).toBe(2 * 8 * 6 * (2 * 3));
    expect(byName.get('Conv1D')).toBe(2 * 44 * (5 * 3 * 2));
    expect(byName.get('Reshape')).toBe(0);
    expect(s.params.total).toBe(m.countParams());
    expect(s.layers.reduce((n, l) => n + l.params, 0)).toBe(s.params.total);
    m.dispose();
  });

  it('graph models: FLOPs from the kernels one image runs, parameters = float weights only, op counts', async () => {
    const { json, shard } = graphModel();
    const clf = await loadClassifierFromMemory({ modelJSON: json, weights: { 'group1-shard1of1.bin': shard }, card: card(['a', 'b', 'c']) });
    const s = await clf.describe();
    expect(s.format).toBe('graph');
    expect(s.flopsPerImage).toBe(2 * 16 * 3); // [1,16]·[16,3]
    expect(s.params).toEqual({ total: 16 * 3 + 3, trainable: 0 }); // the int32 reshape target is not a parameter
    expect(s.layerCounts).toEqual({ Reshape: 1, MatMul: 1, BiasAdd: 1, Softmax: 1, Identity: 1 });
    expect(s.layers).toEqual([]);
    expect(s.execution.compiled ? 'compiled' : s.execution.reason).toBeTruthy();
    expect(await clf.describe()).toBe(s); // computed once
    expect(formatSummary(s).join('\n')).toContain('FLOPs       96 per image');
    clf.dispose();
  });
});
