/**
 * Picks the tfjs backend once per process: tfjs-node ('tensorflow', native and fastest) when the
 * optional dependency is installed, else WebAssembly, else the pure-JS cpu backend.
 *
 * Backends are imported dynamically so a machine without tfjs-node (it is an optional dependency
 * with a native build step) still starts, and so importing this module registers nothing until a
 * backend is actually chosen. The choice and its reason are logged and kept for `printshot doctor`,
 * because a silent drop to the cpu backend makes attacks ~10x slower with no visible cause.
 */
import * as tf from '@tensorflow/tfjs-core';
import { envVar, log, PrintshotError } from '../shared';
// Register tfjs's stock gradients before ours: importing it later (e.g. src/attacks loaded
// lazily after selectBackend) would put the stock ones back over the input-only gradients.
import '../inference/gradients-runtime';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, including why faster ones were not. */
  reason: string;
  /** Package versions involved, e.g. { 'tfjs-core': '4.22.0', 'tfjs-backend-wasm': '4.22.0' }. */
  versions: Record<string, string>;
  /** wasm only: whether the SIMD build is in use. */
  simd?: boolean;
  /** wasm only: worker threads (1 when the threaded build is unavailable, as in plain Node). */
  threads?: number;
}

export interface SelectBackendOptions {
  /** Start from this backend instead of the fastest; overrides PRINTSHOT_BACKEND. */
  prefer?: BackendName;
}

let selected: Promise<BackendInfo> | undefined;

/**
 * Selects and initialises the backend. Idempotent: later calls return the first selection (a
 * different `prefer` afterwards is ignored with a debug line, since tensors and models already
 * live on the first backend).
 */
export function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendInfo> {
  if (selected) {
    if (opts.prefer) log.debug(`backend already selected; ignoring prefer=${opts.prefer}`);
    return selected;
  }
  // Cache the promise, not the result, so concurrent callers share one initialisation; forget it
  // on failure so a later call can retry.
  selected = doSelect(opts).catch((e: unknown) => {
    selected = undefined;
    throw e;
  });
  return selected;
}

/** The selected backend, or undefined before selectBackend() has finished. */
export async function currentBackend(): Promise<BackendInfo | undefined> {
  return selected ? selected.catch(() => undefined) : undefined;
}

/** Human-readable lines for `printshot doctor`. Selects a backend if none has been. */
export async function describeBackend(): Promise<string[]> {
  const info = await selectBackend();
  const lines = [`backend: ${info.name}`, `reason: ${info.reason}`];
  if (info.simd !== undefined) lines.push(`wasm simd: ${info.simd ? 'yes' : 'no'}`);
  if (info.threads !== undefined) lines.push(`wasm threads: ${info.threads}`);
  for (const [pkg, v] of Object.entries(info.versions)) lines.push(`${pkg}: ${v}`);
  return lines;
}

function requested(opts: SelectBackendOptions): BackendName | undefined {
  if (opts.prefer) return opts.prefer;
  const env = envVar('PRINTSHOT_BACKEND')?.trim().toLowerCase();
  if (!env) return undefined;
  if ((BACKENDS as readonly string[]).includes(env)) return env as BackendName;
  throw new PrintshotError(
    'bad-argument',
    `PRINTSHOT_BACKEND=${envVar('PRINTSHOT_BACKEND')} is not a backend`,
    `use one of ${BACKENDS.join(', ')}, or unset it to pick the fastest available`,
  );
}

type Attempt = { ok: true; info: BackendInfo } | { ok: false; why: string };

async function doSelect(opts: SelectBackendOptions): Promise<BackendInfo> {
  const want = requested(opts);
  const source = opts.prefer ? `prefer=${want}` : `PRINTSHOT_BACKEND=${want}`;
  // Try from the requested backend down the speed order; never upwards, so asking for cpu (e.g.
  // for bit-reproducible runs) is not overridden by a faster backend.
  const order = want ? BACKENDS.slice(BACKENDS.indexOf(want)) : BACKENDS;
  const failures: string[] = [];
  for (const name of order) {
    const attempt = await tryBackend(name);
    if (!attempt.ok) {
      failures.push(attempt.why);
      continue;
    }
    const info = attempt.info;
    const prefix = want === name ? `requested by ${source}` : want ? `${source} requested but ${failures.join('; ')}` : failures.join('; ');
    info.reason = [prefix, info.reason].filter(Boolean).join('; ');
    if (name === 'cpu' && failures.length > 0) {
      log.warn(`using the slow cpu backend: ${info.reason}`);
    } else if (want && want !== name) {
      log.warn(`backend ${name} instead of ${want}: ${info.reason}`);
    } else {
      log.info(`backend ${name}: ${info.reason}`);
    }
    await registerGradients();
    return info;
  }
  throw new PrintshotError('io', `no tfjs backend could be initialised: ${failures.join('; ')}`);
}

async function tryBackend(name: BackendName): Promise<Attempt> {
  const versions: Record<string, string> = { 'tfjs-core': tf.version_core };
  if (name === 'tensorflow') {
    let mod: { version?: Record<string, string> };
    try {
      // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
      const spec = '@tensorflow/tfjs-node';
      mod = (await import(spec)) as typeof mod;
    } catch (e) {
      return { ok: false, why: notInstalled(e) ? 'tfjs-node not installed (optional dependency)' : `tfjs-node failed to load (${firstLine(e)})` };
    }
    // tfjs-node registers 'tensorflow' on the tfjs-core copy it resolves; if npm did not dedupe
    // that copy with ours, the backend is invisible here.
    if (!tf.findBackendFactory('tensorflow')) {
      return { ok: false, why: 'tfjs-node is installed but registered on a different @tensorflow/tfjs-core copy (versions differ?)' };
    }
    if (!(await setBackend('tensorflow'))) return { ok: false, why: 'tfjs-node backend failed to initialise' };
    const tfjsNode = mod.version?.['tfjs-node'];
    if (tfjsNode) versions['tfjs-node'] = tfjsNode;
    return { ok: true, info: { name, reason: 'native TensorFlow via tfjs-node', versions } };
  }
  if (name === 'wasm') {
    let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
    try {
      wasm = await import('@tensorflow/tfjs-backend-wasm');
    } catch (e) {
      return { ok: false, why: `tfjs-backend-wasm failed to load (${firstLine(e)})` };
    }
    if (!(await setBackend('wasm'))) return { ok: false, why: 'the wasm backend failed to initialise (wasm binary missing or unsupported?)' };
    versions['tfjs-backend-wasm'] = wasm.version_wasm;
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = wasm.getThreadsCount();
    return { ok: true, info: { name, reason: `WebAssembly${simd ? ' with SIMD' : ' without SIMD'}`, versions, simd, threads } };
  }
  const cpu = await import('@tensorflow/tfjs-backend-cpu');
  if (!(await setBackend('cpu'))) return { ok: false, why: 'the cpu backend failed to initialise' };
  versions['tfjs-backend-cpu'] = cpu.version_cpu;
  return { ok: true, info: { name, reason: 'pure JavaScript', versions } };
}

async function setBackend(name: string): Promise<boolean> {
  try {
    // setBackend resolves false (after logging) when the backend's init throws.
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Registers the input gradients (and their kernel hooks) for the backends imported so far, for a
 * backend the caller chose itself rather than through selectBackend(): without them the
 * tfjs-layers fallback cannot differentiate scale-less batch norms (InceptionV3) and wasm lacks
 * some gradients altogether. Idempotent.
 */
export function registerInputGradientsNow(): Promise<void> {
  return registerGradients();
}

/**
 * The wasm backend lacks gradients for some kernels attacks need; src/kernels registers
 * input-only ones. Loaded lazily so a missing or broken module degrades to a warning here and a
 * clear error later, rather than breaking model loading and inference.
 */
async function registerGradients(): Promise<void> {
  let mod: { registerInputGradients?: () => void };
  try {
    mod = await import('../kernels');
  } catch (e) {
    log.warn(`input gradients not registered: src/kernels could not be loaded (${firstLine(e)})`);
    return;
  }
  if (typeof mod.registerInputGradients !== 'function') {
    log.warn('input gradients not registered: src/kernels does not export registerInputGradients');
    return;
  }
  mod.registerInputGradients();
}

function notInstalled(e: unknown): boolean {
  // Only the package itself missing counts; a missing native binding inside an installed
  // tfjs-node is a broken install and is reported as such.
  return /(Cannot find (module|package)|Failed to load url|Failed to resolve import) ['"]?@tensorflow\/tfjs-node['"]?(\s|$)/.test(firstLine(e));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
