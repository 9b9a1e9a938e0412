// @vitest-environment jsdom
/**
 * The Model view's architecture: layers, parameters, FLOPs and the execution path, from the
 * engine's real model info (model-handlers' modelInfo over a loaded classifier) for the bundled
 * model, a hand-counted conv + dense model, a MobileNetV2 (keras.applications topology, random
 * weights) and a MobileNetV2 graph model (its kernels with shapes).
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelInfo } from '../../src/contract';
import { modelInfo } from '../../src/engine/runtime/model-handlers';
import { loadClassifierFromMemory, type LoadedClassifier } from '../../src/model';
import { DEFAULT_MODEL_DIR, loadClassifier } from '../../src/model/node';
import ModelView from '../../renderer/src/views/ModelView.vue';
import { useModelStore } from '../../renderer/src/stores/model';
import { architecture } from '../fixtures/architectures';
import { tfjsArtifacts } from '../fixtures/architectures/save';
import { graphMobileNetV2 } from '../fixtures/graph/models';
import { FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeAll(async () => {
  // Under jsdom, typed arrays reach Node's WebCrypto from another realm and it refuses them; the
  // model fingerprint is the same SHA-256 through node:crypto.
  const digest = async (_alg: string, data: ArrayBufferView) => {
    const out = createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest();
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  };
  vi.stubGlobal('crypto', { ...globalThis.crypto, subtle: { digest } });
  await tf.setBackend('cpu');
});
beforeEach(stubDom);

const loaded: LoadedClassifier[] = [];
afterAll(() => {
  loaded.forEach((c) => c.dispose());
  vi.unstubAllGlobals();
});

const card = (labels: number, input: { height: number; width: number; channels: 1 | 3 }) => ({ schemaVersion: 1, name: 'fixture', labels: Array.from({ length: labels }, (_, i) => `c${i}`), input, range: '0-1' });

async function fromLayers(model: tfl.LayersModel, labels: number, input: { height: number; width: number; channels: 1 | 3 }): Promise<LoadedClassifier> {
  const a = await tfjsArtifacts(model);
  const modelJSON = { format: 'layers-model', modelTopology: a.topology, weightsManifest: [{ paths: ['weights.bin'], weights: a.specs }] };
  return loadClassifierFromMemory({ modelJSON, weights: { 'weights.bin': a.data }, card: card(labels, input) }, { probeGradient: false });
}

/** The engine's model info for `c`, shown by the Model view after a load. */
async function view(c: LoadedClassifier) {
  loaded.push(c);
  // As the host passes it on: validated against the contract, then through JSON (serve mode's wire).
  const info: ModelInfo = JSON.parse(JSON.stringify(ModelInfo.parse(await modelInfo({ classifier: c, source: 'folder', spec: c.dir, dir: c.dir, cardEdited: false }))));
  const fake = new FakeBridge().handle('model:load', () => info);
  const { wrapper } = mountWith(ModelView, fake);
  await useModelStore().load({ kind: 'bundled' });
  await flushPromises();
  return { wrapper, summary: info.summary!, arch: () => wrapper.get('[data-testid="model-architecture"]') };
}

const fmt = (n: number) => n.toLocaleString('en-US');

describe('Model view architecture', () => {
  it('a conv + dense model: hand-counted FLOPs and parameters per layer and in total', async () => {
    const x = tfl.input({ shape: [6, 6, 1] });
    const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'conv' }).apply(x) as tfl.SymbolicTensor; // 4×4×2
    const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv) as tfl.SymbolicTensor; // 32
    const y = tfl.layers.dense({ units: 3, name: 'dense' }).apply(flat) as tfl.SymbolicTensor;
    const { wrapper, arch } = await view(await fromLayers(tfl.model({ inputs: x, outputs: y }), 3, { height: 6, width: 6, channels: 1 }));
    // conv: 4·4 positions × 3·3·1·2 kernel = 288 MACs; dense: 32 × 3 = 96 MACs; FLOPs = 2 × MACs.
    const rows = arch().findAll('[data-testid="model-layers"] tbody tr').map((r) => r.findAll('td').map((td) => td.text()));
    expect(rows).toEqual([
      ['conv', 'Conv2D', '[4, 4, 2]', '20', '576'],
      ['flat', 'Flatten', '[32]', '0', '—'],
      ['dense', 'Dense', '[3]', '99', '192'],
    ]);
    expect(arch().get('[data-testid="model-params"]').text()).toBe('119 (119 trainable)');
    expect(arch().get('[data-testid="model-flops"]').text()).toContain('768 FLOPs');
    expect(arch().get('[data-testid="model-preprocessing"]').text()).toBe('resized to 6×6×1, pixels scaled to 0-1');
    wrapper.unmount();
  });

  it('the bundled model: every layer, totals that add up, and how the attacks run it', async () => {
    const { wrapper, summary, arch } = await view(await loadClassifier(DEFAULT_MODEL_DIR));
    const rows = arch().findAll('[data-testid="model-layers"] tbody tr');
    expect(rows).toHaveLength(summary.layers.length);
    expect(summary.layers.length).toBeGreaterThanOrEqual(4);
    expect(summary.layers.map((l) => l.className)).toEqual(expect.arrayContaining(['Conv2D', 'Dense']));
    expect(summary.layers.reduce((n, l) => n + l.params, 0)).toBe(summary.params.total);
    expect(summary.layers.reduce((n, l) => n + l.flops, 0)).toBe(summary.flopsPerImage);
    expect(arch().get('[data-testid="model-params"]').text()).toContain(fmt(summary.params.total));
    expect(arch().get('[data-testid="model-flops"]').text()).toContain(fmt(summary.flopsPerImage!));
    const e = summary.execution;
    expect(arch().get('[data-testid="model-execution"]').text()).toBe(e.compiled ? `compiled: ${e.ops} fused ops on cpu` : `not compiled, runs through the stock tfjs path on cpu: ${e.reason}`);
    if (e.compiled) expect(arch().findAll('[data-testid="model-compiled-ops"] li')).toHaveLength(e.ops);
    wrapper.unmount();
  });

  it('MobileNetV2 (keras.applications topology): depthwise layers with FLOPs, all rows on request', async () => {
    const arch0 = architecture('mobilenet-v2');
    const net = arch0.build({ size: arch0.testSize, width: arch0.testWidth, classes: 10 });
    const params = net.countParams();
    const { wrapper, summary, arch } = await view(await fromLayers(net, 10, { height: arch0.testSize, width: arch0.testSize, channels: 3 }));
    expect(summary.params.total).toBe(params);
    expect(summary.layerCounts.DepthwiseConv2D).toBe(17);
    expect(arch().get('[data-testid="model-params"]').text()).toContain(fmt(params));
    expect(arch().get('[data-testid="model-execution"]').text()).toMatch(/^(compiled: \d+ fused ops|not compiled, .+: .+)/);
    const table = () => arch().get('[data-testid="model-layers"]');
    expect(table().findAll('tbody tr')).toHaveLength(60);
    await arch().findAll('button').find((b) => b.text().startsWith('Show all'))!.trigger('click');
    expect(table().findAll('tbody tr')).toHaveLength(summary.layers.length);
    const dw = table().findAll('tbody tr').find((r) => r.findAll('td')[1].text() === 'DepthwiseConv2D')!;
    expect(Number(dw.findAll('td')[4].text().replace(/,/g, ''))).toBeGreaterThan(0);
    wrapper.unmount();
  });

  it('a MobileNetV2 graph model: the kernels one image runs, with shapes and FLOPs', async () => {
    const f = graphMobileNetV2();
    const c = await loadClassifierFromMemory({ modelJSON: f.modelJSON, weights: f.weights, card: card(f.classes, { height: f.input[0], width: f.input[1], channels: f.input[2] as 1 | 3 }) }, { probeGradient: false });
    const { wrapper, summary, arch } = await view(c);
    expect(summary.format).toBe('graph');
    expect(summary.ops.length).toBeGreaterThan(5);
    expect(summary.ops.reduce((n, o) => n + o.flops, 0)).toBe(summary.flopsPerImage);
    const rows = arch().findAll('[data-testid="model-layers"] tbody tr');
    expect(rows).toHaveLength(Math.min(60, summary.ops.length));
    expect(rows.at(-1)!.findAll('td')[2].text()).toBe(`[${summary.ops[rows.length - 1].outputShape.join(', ')}]`);
    expect(rows.some((r) => /DepthwiseConv2D/i.test(r.findAll('td')[1].text()))).toBe(true);
    expect(arch().get('[data-testid="model-execution"]').text()).not.toBe('');
    wrapper.unmount();
  });
});
