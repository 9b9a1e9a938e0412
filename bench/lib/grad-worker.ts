/**
 * A benchmark worker for fwd+bwd in the matched-threads table: loads a model folder the way the
 * pool's workers do (installBackend + loadClassifier, optionally on the threaded wasm build), warms
 * up, then on 'go' runs `iters` forward + input-gradient steps (lossGradient) on one full batch
 * and reports the time. N of these side by side = the engine's N workers doing gradient steps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { loadClassifier, installBackend } from '../../src/model/node';
import { withWasmThreads } from '../../src/parallel/wasm-threads';
import { gradientStep, randomItems, toBatch } from './node-bench';

export interface GradWorkerInit {
  modelDir: string;
  wasmThreads: number;
  batch: number;
  warmup: number;
  iters: number;
  seed: number;
}
export type GradWorkerMessage =
  | { type: 'ready'; threads: number }
  | { type: 'done'; ms: number; tensorsBefore: number; tensorsAfter: number }
  | { type: 'error'; message: string };

const port = parentPort!;
const init = workerData as GradWorkerInit;

async function main(): Promise<void> {
  const select = () => installBackend({ prefer: 'wasm' });
  const info = init.wasmThreads > 1 ? await withWasmThreads(init.wasmThreads, select) : await select();
  const c = await loadClassifier(init.modelDir);
  const items = randomItems(c, init.batch, init.seed);
  const x = toBatch(c, items);
  const labels = Int32Array.from(items, (it) => it.label);
  for (let i = 0; i < init.warmup; i++) await gradientStep(c, x, labels);
  await new Promise<void>((resolve) => {
    port.once('message', () => resolve());
    port.postMessage({ type: 'ready', threads: info.threads ?? 1 } satisfies GradWorkerMessage);
  });
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  for (let i = 0; i < init.iters; i++) await gradientStep(c, x, labels);
  const ms = performance.now() - t0;
  port.postMessage({ type: 'done', ms, tensorsBefore, tensorsAfter: tf.memory().numTensors } satisfies GradWorkerMessage);
}

main().catch((e: unknown) => port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies GradWorkerMessage));
