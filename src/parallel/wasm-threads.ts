/**
 * tfjs-backend-wasm's multithreaded build (XNNPACK on a pthreadpool) in Node. Experimental: the
 * engine does not use it by default (one single-threaded backend per worker measured faster; see
 * docs/parallel.md), but the benchmark compares the two and AttackPool accepts `wasmThreads`.
 *
 * tfjs 4.22 turns the threaded build off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false when
 * IS_NODE). Forcing the flag on is not enough, for three reasons, each patched here for the
 * duration of the backend's initialisation only (every pthread is started then: Emscripten
 * preallocates 8 workers and the threadpool takes its threads from them):
 *
 * 1. Emscripten starts its pthread workers from `URL.createObjectURL(blob)` of the embedded worker
 *    script; Node's Worker refuses `blob:nodedata:` URLs (ERR_WORKER_PATH). We write the script to
 *    a temporary .cjs file and hand out its path instead. The worker script in turn loads the main
 *    script from another blob URL; its prelude points that at the package's wasm-out copy.
 * 2. Workers inherit the parent's execArgv (e.g. `--import tsx`), whose loader fails to parse the
 *    Emscripten script; `new Worker` is given an empty execArgv.
 * 3. The C++ side caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyper-threads
 *    per core), which Node answers with os.cpus().length: 1 thread on a 2-vCPU machine. os.cpus()
 *    reports 2 × threads entries while the module starts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

/**
 * Runs `init` (which must initialise the wasm backend, e.g. `selectBackend({ prefer: 'wasm' })`)
 * with the threaded wasm build enabled for `threads` threads. Call it before anything else
 * initialises the wasm backend in this thread. Resolves to init's result; check
 * `getThreadsCount()` of tfjs-backend-wasm (or BackendInfo.threads) for the count obtained.
 */
export async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) throw new RangeError(`wasm threads must be 1..8, got ${threads}`);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads === 1) return init();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);

  const wasmOut = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const mainScript = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  readFileSync(mainScript); // fail here, clearly, if the package layout changed
  const dir = mkdtempSync(join(os.tmpdir(), 'printshot-wasm-threads-'));
  const workerFile = join(dir, 'pthread-worker.cjs');
  // The prelude runs in each pthread worker: its blob URL for the main script becomes a path.
  // '\n' inside the embedded string literals must stay escaped, as tfjs does for its Blob.
  const prelude = `URL.createObjectURL=()=>${JSON.stringify(mainScript)};URL.revokeObjectURL=()=>{};\n`;
  writeFileSync(workerFile, prelude + wasmWorkerContents.replace(/\n/g, '\\n'));

  const createObjectURL = URL.createObjectURL;
  const revokeObjectURL = URL.revokeObjectURL;
  const cpus = os.cpus;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  class PlainWorker extends Worker {
    constructor(file: string | URL, options: ConstructorParameters<typeof Worker>[1] = {}) {
      super(file, { ...options, execArgv: [] });
    }
  }
  URL.createObjectURL = (obj: Blob) => (obj instanceof Blob && /javascript/.test(obj.type) ? workerFile : createObjectURL(obj));
  URL.revokeObjectURL = (url: string) => (url === workerFile ? undefined : revokeObjectURL(url));
  // The Emscripten glue assigns global.Worker = worker_threads.Worker; keep ours in place meanwhile.
  Object.defineProperty(globalThis, 'Worker', { get: () => PlainWorker, set: () => {}, configurable: true });
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };
  try {
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    URL.revokeObjectURL = revokeObjectURL;
    os.cpus = cpus;
    if (workerDescriptor) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else delete (globalThis as { Worker?: unknown }).Worker;
    rmSync(dir, { recursive: true, force: true });
  }
}
