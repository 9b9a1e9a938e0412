/**
 * Report: export the experiment as PDF, HTML, CSV or JSON (report:export), then save, open or
 * download what was written. Earlier reports of the experiment are listed from reports/.
 * The run comparison (every run against eps, Fig. 6 sweeps overlaying the methods) is read from
 * the newest JSON report of the experiment, so it shows again after a reload; building it
 * exports a fresh JSON report.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { latestJsonReport, parseRunComparison, type RunComparisonData } from '../lib/run-comparison';
import { saveExperimentFile } from '../lib/save-file';
import { useAppStore } from './app';
import { JobFailedError, useJobsStore } from './jobs';

export type ReportFormat = 'pdf' | 'html' | 'csv' | 'json';

export const useReportStore = defineStore('report', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();
  const format = ref<ReportFormat>('pdf');
  const currentJob = ref<string | null>(null);
  const written = ref<string[]>([]);
  const error = ref<UiError | null>(null);
  const notice = ref<string | null>(null);

  const existing = computed(() => (app.experiment?.files ?? []).filter((f) => f.startsWith('reports/')).reverse());
  const comparison = ref<RunComparisonData | null>(null);
  const comparisonJob = ref<string | null>(null);
  const comparisonError = ref<UiError | null>(null);
  /** The JSON report the comparison reads: changes with the experiment and when a newer one is written. */
  const comparisonSource = computed(() => (app.experiment ? latestJsonReport(app.experiment.files) : null));

  /** Shows the comparison of the newest JSON report (none: nothing to show yet). */
  async function loadComparison(): Promise<void> {
    const file = comparisonSource.value;
    if (comparison.value?.file === file) return;
    comparison.value = null;
    if (!file) return;
    try {
      const f = await bridge.call('file:read', { path: file });
      if (comparisonSource.value === file) comparison.value = parseRunComparison(file, new TextDecoder().decode(f.bytes));
    } catch (e) {
      comparisonError.value = toUiError(e);
    }
  }

  /** A fresh JSON report of the experiment, then its comparison. */
  async function buildComparison(): Promise<void> {
    comparisonError.value = null;
    try {
      const opts = { label: 'run comparison', what: 'the comparison', onStart: (id: string) => (comparisonJob.value = id) };
      await jobs.run('report:export', { format: 'json' }, opts);
      await app.refreshExperiment();
      await loadComparison();
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) comparisonError.value = toUiError(e);
    } finally {
      comparisonJob.value = null;
    }
  }

  async function exportReport(): Promise<void> {
    error.value = null;
    notice.value = null;
    try {
      const opts = { label: `report (${format.value})`, what: 'the report', onStart: (id: string) => (currentJob.value = id) };
      written.value = (await jobs.run('report:export', { format: format.value }, opts)).files;
      await app.refreshExperiment();
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) error.value = toUiError(e);
    } finally {
      currentJob.value = null;
    }
  }

  async function save(path: string): Promise<void> {
    error.value = null;
    try {
      notice.value = (await saveExperimentFile(bridge, app.nativeDialogs, path)) ?? notice.value;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function open(path: string): Promise<void> {
    error.value = null;
    try {
      const r = await bridge.call('file:open', { path });
      notice.value = r.opened ? `Opened ${path}` : 'No viewer could be opened from here: save the file instead.';
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  return {
    format,
    currentJob,
    written,
    error,
    notice,
    existing,
    comparison,
    comparisonJob,
    comparisonError,
    comparisonSource,
    exportReport,
    save,
    open,
    loadComparison,
    buildComparison,
  };
});
