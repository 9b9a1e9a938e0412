/**
 * The compute context (docs/gpu.md): a dedicated Web Worker that runs attack jobs on
 * tfjs-backend-webgl through an OffscreenCanvas, with the engine's attack code (src/compute →
 * src/attacks). The page sends model bytes (fetched from the engine, fingerprint included) and
 * images, and gets progress lines and the 8-bit results, judged after rounding as the engine
 * judges them; the page hands them to the engine to be written as a run.
 *
 * One job at a time; a cancel aborts it between attack steps. The backend is set up on the first
 * message (probe or attack) and kept: the float16 refusal is then final for this worker.
 */
import { installGpuBackend, loadComputeModel, runComputeAttack, type GpuBackendInfo } from '../../../src/compute';
import { isPrintshotError, type LabeledImage } from '../../../src/shared';
import { installBrowserHost } from './browser-host';
import type { ComputeErrorDto, ComputeRequest, ComputeResponse, ComputeResult } from './protocol';

installBrowserHost();

const jobs = new Map<number, AbortController>();

function post(msg: ComputeResponse, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(msg, transfer);
}

function errorDto(e: unknown): ComputeErrorDto {
  if (isPrintshotError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

async function handle(msg: ComputeRequest): Promise<void> {
  if (msg.type === 'cancel') {
    jobs.get(msg.id)?.abort();
    return;
  }
  if (msg.type === 'probe') {
    post({ id: msg.id, kind: 'probe', info: await installGpuBackend({ simulateFloat16: msg.simulateFloat16 }) });
    return;
  }
  const info: GpuBackendInfo = await installGpuBackend();
  const controller = new AbortController();
  jobs.set(msg.id, controller);
  const started = performance.now();
  const classifier = await loadComputeModel(
    { modelJSON: msg.model.modelJSON, weights: msg.model.weights, card: msg.model.card, name: msg.model.name },
    msg.model.fingerprint,
  );
  try {
    const items: LabeledImage[] = msg.images.map((im) => ({ relPath: im.relPath, label: im.label, image: { width: im.width, height: im.height, channels: im.channels, data: im.data } }));
    let lastPost = 0;
    const out = await runComputeAttack(classifier, msg.spec, items, {
      signal: controller.signal,
      onProgress: (p) => {
        // At most ~10 progress messages a second: each one is a structured clone.
        const now = performance.now();
        if (now - lastPost < 100 && p.imagesDone < p.imagesTotal) return;
        lastPost = now;
        post({ id: msg.id, kind: 'progress', ...p });
      },
    });
    const results: ComputeResult[] = out.map((r) => ({
      relPath: r.relPath,
      label: r.label,
      adversarial: { relPath: r.relPath, label: r.label, ...r.adversarial },
      success: r.success,
      ...(r.target !== undefined ? { target: r.target } : {}),
      cleanTop: r.cleanTop.map((c) => ({ label: c.label, prob: c.prob })),
      advTop: r.advTop.map((c) => ({ label: c.label, prob: c.prob })),
      linf: r.linf,
      l2: r.l2,
      steps: r.steps,
    }));
    post({ id: msg.id, kind: 'done', info, results, ms: performance.now() - started }, [...new Set(results.map((r) => r.adversarial.data.buffer as ArrayBuffer))]);
  } finally {
    jobs.delete(msg.id);
    classifier.dispose();
  }
}

self.onmessage = (e: MessageEvent<ComputeRequest>) => {
  handle(e.data).catch((err: unknown) => post({ id: e.data.id, kind: 'error', error: errorDto(err) }));
};
