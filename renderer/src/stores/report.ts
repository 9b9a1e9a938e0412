/**
 * Report: export the experiment as PDF, HTML, CSV or JSON (report:export), then save, open or
 * download what was written. Earlier reports of the experiment are listed from reports/.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
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

  return { format, currentJob, written, error, notice, existing, exportReport, save, open };
});
