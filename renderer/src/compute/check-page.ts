/**
 * The compute check page (compute-check.html): the compute worker without the workbench around
 * it, driven by test/e2e/gpu-parity.spec.ts and bench/gpu-attack.ts through
 * window.printshotCompute. Bytes cross page.evaluate as base64 (plain JSON), and leave it the
 * same way; everything else is the worker the app uses (client.ts).
 */
import { ComputeError, computeClient, type ComputeAttackSpec, type ComputeClient } from './client';

interface B64Image {
  relPath: string;
  label: number;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  b64: string;
}

function fromB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toB64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

let client: ComputeClient | undefined;
const get = (): ComputeClient => (client ??= computeClient());

function failure(e: unknown): { error: { code: string; message: string; hint?: string } } {
  return { error: e instanceof ComputeError ? { code: e.code, message: e.message, hint: e.hint } : { code: 'internal', message: String(e) } };
}

const api = {
  /** A simulated float16 device gets a throwaway worker, so the refusal does not stick to later calls. */
  async probe(opts: { simulateFloat16?: boolean } = {}) {
    const c = opts.simulateFloat16 ? computeClient() : get();
    try {
      return { info: await c.probe(opts) };
    } catch (e) {
      return failure(e);
    } finally {
      if (c !== client) c.dispose();
    }
  },
  async attack(model: { modelJSON: string; weights: Record<string, string>; card?: unknown; fingerprint?: string }, spec: ComputeAttackSpec, images: B64Image[]) {
    const weights = Object.fromEntries(Object.entries(model.weights).map(([k, v]) => [k, fromB64(v)]));
    const input = images.map((im) => ({ relPath: im.relPath, label: im.label, width: im.width, height: im.height, channels: im.channels, data: fromB64(im.b64) }));
    try {
      const { info, results, ms } = await get().attack({ ...model, weights }, spec, input).done;
      return { info, ms, results: results.map((r) => ({ ...r, adversarial: { ...r.adversarial, data: undefined, b64: toB64(r.adversarial.data) } })) };
    } catch (e) {
      return failure(e);
    }
  },
};

(globalThis as unknown as { printshotCompute: typeof api }).printshotCompute = api;
document.getElementById('status')?.setAttribute('data-ready', 'true');
