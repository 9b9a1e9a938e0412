/**
 * Where the time of one attack step goes, per kernel, on the TF.js backend Printshot picks
 * (wasm in Node): tf.profile() around a forward pass, a forward + input-gradient step
 * (lossGradient, what every BIM iteration does) and a short BIM job (attackImages), with the
 * wall time of the same calls measured without profiling, so JS/engine overhead shows as the
 * difference between wall time and the sum of kernel times.
 *
 *   npm run bench:profile [-- --models cnn,mobilenetv2,mobilenetv2-relu6op] [-- --steps 3] [-- --json]
 *   npm run bench:profile -- --models inception-v3,resnet50 --parts fwdbwd [--batch 8]
 *
 * Model ids: cnn (the bundled classifier), mobilenetv2[-relu6op], or any architecture id of
 * test/fixtures/architectures (inception-v3, resnet50, densenet121, …) at its full size with seeded
 * random weights (uncalibrated batch norms: speed does not depend on the values), run through
 * layersHead like a loaded model. --parts picks forward, fwdbwd and/or bim.
 *
 * Kernel times come from the backend's timer (wasm: wall time around each synchronous kernel).
 * Results: docs/BENCHMARKS.md ("Where the time goes") and docs/kernels.md.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { attackImages, getAttack, lossGradient } from '../src/attacks';
import { installBackend } from '../src/model/backend';
import type { Classifier } from '../src/model/classifier';
import { createRng } from '../src/shared';
import { describeMachine, machineBusySeconds, machineInfo } from './lib/machine';
import { bundledClassifier, randomItems } from './lib/node-bench';
import { ARCHITECTURES } from '../test/fixtures/architectures';
import { createMobileNetV2, layersClassifier, randomizeWeights } from './mobilenetv2';

const { values: opt } = parseArgs({
  options: {
    models: { type: 'string', default: 'cnn,mobilenetv2,mobilenetv2-relu6op' },
    parts: { type: 'string', default: 'forward,fwdbwd,bim' },
    batch: { type: 'string' },
    steps: { type: 'string', default: '3' },
    top: { type: 'string', default: '14' },
    json: { type: 'boolean', default: false },
  },
});
const STEPS = Number(opt.steps);
const TOP = Number(opt.top);
const PROFILED_RUNS = 3;

/** Kernel name → coarse category, for the summary line. */
function category(name: string, inputShapes: (number[] | null)[]): string {
  if (/^(Conv2D|FusedConv2D)$/.test(name)) {
    const f = inputShapes[1];
    return f && f[0] === 1 && f[1] === 1 ? 'conv 1×1' : 'conv k×k';
  }
  if (/Depthwise/.test(name)) return 'depthwise';
  if (/BatchNorm/.test(name)) return 'batch norm';
  if (/^(Relu|Relu6|ClipByValue|Step|Prelu|Elu|LeakyRelu)$/.test(name)) return 'activation';
  if (/^(Add|AddN|Sub|Multiply|RealDiv|Maximum|Minimum|Neg|Sign|Round|Floor|Square|Sqrt|Rsqrt|Exp|Log|Cast|Greater|Less|GreaterEqual|LessEqual|Equal|LogicalAnd|Select|SelectV2)$/.test(name)) return 'elementwise';
  if (/^(Transpose|Pad|PadV2|Reshape|Concat|Slice|StridedSlice|Identity|Tile|Pack|Unpack|SplitV|MirrorPad|Reverse)$/.test(name)) return 'layout/copy';
  if (/Pool/.test(name)) return 'pooling';
  if (/MatMul/.test(name)) return 'matmul';
  if (/^(Sum|Max|Mean|Softmax|LogSoftmax|ArgMax|OneHot|Min|Prod)$/.test(name)) return 'reductions/softmax';
  return 'other';
}

interface KernelRow {
  name: string;
  calls: number;
  ms: number;
}
interface Profiled {
  wallMs: number;
  kernelMs: number;
  kernels: KernelRow[];
  categories: Record<string, number>;
}

async function profileOf(label: string, run: () => Promise<void>): Promise<Profiled> {
  // Wall time without profiling (best of 3), then one profiled run.
  let wallMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await run();
    wallMs = Math.min(wallMs, performance.now() - t0);
  }
  // Profiled runs: kernel sequences are deterministic, so each call keeps its fastest time over
  // PROFILED_RUNS runs (preemption by other processes only ever adds time).
  let calls: { name: string; inputShapes: (number[] | null)[]; ms: number }[] = [];
  for (let r = 0; r < PROFILED_RUNS; r++) {
    const info = await tf.profile(run);
    const these = info.kernels.map((k) => ({ name: k.name, inputShapes: k.inputShapes as (number[] | null)[], ms: Number(k.kernelTimeMs) || 0 }));
    if (r === 0 || these.length !== calls.length) calls = these;
    else calls.forEach((c, i) => (c.ms = Math.min(c.ms, these[i].ms)));
  }
  const byName = new Map<string, KernelRow>();
  const categories: Record<string, number> = {};
  let kernelMs = 0;
  for (const k of calls) {
    // customGrad ops (tfjs' fusedConv2d__op, …, and the compiled layer plan's, recorded under the
    // enclosing scope's name) are recorded around the kernels they run: counting both would count
    // those kernels twice. Anything that is not a registered kernel is such a wrapper.
    if (k.name.endsWith('__op') || tf.getKernel(k.name, tf.getBackend()) == null) continue;
    const ms = k.ms;
    const cat = category(k.name, k.inputShapes);
    const key = /^(Conv2D|FusedConv2D)$/.test(k.name) ? `${k.name} ${cat.slice(5)}` : k.name;
    const row = byName.get(key) ?? { name: key, calls: 0, ms: 0 };
    row.calls++;
    row.ms += ms;
    byName.set(key, row);
    categories[cat] = (categories[cat] ?? 0) + ms;
    kernelMs += ms;
  }
  const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
  if (!opt.json) {
    process.stdout.write(`  ${label}: wall ${wallMs.toFixed(1)} ms (unprofiled, best of 3); kernels ${kernelMs.toFixed(1)} ms in ${calls.length} calls (fastest of ${PROFILED_RUNS} profiled runs per call)\n`);
    const cats = Object.entries(categories).sort((a, b) => b[1] - a[1]);
    process.stdout.write(`    by category: ${cats.map(([c, ms]) => `${c} ${((100 * ms) / kernelMs).toFixed(0)}%`).join(', ')}\n`);
    for (const r of kernels.slice(0, TOP)) {
      process.stdout.write(`    ${r.name.padEnd(28)} ${String(r.calls).padStart(5)} calls ${r.ms.toFixed(1).padStart(9)} ms ${((100 * r.ms) / kernelMs).toFixed(1).padStart(5)}%\n`);
    }
  }
  return { wallMs, kernelMs, kernels, categories };
}

async function profileModel(c: Classifier, batch: number): Promise<Record<string, Profiled>> {
  const items = randomItems(c, batch, 1);
  const { height, width, channels } = c.inputSpec;
  const x = tf.tidy(() => tf.div(tf.tensor4d(Uint8Array.from(items.flatMap((it) => [...it.image.data])), [batch, height, width, channels], 'float32'), 255)) as tf.Tensor4D;
  const labels = Int32Array.from(items, (it) => it.label);
  const out: Record<string, Profiled> = {};
  try {
    const forward = async (): Promise<void> => {
      const y = tf.tidy(() => c.logits(x));
      await y.data();
      y.dispose();
    };
    const fwdbwd = async (): Promise<void> => {
      const g = tf.tidy(() => lossGradient(c, x, labels));
      await g.data();
      g.dispose();
    };
    const bim = async (): Promise<void> => {
      await attackImages(getAttack('bim'), { eps: 16, iterations: STEPS }, items, { classifier: c, rng: createRng(0), batchSize: batch });
    };
    await fwdbwd();
    await fwdbwd();
    const parts = opt.parts.split(',');
    if (parts.includes('forward')) out.forward = await profileOf('forward', forward);
    if (parts.includes('fwdbwd')) out.fwdbwd = await profileOf('fwd+bwd', fwdbwd);
    if (parts.includes('bim')) out.bim = await profileOf(`BIM-${STEPS} (attackImages, incl. 2 verification forwards)`, bim);
    if (!opt.json && out.forward && out.fwdbwd && out.bim) {
      const perStep = (out.bim.wallMs - 2 * out.forward.wallMs) / STEPS;
      process.stdout.write(
        `  per BIM step ≈ ${perStep.toFixed(1)} ms wall vs fwd+bwd ${out.fwdbwd.wallMs.toFixed(1)} ms: the attack's own ops (sign, clip, 8-bit rounding) add ${(perStep - out.fwdbwd.wallMs).toFixed(1)} ms\n`,
      );
      const bwd = out.fwdbwd.kernelMs - out.forward.kernelMs;
      process.stdout.write(`  backward (fwd+bwd − forward kernel time) = ${bwd.toFixed(1)} ms = ${(bwd / out.forward.kernelMs).toFixed(2)} × forward\n`);
    }
  } finally {
    x.dispose();
  }
  return out;
}

/** A full-size architecture fixture with seeded weights, run the way a loaded model runs. */
function archClassifier(arch: (typeof ARCHITECTURES)[number]): Classifier {
  const model = arch.build({ weights: 'zeros' });
  randomizeWeights(model, createRng(0));
  return layersClassifier(model, arch.id, arch.card.range === '-1-1' ? '-1-1' : '0-1');
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const backend = await installBackend();
  const b0 = machineBusySeconds();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (!opt.json) {
    process.stdout.write(`machine: ${describeMachine(machine)}; load average ${machine.loadAvg1.toFixed(2)}; ${machine.date}\n`);
    process.stdout.write(`backend: ${backend.name} (${backend.reason}), ${backend.threads ?? 1} thread(s)\n`);
  }
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const results: Record<string, unknown> = {};
  for (const id of opt.models.split(',').filter(Boolean)) {
    const arch = ARCHITECTURES.find((a) => a.id === id);
    const loaded =
      id === 'cnn'
        ? await bundledClassifier()
        : arch
          ? { classifier: archClassifier(arch), name: `${arch.title} ${arch.fullSize}² (random weights)` }
          : { classifier: createMobileNetV2({ seed: 0, relu6: id === 'mobilenetv2-relu6op' ? 'op' : 'keras' }), name: `MobileNetV2 α=1 224² (${id})` };
    const batch = opt.batch ? Number(opt.batch) : id === 'cnn' ? 32 : 8;
    if (!opt.json) process.stdout.write(`\n${loaded.name}, batch ${batch}\n`);
    results[id] = await profileModel(loaded.classifier, batch);
    loaded.classifier.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const b1 = machineBusySeconds();
  const background = b0 !== undefined && b1 !== undefined ? Math.max(0, (b1 - b0 - (c.user + c.system) / 1e6) / seconds) : undefined;
  if (opt.json) process.stdout.write(`${JSON.stringify({ machine, backend, background, results }, null, 2)}\n`);
  else process.stdout.write(`\nbackground load during the run: ${background?.toFixed(2) ?? '?'} cores (0 = idle machine)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
