/**
 * Where an attack runs (issue 21 part 2, docs/gpu.md): the setting "Compute: auto | GPU (WebGL) |
 * CPU (wasm)" and what the probe of the compute worker said decide between the WebGL worker and
 * the engine (wasm). Pure, so the choice and the status line are unit-tested without a GPU.
 *
 * - cpu: the engine, always.
 * - gpu: the worker, or a refusal that says why (the probe's own error, e.g. the float16 message,
 *   or an attack the worker does not run). Never a silent fall-back: the user asked for the GPU.
 * - auto: the worker when the probe passed the float32 check on a hardware GPU and the attack runs
 *   there; else the engine, with the reason shown beside the setting.
 */
import { COMPUTE_METHODS, type ComputeDeviceDto } from '../../../src/contract';
import type { UiError } from './errors';

export type ComputeSetting = 'auto' | 'gpu' | 'cpu';

export const COMPUTE_SETTINGS: readonly { id: ComputeSetting; label: string }[] = [
  { id: 'auto', label: 'auto' },
  { id: 'gpu', label: 'GPU (WebGL)' },
  { id: 'cpu', label: 'CPU (wasm)' },
];

/** What probing the worker gave: its device, the error it refused with, or not probed (yet). */
export type ProbeOutcome = { ok: true; device: ComputeDeviceDto } | { ok: false; error: UiError } | null;

export type ComputeChoice =
  | { run: 'gpu'; device: ComputeDeviceDto }
  | { run: 'engine'; note?: string }
  | { run: 'refused'; error: UiError };

export function chooseCompute(setting: ComputeSetting, probe: ProbeOutcome, method: string): ComputeChoice {
  if (setting === 'cpu') return { run: 'engine' };
  const methodOk = COMPUTE_METHODS.includes(method);
  if (setting === 'gpu') {
    if (!probe) return { run: 'refused', error: { code: 'not-available', message: 'the GPU has not been checked yet', hint: 'wait for the GPU check, or use Compute: CPU (wasm)' } };
    if (!probe.ok) return { run: 'refused', error: probe.error };
    if (!methodOk) return { run: 'refused', error: { code: 'bad-argument', message: `${method} does not run on the GPU (it runs ${COMPUTE_METHODS.join(', ')})`, hint: 'use Compute: CPU (wasm) for this attack' } };
    return { run: 'gpu', device: probe.device };
  }
  // A software rasteriser (SwiftShader) runs shaders on the CPU, slower than the engine: auto skips it.
  if (probe?.ok && methodOk && probe.device.software) return { run: 'engine', note: 'GPU not used: only a software renderer (SwiftShader) is available; choose GPU (WebGL) to use it anyway' };
  if (probe?.ok && methodOk) return { run: 'gpu', device: probe.device };
  if (probe && !probe.ok) return { run: 'engine', note: `GPU not used: ${probe.error.message}` };
  if (probe?.ok && !methodOk) return { run: 'engine', note: `GPU not used: ${method} runs only in the engine` };
  return { run: 'engine' };
}

/** A GL renderer string made short: 'SwiftShader' for Chromium's software GL, else ANGLE's renderer part. */
export function shortDevice(device: string): string {
  if (/swiftshader/i.test(device)) return 'SwiftShader';
  const angle = /^ANGLE \(([^,]*),\s*([^,(]+(?:\([^)]*\))?[^,]*)/.exec(device);
  // PCI ids ('(0x00002504)') say nothing to a user; the cap keeps the status bar one line.
  return (angle ? angle[2] : device).replace(/\s*\(0x[0-9a-f]+\)/gi, '').trim().slice(0, 60);
}

/** The status bar's backend: 'WebGL · SwiftShader' for the worker, the engine's backend name ('wasm') otherwise. */
export function backendLabel(ran: { backend: string; device?: string } | null, engineBackend: string | undefined): string {
  if (ran && ran.backend === 'webgl') return ran.device ? `WebGL · ${shortDevice(ran.device)}` : 'WebGL';
  if (ran && ran.backend === 'webgpu') return ran.device ? `WebGPU · ${shortDevice(ran.device)}` : 'WebGPU';
  return engineBackend ?? ran?.backend ?? 'wasm';
}
