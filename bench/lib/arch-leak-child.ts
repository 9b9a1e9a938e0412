/**
 * Peak RSS and tensor leaks of one long BIM job, in its own process so that the peak RSS is that
 * of the job alone: loads a model folder like a user's (wasm backend, loadClassifier), then runs
 * attackImages(bim, {eps: 8, iterations: steps}) on one batch of random images, reading
 * tf.memory().numTensors before the attack, at every step (from the progress callback) and after.
 * Prints one JSON object (LeakCell) on stdout.
 *
 *   node --import tsx bench/lib/arch-leak-child.ts --model-dir DIR --batch 8 --steps 100
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { attackImages, getAttack } from '../../src/attacks';
import { loadClassifier, installBackend } from '../../src/model/node';
import { createRng } from '../../src/shared';
import type { LeakCell } from './arch-steady';
import { firstLine } from './config';
import { randomItems } from './node-bench';

const { values: a } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '100' },
  },
});

async function main(): Promise<void> {
  if (!a['model-dir']) throw new Error('--model-dir is required');
  const batch = Number(a.batch);
  const steps = Number(a.steps);
  await installBackend({ prefer: 'wasm' });
  const c = await loadClassifier(a['model-dir']);
  const execution = (c as { execution?: unknown }).execution;
  const items = randomItems(c, batch, 7);
  const tensorsPerStep: number[] = [];
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  const res = await attackImages(getAttack('bim'), { eps: 8, iterations: steps }, items, {
    classifier: c,
    rng: createRng(0),
    batchSize: batch,
    onProgress: (p) => {
      // The last call (after the batch) repeats the final step: count each step once.
      if (p.step > tensorsPerStep.length) tensorsPerStep.push(tf.memory().numTensors);
      if (p.step % 10 === 0 && p.imagesDone === 0) process.stderr.write(`      step ${p.step}/${p.steps}: ${tf.memory().numTensors} tensors\n`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (res.length !== batch) throw new Error(`attackImages returned ${res.length} results for ${batch} images`);
  const cell: LeakCell = {
    batch,
    steps,
    seconds,
    tensorsBefore,
    tensorsPerStep,
    tensorsAfter: tf.memory().numTensors,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    path: execution === undefined ? undefined : typeof execution === 'string' ? execution : JSON.stringify(execution),
  };
  c.dispose();
  process.stdout.write(`${JSON.stringify(cell)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`arch-leak-child failed: ${firstLine(e)}\n`);
  process.exit(1);
});
