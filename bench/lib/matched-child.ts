/**
 * One cell of the matched-threads table, in its own process (so peak RSS is that of the engine
 * with its workers alone): Printshot with W workers, each a wasm backend with T threads, on one
 * model folder.
 *
 *   fwd+bwd  W bench workers (grad-worker.ts), each loading the model like a pool worker and
 *            running `iters` gradient steps on its own full batch; all start together on 'go';
 *            img/s = W × batch × iters / wall time until the last one finishes.
 *   BIM-20   AttackPool({ workers: W, wasmThreads: T }).run('bim', …) on W × bimBatches full
 *            batches, exactly as a user's job runs (fixed batches of `batch` images handed to idle
 *            workers); img/s = images / wall time of the job. A short warm-up job runs first
 *            (worker start-up and the first wasm heap growth are not timed).
 *
 * Prints one JSON object (MatchedCell) on stdout; progress goes to stderr.
 *   node --import tsx bench/lib/matched-child.ts --model-dir DIR --workers W --wasm-threads T
 *        --batch B --warmup K --iters I --bim-batches M [--bim-steps S (default 20)]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MODEL_DIR } from '../../src/model/node';
import { AttackPool, type WorkerBatchReport } from '../../src/parallel';
import { BIM_STEPS, firstLine } from './config';
import type { GradWorkerInit, GradWorkerMessage } from './grad-worker';
import { attempt, measure, randomItems, type Outcome, type Rate } from './node-bench';

export interface MatchedCell {
  workers: number;
  wasmThreads: number;
  /** wasm threads each worker's backend reported (getThreadsCount), from the fwd+bwd workers. */
  threadsObtained: number[];
  batch: number;
  fwdbwd: Outcome;
  bim20: Outcome;
  /** Peak RSS of this process: main thread + all workers (wasm heaps included). */
  maxRssMiB: number;
  /** tf.memory().numTensors before/after the timed loop in each fwd+bwd worker and each BIM batch. */
  tensors: { fwdbwd: [number, number][]; bim20: [number, number][] };
  startupSeconds: number;
}

const { values: a } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    workers: { type: 'string', default: '1' },
    'wasm-threads': { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '3' },
    iters: { type: 'string', default: '30' },
    'bim-batches': { type: 'string', default: '1' },
    // bench/architectures.ts runs shorter BIM jobs on the big models.
    'bim-steps': { type: 'string', default: String(BIM_STEPS) },
  },
});
const modelDir = a['model-dir'] ?? 'default';
const W = Number(a.workers);
const T = Number(a['wasm-threads']);
const batch = Number(a.batch);
const bimSteps = Number(a['bim-steps']);
const say = (s: string): void => void process.stderr.write(`      ${s}\n`);

function spec(): { inputSpec: { height: number; width: number; channels: 1 | 3 }; labels: string[] } {
  const dir = modelDir === 'default' ? DEFAULT_MODEL_DIR : modelDir;
  const card = JSON.parse(readFileSync(join(dir, 'model-card.json'), 'utf8')) as { input: { height: number; width: number; channels: 1 | 3 }; labels: string[] };
  return { inputSpec: card.input, labels: card.labels };
}

async function fwdbwd(cell: MatchedCell): Promise<Rate> {
  const workers = Array.from({ length: W }, (_, w) => {
    const init: GradWorkerInit = { modelDir, wasmThreads: T, batch, warmup: Number(a.warmup), iters: Number(a.iters), seed: 1 + w };
    return new Worker(new URL('./grad-worker-entry.mjs', import.meta.url), { workerData: init, execArgv: [] });
  });
  const next = (w: Worker): Promise<GradWorkerMessage> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    const t0 = performance.now();
    const ready = await Promise.all(workers.map(next));
    cell.startupSeconds = Math.max(cell.startupSeconds, (performance.now() - t0) / 1000);
    for (const m of ready) {
      if (m.type === 'error') throw new Error(m.message);
      if (m.type === 'ready') cell.threadsObtained.push(m.threads);
    }
    let done: GradWorkerMessage[] = [];
    const rate = await measure(W * batch * Number(a.iters), async () => {
      const finished = workers.map(next);
      for (const w of workers) w.postMessage('go');
      done = await Promise.all(finished);
    });
    for (const m of done) {
      if (m.type === 'error') throw new Error(m.message);
      if (m.type === 'done') cell.tensors.fwdbwd.push([m.tensorsBefore, m.tensorsAfter]);
    }
    return rate;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function bim(cell: MatchedCell): Promise<Rate> {
  const t0 = performance.now();
  const pool = await AttackPool.create({ modelDir, workers: W, wasmThreads: T, backend: 'wasm' });
  try {
    const items = randomItems(spec(), W * Number(a['bim-batches']) * batch, 1);
    // Warm-up: every worker runs one short batch (first-call costs, heap growth).
    await pool.run('bim', { eps: 16, iterations: 2 }, items.slice(0, W * batch), { seed: 0, batchSize: batch });
    cell.startupSeconds = Math.max(cell.startupSeconds, (performance.now() - t0) / 1000);
    const reports: WorkerBatchReport[] = [];
    const rate = await measure(items.length, async () => {
      const res = await pool.run('bim', { eps: 16, iterations: bimSteps }, items, { seed: 0, batchSize: batch, onWorkerReport: (r) => reports.push(r) });
      if (res.length !== items.length) throw new Error(`the pool returned ${res.length} results for ${items.length} images`);
    });
    cell.tensors.bim20 = reports.map((r) => [r.tensorsBefore, r.tensorsAfter]);
    say(`batches per worker: ${[...Array(W).keys()].map((w) => reports.filter((r) => r.worker === w).length).join(', ')}`);
    return rate;
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const cell: MatchedCell = {
    workers: W,
    wasmThreads: T,
    threadsObtained: [],
    batch,
    fwdbwd: { error: 'not run' },
    bim20: { error: 'not run' },
    maxRssMiB: 0,
    tensors: { fwdbwd: [], bim20: [] },
    startupSeconds: 0,
  };
  cell.fwdbwd = await attempt(() => fwdbwd(cell));
  say(`fwd+bwd ${'error' in cell.fwdbwd ? `failed: ${cell.fwdbwd.error}` : `${cell.fwdbwd.imgPerS.toFixed(2)} img/s`} (threads per worker: ${cell.threadsObtained.join(', ')})`);
  cell.bim20 = await attempt(() => bim(cell));
  say(`BIM-${bimSteps} ${'error' in cell.bim20 ? `failed: ${cell.bim20.error}` : `${cell.bim20.imgPerS.toFixed(2)} img/s`}`);
  cell.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(cell)}\n`);
  // Emscripten's pthread workers (threaded wasm) keep the event loop alive.
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`matched-child failed: ${firstLine(e)}\n`);
  process.exit(1);
});
