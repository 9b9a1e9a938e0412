/**
 * Capture: photos of printed sheets, from the webcam (manual or auto capture) or dropped files
 * (phone photos), registered against the experiment's sheets (capture:register). Each photo in
 * the strip shows whether registration accepted it and, if not, why. The sheet layouts are kept
 * here too: the live view uses them to say which sheet is in front of the camera.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CapturePhotosDto } from '../../../src/contract';
import type { SheetLayout } from '../../../src/sheets/types';
import { useBridge } from '../bridge';
import { humanizeText } from '../lib/error-catalogue';
import { toUiError, type UiError } from '../lib/errors';
import { parseLayouts } from '../lib/sheet-draw';
import { useAppStore } from './app';
import { JobFailedError, useJobsStore } from './jobs';

export interface CapturedPhoto {
  key: number;
  name: string;
  source: 'webcam' | 'file';
  bytes: Uint8Array;
  /** A small JPEG for the strip (made in the capture worker); the strip shows `bytes` without one. */
  thumb?: Uint8Array;
  state: 'registering' | 'accepted' | 'rejected' | 'failed';
  reason?: string;
  sheet?: string;
  cellsFound?: number;
}

export const useCaptureStore = defineStore('capture', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const photos = ref<CapturedPhoto[]>([]);
  const layouts = ref<SheetLayout[]>([]);
  const error = ref<UiError | null>(null);
  const registering = ref(0);
  /** What captures.json holds (every session): accepted photos with their overlays and rectified sheets. */
  const registered = ref<CapturePhotosDto | null>(null);
  let nextKey = 1;

  const accepted = computed(() => photos.value.filter((p) => p.state === 'accepted').length);
  /** Sheets with an accepted photo (auto capture does not take the same sheet again). */
  const capturedSheets = computed(() => new Set(photos.value.filter((p) => p.state === 'accepted' && p.sheet).map((p) => p.sheet!)));

  async function loadLayouts(): Promise<void> {
    const files = (app.experiment?.files ?? []).filter((f) => /^sheets\/[^/]+\.layout\.json$/.test(f));
    try {
      const lists = await Promise.all(files.map((path) => bridge.call('file:read', { path }).then((f) => parseLayouts(new TextDecoder().decode(f.bytes)))));
      layouts.value = lists.flat();
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** The experiment's registered photos from disk (no predictions: the Capture view shows overlays and counts). */
  async function loadRegistered(): Promise<void> {
    if (!app.experiment) {
      registered.value = null;
      return;
    }
    try {
      registered.value = await bridge.call('capture:photos', { predict: false });
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** Registers photos in one job; resolves when their verdicts are in the strip. */
  async function register(items: { name: string; bytes: Uint8Array; source: 'webcam' | 'file'; thumb?: Uint8Array }[]): Promise<void> {
    if (items.length === 0) return;
    error.value = null;
    const added = items.map((it) => ({ ...it, key: nextKey++, state: 'registering' as const }));
    photos.value = [...added, ...photos.value];
    const settle = (patch: (p: CapturedPhoto) => Partial<CapturedPhoto>) => {
      const keys = new Set(added.map((a) => a.key));
      photos.value = photos.value.map((p) => (keys.has(p.key) ? { ...p, ...patch(p) } : p));
    };
    registering.value++;
    try {
      const request = { photos: items.map(({ name, bytes, source }) => ({ name, bytes, source })) };
      const { photos: verdicts } = await jobs.run('capture:register', request, { label: `register ${items.length} photo(s)` });
      settle((p) => {
        const v = verdicts.find((x) => x.name === p.name);
        if (!v) return { state: 'failed', reason: 'no verdict came back for this photo' };
        return { state: v.accepted ? 'accepted' : 'rejected', ...(v.reason ? { reason: humanizeText(v.reason) } : {}), ...(v.sheet ? { sheet: v.sheet } : {}), ...(v.cellsFound !== undefined ? { cellsFound: v.cellsFound } : {}) };
      });
      await app.refreshExperiment();
      await loadRegistered();
    } catch (e) {
      if (e instanceof JobFailedError) {
        const { error: why, state } = e.job;
        settle(() => ({ state: 'failed', reason: why?.message ?? state }));
        if (why) error.value = { ...why };
        return;
      }
      const err = toUiError(e);
      settle(() => ({ state: 'failed', reason: err.message }));
      error.value = err;
    } finally {
      registering.value--;
    }
  }

  /** Adds a thumbnail made after the photo went to registration (imported files). */
  function setThumb(name: string, thumb: Uint8Array): void {
    photos.value = photos.value.map((p) => (p.name === name && !p.thumb ? { ...p, thumb } : p));
  }

  function remove(key: number): void {
    photos.value = photos.value.filter((p) => p.key !== key);
  }

  return { photos, layouts, error, registering, registered, accepted, capturedSheets, loadLayouts, loadRegistered, register, setThumb, remove };
});
