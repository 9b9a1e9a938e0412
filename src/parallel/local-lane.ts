/**
 * The pool's local lane: batches attacked on the calling thread with its already-loaded model,
 * answering with the same messages a worker posts (protocol.ts), so the pool schedules it like a
 * worker. It starts at once, while worker threads are still importing tfjs and loading their
 * model copies, and it runs the very function the workers run (attackBatch), so which lane ran a
 * batch cannot change a byte. Attack steps yield to the event loop (attackImages), so worker
 * messages and file writes are served between the local lane's steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getAttack } from '../attacks';
import type { Classifier } from '../model/classifier';
import { PrintshotError, type LabeledImage } from '../shared';
import { attackBatch } from './partition';
import { toWireError, type FromWorker } from './protocol';

export interface LocalBatch {
  readonly attackId: string;
  readonly params: unknown;
  readonly seed: number | string;
  readonly start: number;
  readonly items: readonly LabeledImage[];
}

/**
 * Runs one batch and reports through `post` exactly once with 'result' or 'batch-error' (progress
 * before that). `aborted()` is polled at every step, like a worker polls the shared abort flag.
 */
export async function runLocalBatch(classifier: Classifier, req: LocalBatch, aborted: () => boolean, post: (m: FromWorker) => void): Promise<void> {
  const controller = new AbortController();
  try {
    if (aborted()) throw new PrintshotError('cancelled', 'cancelled by the user');
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    const results = await attackBatch(getAttack(req.attackId), req.params, req.items, req.start, {
      classifier,
      seed: req.seed,
      signal: controller.signal,
      onProgress: (p) => {
        if (aborted()) controller.abort();
        post({ type: 'progress', start: req.start, imagesDone: p.imagesDone, step: p.step, steps: p.steps });
      },
    });
    post({ type: 'result', start: req.start, results, tensorsBefore, tensorsAfter: tf.memory().numTensors, ms: performance.now() - t0 });
  } catch (e) {
    post({ type: 'batch-error', start: req.start, error: toWireError(e) });
  }
}
