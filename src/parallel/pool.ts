/**
 * Splits attack jobs across N worker threads, each with its own wasm backend and model copy.
 * In Node, tfjs-backend-wasm runs one thread per backend instance (its threaded build is off by
 * default; wasm-threads.ts can force it on, but one single-threaded backend per worker is the
 * default, see docs/parallel.md), so using more than one core means more than one backend:
 * worker_threads.
 *
 * Determinism: the batch partition and each batch's RNG stream depend only on (seed, batch
 * start), never on the worker count or scheduling (see partition.ts). Batches go to whichever
 * worker is idle, and results are reassembled in input order.
 *
 * Starting a worker costs 1-3 s (importing tfjs and the attack modules dominates), so services
 * that run many jobs should keep an AttackPool; attackImagesParallel is the one-shot form.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { getAttack, parseAttackParams, type AttackImageResult } from '../attacks';
import { PrintshotError, throwIfAborted, type LabeledImage } from '../shared';
import { BUNDLED, bundleEntry } from '../shared/node/paths';
import type { Classifier } from '../model/classifier';
import { runLocalBatch } from './local-lane';
import { partitionBatches, type BatchSpan } from './partition';
import { defaultWorkerCount, fromWire, type AttackPoolOptions, type ParallelAttackOptions, type PoolJobOptions } from './pool-options';
import { transferList, type FromWorker, type ToWorker, type WorkerInit } from './protocol';

export { defaultWorkerCount, type AttackPoolOptions, type ParallelAttackOptions, type PoolJobOptions, type WorkerBatchReport } from './pool-options';

/** How long cancelled workers get to acknowledge before the pool is torn down. */
const CANCEL_GRACE_MS = 2_000;

/** One-shot: starts min(workers, batches) workers (one fewer with a local lane), runs the job, stops them. */
export async function attackImagesParallel(
  attackId: string,
  rawParams: unknown,
  items: readonly LabeledImage[],
  opts: ParallelAttackOptions,
): Promise<AttackImageResult[]> {
  // Validate in the caller's thread so bad input fails before any worker starts.
  parseAttackParams(getAttack(attackId), rawParams);
  throwIfAborted(opts.signal);
  const batches = partitionBatches(items.length, opts.batchSize).length;
  if (batches === 0) return [];
  const workers = Math.min(opts.workers ?? (await defaultWorkerCount()), opts.local ? batches - 1 : batches);
  const pool = await AttackPool.create({ modelDir: opts.modelDir, backend: opts.backend, wasmThreads: opts.wasmThreads, workerEntry: opts.workerEntry, workers, local: opts.local });
  try {
    return await pool.run(attackId, rawParams, items, opts);
  } finally {
    await pool.close();
  }
}

/** The bundled worker when this code is the CLI bundle, else the tsx bootstrap next to this file. */
function defaultWorkerEntry(): URL {
  return BUNDLED ? pathToFileURL(bundleEntry('worker')) : new URL('./worker-entry.mjs', import.meta.url);
}

type Listener = (w: number, m: FromWorker) => void;

export class AttackPool {
  private listener: Listener = () => {};
  private broken: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly flag: Int32Array;
  private readonly threads: number[] = [];
  private readonly ready: boolean[] = [];
  /** Called when worker w becomes ready (a running job dispatches to it). */
  private onReady: (w: number) => void = () => {};
  /** The local lane's batch in flight: a failed job settles only after it stops using the model. */
  private localRun: Promise<void> = Promise.resolve();
  /** Resolves once every worker has its backend and model (at once without workers). */
  readonly started: Promise<void>;

  private constructor(
    private readonly workers: Worker[],
    abortFlag: SharedArrayBuffer,
    private readonly local?: Classifier,
  ) {
    this.flag = new Int32Array(abortFlag);
    let allReady = (): void => {};
    this.started = new Promise<void>((resolve) => (allReady = resolve));
    if (workers.length === 0) allReady();
    workers.forEach((worker, w) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          this.threads[w] = m.threads ?? 1;
          this.ready[w] = true;
          if (this.ready.filter(Boolean).length === workers.length) allReady();
          this.onReady(w);
        } else if (m.type === 'init-error') this.breakWith(fromWire(m.error, `worker ${w} could not load the model`));
        else this.listener(w, m);
      });
      worker.on('error', (e) => this.breakWith(new Error(`worker ${w} crashed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => this.breakWith(new Error(`worker ${w} exited (code ${code})`)));
    });
  }

  /**
   * Starts the workers and resolves once every one has its backend and model ready; with a local
   * lane, at once (workers join the running job when they are ready).
   */
  static async create(opts: AttackPoolOptions): Promise<AttackPool> {
    const count = opts.workers ?? (await defaultWorkerCount());
    if (!Number.isInteger(count) || count < (opts.local ? 0 : 1)) throw new PrintshotError('bad-argument', `workers must be a positive integer, got ${count}`);
    const abortFlag = new SharedArrayBuffer(4);
    const init: WorkerInit = { modelDir: opts.modelDir, backend: opts.backend, wasmThreads: opts.wasmThreads, abortFlag };
    const workers = Array.from({ length: count }, () =>
      // From src/, the .mjs bootstrap registers tsx inside the worker; execArgv is emptied so parent
      // flags (vitest's, or --import tsx) cannot break or double-register the loader.
      new Worker(opts.workerEntry ?? defaultWorkerEntry(), { workerData: init, execArgv: [] }),
    );
    const pool = new AttackPool(workers, abortFlag, opts.local);
    if (opts.local) return pool;
    try {
      await new Promise<void>((resolve, reject) => {
        let ready = 0;
        pool.onBreak = reject;
        pool.onReady = () => {
          if (++ready === count) resolve();
        };
      });
      pool.onReady = () => {};
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Lanes: worker threads, plus the local lane if any. */
  get size(): number {
    return this.workers.length + (this.local ? 1 : 0);
  }

  /** Threads of each worker's backend as it reported them (wasm: getThreadsCount()). */
  get backendThreads(): readonly number[] {
    return [...this.threads];
  }

  /** Runs one job; jobs submitted while one runs wait their turn. */
  run(attackId: string, rawParams: unknown, items: readonly LabeledImage[], opts: PoolJobOptions): Promise<AttackImageResult[]> {
    const job = this.queue.then(() => this.runNow(attackId, rawParams, items, opts));
    this.queue = job.catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    this.breakWith(new PrintshotError('cancelled', 'the attack pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onBreak: (e: Error) => void = () => {};

  private breakWith(e: Error): void {
    if (this.broken) return;
    this.broken = e;
    Atomics.store(this.flag, 0, 1);
    this.onBreak(e);
  }

  private runNow(attackId: string, rawParams: unknown, items: readonly LabeledImage[], opts: PoolJobOptions): Promise<AttackImageResult[]> {
    if (this.broken) return Promise.reject(this.broken);
    parseAttackParams(getAttack(attackId), rawParams);
    throwIfAborted(opts.signal);
    const spans = partitionBatches(items.length, opts.batchSize);
    Atomics.store(this.flag, 0, 0);
    const byStart = new Map<number, AttackImageResult[]>();
    const queue = [...spans];
    const busy = new Map<number, BatchSpan>();
    const partial = new Map<number, number>();
    let imagesDone = 0;
    // onBatch calls still running: the job resolves only after the last one (callers persist there).
    let persisting = 0;
    let settled = false;

    return new Promise<AttackImageResult[]>((resolve, reject) => {
      const settle = (e?: Error): void => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        this.listener = () => {};
        this.onBreak = () => {};
        this.onReady = () => {};
        // The caller may dispose the model once this settles: let the local lane stop first.
        if (e) void this.localRun.then(() => reject(e));
        else resolve(spans.flatMap((s) => byStart.get(s.start) ?? []));
      };
      const fail = (e: Error): void => {
        // Stop the other workers' batches too; they answer 'cancelled' and are then idle.
        Atomics.store(this.flag, 0, 1);
        queue.length = 0;
        if (busy.size === 0) settle(e);
        else {
          failure ??= e;
          setTimeout(() => {
            if (!settled) this.breakWith(new Error('workers did not stop after a cancel'));
          }, CANCEL_GRACE_MS).unref();
        }
      };
      let failure: Error | undefined;
      const onAbort = (): void => fail(new PrintshotError('cancelled', 'cancelled by the user'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.onBreak = (e) => settle(e);

      const progress = (step: number, steps: number): void => {
        const inFlight = [...partial.values()].reduce((a, b) => a + b, 0);
        void Promise.resolve(opts.onProgress?.({ imagesDone: imagesDone + inFlight, imagesTotal: items.length, step, steps })).catch(fail);
      };
      const local = this.workers.length;
      const dispatch = (w: number): void => {
        if (settled) return;
        const span = queue.shift();
        if (!span) {
          if (busy.size === 0 && persisting === 0) settle(failure);
          return;
        }
        busy.set(w, span);
        if (w === local && this.local) {
          const req = { attackId, params: rawParams, seed: opts.seed, start: span.start, items: items.slice(span.start, span.end) };
          this.localRun = runLocalBatch(this.local, req, () => Atomics.load(this.flag, 0) !== 0, (m) => this.listener(w, m));
          return;
        }
        // Copies, so transferring never detaches the caller's images. Uint8Array's own slice: a
        // Buffer's slice is a view, and IDX images are Buffer views onto one file-sized buffer,
        // whose transfer detached every image of the test set (seen in bench:suite on 10,000).
        const batch = items.slice(span.start, span.end).map((it) => ({ ...it, image: { ...it.image, data: Uint8Array.prototype.slice.call(it.image.data) } }));
        const msg: ToWorker = { type: 'batch', attackId, params: rawParams, seed: opts.seed, start: span.start, items: batch };
        this.workers[w].postMessage(msg, transferList(batch.map((it) => it.image)));
      };

      this.listener = (w, m) => {
        if (settled) return;
        if (m.type === 'progress') {
          partial.set(w, m.imagesDone);
          progress(m.step, m.steps);
        } else if (m.type === 'result') {
          const span = busy.get(w)!;
          busy.delete(w);
          partial.delete(w);
          byStart.set(m.start, m.results);
          imagesDone += m.results.length;
          opts.onWorkerReport?.({ worker: w, start: m.start, size: span.end - span.start, tensorsBefore: m.tensorsBefore, tensorsAfter: m.tensorsAfter, ms: m.ms });
          const steps = m.results[0]?.steps ?? 0;
          progress(steps, steps);
          // The lane goes on with the next batch while this one is persisted (PNG encoding and
          // writes overlap the attack); the job resolves after the last onBatch.
          persisting++;
          void Promise.resolve(opts.onBatch?.(m.results))
            .then(() => {
              persisting--;
              if (queue.length === 0 && busy.size === 0 && persisting === 0) settle(failure);
            })
            .catch(fail);
          dispatch(w);
        } else if (m.type === 'batch-error') {
          busy.delete(w);
          partial.delete(w);
          fail(failure ?? fromWire(m.error, `worker ${w} failed on the batch at ${m.start}`));
          if (busy.size === 0) settle(failure ?? fromWire(m.error, `worker ${w} failed on the batch at ${m.start}`));
        }
      };
      if (spans.length === 0) return settle();
      this.onReady = (w) => dispatch(w);
      if (this.local) dispatch(local);
      for (let w = 0; w < this.workers.length; w++) if (this.ready[w]) dispatch(w);
    });
  }
}
