/**
 * The exact TF.js versions src/kernels was written against. Its overrides rely on engine
 * internals (gradient lookup by op-scope name, kernel wrapping through unregisterKernel /
 * registerKernel, wasm's heap layout; see docs/kernels.md), which a minor or patch release may
 * change without notice, so anything but an exact match is refused rather than trusted.
 */
import { PrintshotError } from '../shared';

export const TFJS_VERSION = '4.22.0';

/** The @tensorflow/* packages the input-only gradients touch (tfjs-node only when installed). */
export const PATCHED_PACKAGES = ['tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-node'] as const;

/** What to set to run on other versions anyway, with tfjs's own gradients. */
export const STOCK_GRADIENTS_ENV = 'PRINTSHOT_STOCK_GRADIENTS';

/**
 * Throws one line naming every patched package whose version is not TFJS_VERSION. `found` maps
 * package names ('tfjs-core') to versions; packages it lacks are not installed and not checked.
 */
export function checkTfjsVersions(found: Readonly<Record<string, string>>, expected: string = TFJS_VERSION): void {
  const wrong = PATCHED_PACKAGES.filter((p) => found[p] !== undefined && found[p] !== expected).map((p) => `@tensorflow/${p} ${found[p]}`);
  if (wrong.length === 0) return;
  throw new PrintshotError(
    'bad-argument',
    `printshot's input gradients were written for TF.js ${expected}, found ${wrong.join(', ')}`,
    `install exactly ${expected} of every @tensorflow package (npm ci), or set ${STOCK_GRADIENTS_ENV}=1 for tfjs's stock gradients (wasm then cannot attack convolutional models)`,
  );
}
