/**
 * Worker entry: one tfjs backend instance (its own wasm heap) and one copy of the model per
 * worker, loaded once at start. Runs batches with the same code as the in-process path
 * (attackBatch), so results do not depend on which worker ran them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { getAttack } from '../attacks';
import { installBackend, loadClassifier, type LoadedClassifier } from '../model/node';
import { PrintshotError } from '../shared';
import { installNodeHost } from '../transforms/node/host';
import { attackBatch } from './partition';
import { toWireError, transferList, type FromWorker, type ToWorker, type WorkerInit } from './protocol';
import { withWasmThreads } from './wasm-threads';

const PROGRESS_INTERVAL_MS = 100;

if (!parentPort) throw new Error('src/parallel/worker.ts must run in a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;
const abortFlag = new Int32Array(init.abortFlag);
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let classifier: LoadedClassifier | undefined;
// Batches run one at a time, after the model has loaded (start() never rejects).
let chain: Promise<void> = start();

port.on('message', (m: ToWorker) => {
  if (m.type === 'close') {
    port.close();
    return;
  }
  chain = chain.then(() => runBatch(m));
});

async function start(): Promise<void> {
  try {
    installNodeHost();
    const select = () => installBackend(init.backend ? { prefer: init.backend } : {});
    const info = init.wasmThreads && init.wasmThreads > 1 ? await withWasmThreads(init.wasmThreads, select) : await select();
    classifier = await loadClassifier(init.modelDir, { probeGradient: false }); // the parent's load probed it
    post({ type: 'ready', backend: info.name, threads: info.threads });
  } catch (e) {
    post({ type: 'init-error', error: toWireError(e) });
  }
}

async function runBatch(req: Extract<ToWorker, { type: 'batch' }>): Promise<void> {
  const controller = new AbortController();
  let lastPost = 0;
  try {
    if (!classifier) throw new Error('model not loaded');
    if (Atomics.load(abortFlag, 0)) throw new PrintshotError('cancelled', 'cancelled by the user');
    const attack = getAttack(req.attackId);
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    const results = await attackBatch(attack, req.params, req.items, req.start, {
      classifier,
      seed: req.seed,
      signal: controller.signal,
      onProgress: (p) => {
        if (Atomics.load(abortFlag, 0)) controller.abort();
        const now = performance.now();
        if (now - lastPost < PROGRESS_INTERVAL_MS) return;
        lastPost = now;
        post({ type: 'progress', start: req.start, imagesDone: p.imagesDone, step: p.step, steps: p.steps });
      },
    });
    const ms = performance.now() - t0;
    const tensorsAfter = tf.memory().numTensors;
    post({ type: 'result', start: req.start, results, tensorsBefore, tensorsAfter, ms }, transferList(results.map((r) => r.adversarial)));
  } catch (e) {
    post({ type: 'batch-error', start: req.start, error: toWireError(e) });
  }
}

