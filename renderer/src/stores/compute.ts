/**
 * The GPU compute context as the workbench uses it (issue 21 part 2, docs/gpu.md): the Compute
 * setting, the probe of the WebGL worker (float32 check included, done once), one attack run on
 * it (compute:prepare → the worker → compute:record, so the engine judges and writes the run), and
 * which backend ran last, for the status bar. The worker is started only when something needs it:
 * choosing GPU, or auto when an attack starts.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AttackStart, ComputeRecordDto } from '../../../src/contract';
import { useBridge } from '../bridge';
import { computeClient, type ComputeClient, type ComputeJob, type ComputeProgress } from '../compute/client';
import { toUiError } from '../lib/errors';
import type { ComputeSetting, ProbeOutcome } from '../lib/compute-choice';

/** A probe that hangs (a wedged GPU process) must not hold the Attack view: after this, the GPU counts as unavailable. */
const PROBE_TIMEOUT_MS = 30_000;

export const useComputeStore = defineStore('compute', () => {
  const bridge = useBridge();
  const setting = ref<ComputeSetting>('auto');
  const probe = ref<ProbeOutcome>(null);
  /** What ran (or runs) the last attack: the status bar's backend. null: nothing yet. */
  const ran = ref<{ backend: string; device?: string } | null>(null);
  const running = ref(false);
  const progress = ref<ComputeProgress | null>(null);
  let client: ComputeClient | null = null;
  let job: ComputeJob | null = null;
  let probing: Promise<ProbeOutcome> | null = null;

  /** Probes the worker once; a page without Web Workers or OffscreenCanvas has no compute context. */
  function check(): Promise<ProbeOutcome> {
    if (probe.value) return Promise.resolve(probe.value);
    probing ??= (async (): Promise<ProbeOutcome> => {
      if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') {
        return { ok: false, error: { code: 'not-available', message: 'this page cannot start a Web Worker with OffscreenCanvas', hint: 'use Compute: CPU (wasm)' } };
      }
      try {
        client ??= computeClient();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(`the GPU check did not answer within ${PROBE_TIMEOUT_MS / 1000} s`), { code: 'not-available' })), PROBE_TIMEOUT_MS)));
        const info = await Promise.race([client.probe(), timeout]).finally(() => clearTimeout(timer));
        return { ok: true, device: { name: info.name, device: info.device, software: info.software } };
      } catch (e) {
        return { ok: false, error: toUiError(e) };
      }
    })().then((p) => (probe.value = p));
    return probing;
  }

  /** One attack request on the worker; the engine re-judges and records it like any run. */
  async function attack(request: AttackStart): Promise<ComputeRecordDto> {
    const p = await check();
    if (!p?.ok || !client) throw Object.assign(new Error(p && !p.ok ? p.error.message : 'no compute context'), p && !p.ok ? p.error : { code: 'not-available' });
    running.value = true;
    progress.value = null;
    ran.value = { backend: p.device.name, device: p.device.device };
    try {
      const prep = await bridge.call('compute:prepare', request);
      job = client.attack(prep.model, prep.spec, prep.images, (pr) => (progress.value = pr));
      const { info, results } = await job.done;
      return await bridge.call('compute:record', {
        request,
        modelFingerprint: prep.model.fingerprint,
        backend: info.name,
        device: info.device,
        adversarial: results.map((r) => ({ relPath: r.relPath, width: r.adversarial.width, height: r.adversarial.height, channels: r.adversarial.channels, data: r.adversarial.data, steps: r.steps })),
      });
    } finally {
      job = null;
      running.value = false;
    }
  }

  /** Stops the worker's job between steps; its promise rejects with the worker's 'cancelled'. */
  function cancel(): void {
    job?.cancel();
  }

  /** The engine runs the attack: the status bar shows the engine's backend (model:info). */
  function ranOnEngine(): void {
    ran.value = null;
  }

  return { setting, probe, ran, running, progress, check, attack, cancel, ranOnEngine };
});
