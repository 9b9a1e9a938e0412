/**
 * installBackend(): the one explicit TF.js setup each entry point makes (CLI, engine, workers,
 * benches, test setup), in a fixed order whatever was imported before:
 *
 *   1. load tfjs's stock gradients (importing @tensorflow/tfjs registers them, and tfjs-layers'
 *      Node bundle registers its own copy when first loaded: both happen here, before step 4);
 *   2. pick the backend: tfjs-node ('tensorflow', native and fastest) when the optional
 *      dependency is installed, else WebAssembly, else the pure-JS cpu backend, logged with the
 *      reason and kept for `printshot doctor` (a silent drop to cpu makes attacks ~10x slower);
 *   3. refuse any patched @tensorflow package that is not exactly the version src/kernels was
 *      written for (tfjs-versions.ts);
 *   4. register src/kernels' input-only gradients and kernels over the stock ones.
 *
 * PRINTSHOT_STOCK_GRADIENTS=1 (or { stockGradients: true }) skips 3 and 4: tfjs's own gradients,
 * on any version, with the documented cost that wasm cannot attack convolutional models.
 * Backends are imported dynamically so a machine without tfjs-node still starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerInputGradients } from '../kernels';
import { envVar, log, PrintshotError } from '../shared';
import { checkTfjsVersions, STOCK_GRADIENTS_ENV } from './tfjs-versions';

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
  /** 'input-only': src/kernels' gradients are registered; 'stock': the kill switch is on. */
  gradients: 'input-only' | 'stock';
}

export interface InstallBackendOptions {
  /** Start from this backend instead of the fastest; overrides PRINTSHOT_BACKEND. */
  prefer?: BackendName;
  /** Keep tfjs's stock gradients (no version guard); defaults to PRINTSHOT_STOCK_GRADIENTS=1. */
  stockGradients?: boolean;
  /** Package versions to check instead of the loaded ones ({ 'tfjs-core': '4.22.0', … }; tests). */
  versions?: Readonly<Record<string, string>>;
}
/** @deprecated the older name of InstallBackendOptions. */
export type SelectBackendOptions = InstallBackendOptions;

let selected: Promise<BackendInfo> | undefined;

/**
 * Installs the backend and gradients (see the file comment). Idempotent: later calls return the
 * first installation (a different `prefer` or `stockGradients` afterwards is ignored with a debug
 * line, since tensors and models already live on the first backend).
 */
export function installBackend(opts: InstallBackendOptions = {}): Promise<BackendInfo> {
  if (selected) {
    if (opts.prefer || opts.stockGradients !== undefined) log.debug('backend already installed; ignoring the new options');
    return selected;
  }
  // Cache the promise, not the result, so concurrent callers share one initialisation; forget it
  // on failure so a later call can retry.
  selected = doInstall(opts).catch((e: unknown) => {
    selected = undefined;
    throw e;
  });
  return selected;
}

/** @deprecated the older name of installBackend(); the same function. */
export const selectBackend = installBackend;

/** The installed backend, or undefined before installBackend() has finished. */
export async function currentBackend(): Promise<BackendInfo | undefined> {
  return selected ? selected.catch(() => undefined) : undefined;
}

/** Human-readable lines for `printshot doctor`. Installs a backend if none has been. */
export async function describeBackend(): Promise<string[]> {
  const info = await installBackend();
  const lines = [`backend: ${info.name}`, `reason: ${info.reason}`, `gradients: ${info.gradients}`];
  if (info.simd !== undefined) lines.push(`wasm simd: ${info.simd ? 'yes' : 'no'}`);
  if (info.threads !== undefined) lines.push(`wasm threads: ${info.threads}`);
  for (const [pkg, v] of Object.entries(info.versions)) lines.push(`${pkg}: ${v}`);
  return lines;
}

function requested(opts: InstallBackendOptions): BackendName | undefined {
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

type Attempt = { ok: true; info: Picked } | { ok: false; why: string };

async function doInstall(opts: InstallBackendOptions): Promise<BackendInfo> {
  const stock = opts.stockGradients ?? stockGradientsRequested();
  await loadStockGradients();
  const info = await pickBackend(opts);
  if (stock) {
    log.warn(`${STOCK_GRADIENTS_ENV}: tfjs's stock gradients, no version check; the wasm backend cannot attack convolutional models`);
    return { ...info, gradients: 'stock' };
  }
  checkTfjsVersions(opts.versions ?? (await loadedVersions(info)));
  registerInputGradients();
  return { ...info, gradients: 'input-only' };
}

function stockGradientsRequested(): boolean {
  const v = envVar(STOCK_GRADIENTS_ENV)?.trim();
  if (v === undefined || v === '' || v === '0') return false;
  if (v === '1') return true;
  throw new PrintshotError('bad-argument', `${STOCK_GRADIENTS_ENV}=${v} is not 0 or 1`, `set ${STOCK_GRADIENTS_ENV}=1 for tfjs's stock gradients, or unset it`);
}

/**
 * Importing the union package registers every stock gradient into tfjs-core (under Node its
 * CommonJS bundle inlines them; under a bundler its ESM entry imports register_all_gradients) and
 * loads tfjs-layers, whose Node bundle registers its own copy. Modules evaluate once, so after this
 * no later import anywhere can put a stock gradient back over ours.
 */
async function loadStockGradients(): Promise<void> {
  await import('@tensorflow/tfjs');
}

async function loadedVersions(info: Omit<BackendInfo, 'gradients'>): Promise<Record<string, string>> {
  const layers = await import('@tensorflow/tfjs-layers');
  const cpu = await import('@tensorflow/tfjs-backend-cpu');
  return { ...info.versions, 'tfjs-layers': layers.version_layers, 'tfjs-backend-cpu': cpu.version_cpu };
}

type Picked = Omit<BackendInfo, 'gradients'>;

async function pickBackend(opts: InstallBackendOptions): Promise<Picked> {
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
 * Steps 1, 3 and 4 of installBackend() for a backend the caller chose itself (tf.setBackend)
 * rather than through installBackend(): without them the tfjs-layers fallback cannot
 * differentiate scale-less batch norms (InceptionV3) and wasm lacks some gradients altogether.
 * Idempotent; honours the kill switch.
 */
export async function registerInputGradientsNow(): Promise<void> {
  await loadStockGradients();
  if (stockGradientsRequested()) return;
  const layers = await import('@tensorflow/tfjs-layers');
  checkTfjsVersions({ 'tfjs-core': tf.version_core, 'tfjs-layers': layers.version_layers });
  registerInputGradients();
}

function notInstalled(e: unknown): boolean {
  // Only the package itself missing counts; a missing native binding inside an installed
  // tfjs-node is a broken install and is reported as such.
  return /(Cannot find (module|package)|Failed to load url|Failed to resolve import) ['"]?@tensorflow\/tfjs-node['"]?(\s|$)/.test(firstLine(e));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
