/**
 * Print: sheet settings, rendering (sheet:render → PDF + layout.json under sheets/), the layouts
 * and cell images the live preview draws, and getting the PDF out: a save dialog and the OS
 * viewer (whose Print… is the OS print dialog) in Electron, a download in the browser.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { SheetRender } from '../../../src/contract';
import type { SheetLayout } from '../../../src/sheets/types';
import { useBridge } from '../bridge';
import { downloadBytes } from '../lib/bytes';
import { toUiError, type UiError } from '../lib/errors';
import { basename } from '../lib/format';
import { cellFiles, parseLayouts } from '../lib/sheet-draw';
import { useAppStore } from './app';
import { useJobsStore } from './jobs';

export interface SheetSettings {
  paper: 'a4' | 'letter';
  orientation: 'portrait' | 'landscape';
  sizeMode: 'mm' | 'dpi';
  cellMm: number;
  dpi: number;
  dotsPerPixel: number;
  marginMm: number;
  moduleMm: number;
  calibration: boolean;
  labels: boolean;
}

export const DEFAULT_SETTINGS: SheetSettings = {
  paper: 'a4', orientation: 'portrait', sizeMode: 'mm', cellMm: 25, dpi: 300, dotsPerPixel: 8, marginMm: 10, moduleMm: 2, calibration: true, labels: true,
};

export const usePrintStore = defineStore('print', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const runId = ref<string | null>(null);
  const settings = ref<SheetSettings>({ ...DEFAULT_SETTINGS });
  const currentJob = ref<string | null>(null);
  const layouts = ref<SheetLayout[]>([]);
  const pdfPath = ref<string | null>(null);
  /** PNG bytes of every cell's file, by the file's path in the experiment. */
  const images = ref<Record<string, Uint8Array>>({});
  const error = ref<UiError | null>(null);
  const notice = ref<string | null>(null);

  const run = computed(() => app.completeRuns.find((r) => r.id === runId.value) ?? null);

  function request(): SheetRender {
    const s = settings.value;
    return {
      runId: runId.value!,
      paper: s.paper,
      orientation: s.orientation,
      ...(s.sizeMode === 'mm' ? { cellMm: s.cellMm } : { dpi: s.dpi, dotsPerPixel: s.dotsPerPixel }),
      marginMm: s.marginMm,
      moduleMm: s.moduleMm,
      calibration: s.calibration,
      labels: s.labels,
    };
  }

  async function loadImages(list: SheetLayout[]): Promise<void> {
    const want = cellFiles(list).filter((f) => !images.value[f]);
    const read = await Promise.all(want.map((path) => bridge.call('file:read', { path }).then((f) => [path, f.bytes] as const)));
    images.value = { ...images.value, ...Object.fromEntries(read) };
  }

  async function render(): Promise<boolean> {
    error.value = null;
    notice.value = null;
    if (!runId.value) {
      error.value = { message: 'choose the attack run to print', hint: 'run an attack first (Attack view) if the list is empty' };
      return false;
    }
    try {
      const result = await jobs.run('sheet:render', request(), { label: 'sheets', what: 'rendering', onStart: (id) => (currentJob.value = id) });
      pdfPath.value = result.files.find((f) => f.endsWith('.pdf')) ?? null;
      const detail = result.detail as { layouts?: unknown };
      layouts.value = Array.isArray(detail.layouts) ? parseLayouts(JSON.stringify(detail.layouts)) : [];
      await loadImages(layouts.value);
      await app.refreshExperiment();
      return true;
    } catch (e) {
      error.value = toUiError(e);
      return false;
    } finally {
      currentJob.value = null;
    }
  }

  /** Shows sheets rendered earlier for the chosen run (sheets/<run folder>.layout.json). */
  async function loadExisting(): Promise<void> {
    const r = run.value;
    const files = app.experiment?.files ?? [];
    if (!r) return;
    const layoutFile = `sheets/${basename(r.dir)}.layout.json`;
    if (!files.includes(layoutFile)) {
      layouts.value = [];
      pdfPath.value = null;
      return;
    }
    try {
      const f = await bridge.call('file:read', { path: layoutFile });
      layouts.value = parseLayouts(new TextDecoder().decode(f.bytes));
      const pdf = layoutFile.replace(/\.layout\.json$/, '.pdf');
      pdfPath.value = files.includes(pdf) ? pdf : null;
      await loadImages(layouts.value);
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function savePdf(): Promise<void> {
    if (!pdfPath.value) return;
    error.value = null;
    notice.value = null;
    try {
      if (app.nativeDialogs) {
        const r = await bridge.call('file:export', { path: pdfPath.value });
        if (r.savedTo) notice.value = `Saved to ${r.savedTo}`;
      } else {
        const f = await bridge.call('file:read', { path: pdfPath.value });
        downloadBytes(f.bytes, f.name, f.mime);
        notice.value = `Downloading ${f.name}. Print it at 100 % (actual size), not "fit to page".`;
      }
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function printPdf(): Promise<void> {
    if (!pdfPath.value) return;
    error.value = null;
    try {
      const r = await bridge.call('file:open', { path: pdfPath.value });
      notice.value = r.opened
        ? 'The PDF is open in your PDF viewer: print it from there at 100 % (actual size).'
        : 'No PDF viewer could be opened from here: save the PDF and print it at 100 % (actual size).';
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  return { runId, settings, currentJob, layouts, pdfPath, images, error, notice, run, request, render, loadExisting, savePdf, printPdf };
});
