/**
 * `printshot models info DIR`, `doctor --model DIR` and the load-time gradient probe, through the
 * real binary: the architecture summary's parameter and FLOP counts against hand computations,
 * and a model attacks cannot differentiate exits 1 with one error line naming the layer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../../src/services/doctor';
import { mobileNetStyle } from '../kernels/models';
import { removeTempDirs, saveLayers, tempDir } from '../model/model-fixtures';
import { ROOT, runCliAsync } from './run-cli';

const BUNDLED = join(ROOT, 'assets/models/fashion-cnn');
const FASHION_LABELS = (JSON.parse(readFileSync(join(BUNDLED, 'model-card.json'), 'utf8')) as { labels: string[] }).labels;

/** Sum of every weight's element count in a model.json: the parameter count by definition. */
function manifestParams(dir: string): number {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { shape: number[] }[] }[] };
  return json.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** stderr lines other than the non-TTY progress heartbeat ("evaluate: 0% done (10s elapsed)"). */
function withoutProgress(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !/: \d+% done/.test(l));
}

async function info(target: string): Promise<ModelInfo> {
  const r = await runCliAsync(['models', 'info', target, '--json']);
  expect(withoutProgress(r.stderr)).toEqual([]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ModelInfo;
}

let mobileDir: string;
let gatedDir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  mobileDir = await tempDir();
  await saveLayers(mobileNetStyle(), mobileDir, { name: 'mobile-style', labels: ['a', 'b', 'c', 'd', 'e'], input: { height: 16, width: 16, channels: 3 } });
  // ThresholdedReLU computes x·cast(x > θ): TF.js has no gradient for Greater, so such a model
  // classifies but cannot be attacked. (CenterCrop, whose CropAndResize has no gradient either,
  // cannot be used here: tfjs-layers 4.22's CenterCrop overwrites its input's shape with the crop size.)
  gatedDir = await tempDir();
  const x = tfl.input({ shape: [28, 28, 1] });
  let y = tfl.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) }).apply(x) as tfl.SymbolicTensor;
  y = tfl.layers.thresholdedReLU({ theta: 0.1, name: 'gate' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.flatten().apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }).apply(y) as tfl.SymbolicTensor;
  await saveLayers(tfl.model({ inputs: x, outputs: y }), gatedDir, { name: 'gated', labels: FASHION_LABELS, input: { height: 28, width: 28, channels: 1 } });
});
afterAll(removeTempDirs);

describe('models info DIR', () => {
  it('bundled model: parameters = sum of weight sizes, FLOPs = hand count of its conv and dense layers, compiled as 5 fused ops', async () => {
    const s = (await info(BUNDLED)).summary;
    expect(s.params.total).toBe(manifestParams(BUNDLED));
    expect(s.params.total).toBe(225_034);
    // Multiply-accumulates = output positions × kernel elements:
    //   conv 3×3, 1→32, 28→26: 26·26 · 3·3·1·32;  conv 3×3, 32→64, 13→11: 11·11 · 3·3·32·64;
    //   dense 1600→128;  dense 128→10.  FLOPs = 2 × MACs.
    const macs = 26 * 26 * 3 * 3 * 1 * 32 + 11 * 11 * 3 * 3 * 32 * 64 + 1600 * 128 + 128 * 10;
    expect(s.flopsPerImage).toBe(2 * macs);
    expect(s.layerCounts).toEqual({ Conv2D: 2, MaxPooling2D: 2, Flatten: 1, Dense: 2 });
    expect(s.layers.map((l) => l.outputShape)).toEqual([[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [1600], [128], [10]]);
    expect(s.layers.reduce((n, l) => n + l.params, 0)).toBe(s.params.total);
    expect(s.execution).toMatchObject({ compiled: true, ops: 5 });
    expect(s.input).toEqual({ height: 28, width: 28, channels: 1 });
    expect(s.preprocessing).toEqual({ range: '0-1', mean: null, std: null });
    expect(s.output).toMatchObject({ kind: 'probabilities', classes: 10 });

    const text = await runCliAsync(['models', 'info', 'default']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('compiled: 5 fused ops');
    expect(text.stdout).toContain(`FLOPs       ${(2 * macs).toLocaleString('en-US')} per image`);
    expect(text.stdout).toMatch(/gradient {4}ok/);
  });

  it('MobileNet-style model: depthwise, 1×1 and dense FLOPs by hand, batch-norm parameters counted, compiled as 12 fused ops', async () => {
    const s = (await info(mobileDir)).summary;
    expect(s.params.total).toBe(manifestParams(mobileDir));
    // BN moving mean/variance are weights but not trainable: 4 per channel, 2 trainable.
    const bnChannels = 16 + 16 + 8 + 16 + 16 + 12;
    expect(s.params.total - s.params.trainable).toBe(2 * bnChannels);
    // 16×16×3 input. Stem conv 3×3/2 same → 8×8×8. Block 1 at 8×8: expand 1×1 8→16, depthwise 3×3
    // ×16, project 1×1 16→8. Block 2: expand 1×1 8→16 at 8×8, pad to 9×9, depthwise 3×3/2 valid →
    // 4×4×16, project 1×1 16→12 at 4×4. Pooling adds nothing; dense 12→5.
    const macs =
      8 * 8 * (3 * 3 * 3 * 8) +
      8 * 8 * (8 * 16) + 8 * 8 * (3 * 3 * 16) + 8 * 8 * (16 * 8) +
      8 * 8 * (8 * 16) + 4 * 4 * (3 * 3 * 16) + 4 * 4 * (16 * 12) +
      12 * 5;
    expect(s.flopsPerImage).toBe(2 * macs);
    expect(s.layerCounts).toMatchObject({ Conv2D: 5, DepthwiseConv2D: 2, BatchNormalization: 6, Dense: 1, Add: 1 });
    expect(s.execution).toMatchObject({ compiled: true, ops: 12 });
  });

  it('doctor --model DIR prints the backend lines, then the same summary', async () => {
    const r = await runCliAsync(['doctor', '--model', mobileDir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^backend {5}\S+/);
    const at = lines.findIndex((l) => l.startsWith('model       mobile-style'));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at)).toEqual(expect.arrayContaining(['compiled: 12 fused ops on ' + lines[0].split(/\s+/)[1]]));
    expect(r.stdout).toContain('parameters  ');
  });
});

describe('attack summary', () => {
  it('prints how the model ran, in one line, and --json gives the run record\'s execution', async () => {
    const out = join(await tempDir(), 'exp');
    const r = await runCliAsync(['attack', '--method', 'fgsm', '--eps', '8', '--workers', '1', '--out', out]);
    expect(r.code).toBe(0);
    const ran = r.stdout.split('\n').filter((l) => l.startsWith('model ran'));
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatch(/^model ran as 5 fused ops on (wasm|cpu|tensorflow)$/);
    const j = await runCliAsync(['attack', '--method', 'fgsm', '--eps', '4', '--workers', '1', '--out', out, '--json']);
    expect(j.code).toBe(0);
    const json = JSON.parse(j.stdout) as { run: { manifest: string }; execution: unknown };
    expect(json.execution).toEqual({ backend: ran[0].split(' ').pop(), compiled: true, ops: 5 });
    expect((JSON.parse(readFileSync(join(out, json.run.manifest), 'utf8')) as { execution: unknown }).execution).toEqual(json.execution);
  });
});

describe('a model attacks cannot differentiate', () => {
  it('attack exits 1 with one error line naming the layer and its op, and writes nothing', async () => {
    const out = join(await tempDir(), 'exp');
    const r = await runCliAsync(['attack', '--model', gatedDir, '--method', 'fgsm', '--eps', '8', '--out', out]);
    expect(r.code).toBe(1);
    expect(withoutProgress(r.stderr)).toEqual([
      'error: cannot differentiate the model: layer gate (ThresholdedReLU) runs Greater, which has no gradient in TF.js (attacks need the gradient with respect to the pixels: replace that step, or apply it to the images before Printshot)',
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('still classifies and evaluates (as a transfer target), and models info says why attacks cannot use it', async () => {
    const c = await runCliAsync(['classify', '--model', gatedDir, '--images', 'samples', '--json']);
    expect(c.code).toBe(0);
    const exp = join(await tempDir(), 'exp');
    const a = await runCliAsync(['attack', '--method', 'fgsm', '--eps', '8', '--workers', '1', '--out', exp, '--json']);
    expect(a.code).toBe(0);
    const run = (JSON.parse(a.stdout) as { run: { dir: string } }).run.dir;
    const e = await runCliAsync(['evaluate', '--clean', join(exp, 'clean'), '--adversarial', join(exp, run), '--model', gatedDir, '--json']);
    expect(withoutProgress(e.stderr)).toEqual([]);
    expect(e.code).toBe(0);
    const i = await runCliAsync(['models', 'info', gatedDir]);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/gradient {4}unusable for attacks: cannot differentiate the model: layer gate \(ThresholdedReLU\) runs Greater/);
    expect(i.stdout).toMatch(/^not compiled: .+ \(backend \w+\)$/m);
  });
});
