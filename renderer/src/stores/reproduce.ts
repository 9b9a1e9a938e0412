/**
 * Reproduce: the paper templates of `printshot reproduce` as workbench jobs (reproduce:run). The
 * catalogue (paper, what it computes, rough cost) comes from the contract, so the panel lists
 * exactly the templates the engine runs. One template runs at a time; each writes into the open
 * experiment's reproduce/<template>/ and its result lists the report files, which the panel
 * links to (viewed in a new tab, saved or downloaded, or opened in the OS viewer).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { REPRODUCE_CATALOGUE, REPRODUCE_TEMPLATES, type ReproduceResultDto, type ReproduceTemplate } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { saveExperimentFile } from '../lib/save-file';
import { useAppStore } from './app';
import { JobFailedError, useJobsStore } from './jobs';

export const TEMPLATES = REPRODUCE_TEMPLATES.map((id) => ({ id, ...REPRODUCE_CATALOGUE[id] }));

export const useReproduceStore = defineStore('reproduce', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const app = useAppStore();

  /** The running template and its job id. */
  const running = ref<ReproduceTemplate | null>(null);
  const job = ref<string | null>(null);
  /** Images per template for a quicker run ('' = the template's default). */
  const limit = ref<Record<string, string>>({});
  const results = ref<Partial<Record<ReproduceTemplate, ReproduceResultDto>>>({});
  const errors = ref<Partial<Record<ReproduceTemplate, UiError>>>({});
  const fieldErrors = ref<Partial<Record<ReproduceTemplate, string>>>({});
  const notice = ref<string | null>(null);
  const busy = computed(() => running.value !== null);

  function limitOf(t: ReproduceTemplate): number | undefined | null {
    const v = (limit.value[t] ?? '').trim();
    if (v === '') return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n >= 1 && n <= 60000 ? n : null;
  }

  async function run(t: ReproduceTemplate): Promise<void> {
    if (busy.value) return;
    delete errors.value[t];
    delete fieldErrors.value[t];
    const n = limitOf(t);
    if (n === null) {
      fieldErrors.value[t] = 'a whole number from 1 to 60000, or empty for the default';
      return;
    }
    running.value = t;
    try {
      const r = await jobs.run('reproduce:run', { template: t, ...(n !== undefined ? { limit: n } : {}) }, { label: `reproduce ${t}`, what: `reproduce ${t}`, onStart: (id: string) => (job.value = id) });
      results.value[t] = r;
      await app.refreshExperiment();
    } catch (e) {
      if (e instanceof JobFailedError) await app.refreshExperiment();
      if (!isCancelled(e)) errors.value[t] = toUiError(e);
    } finally {
      running.value = null;
      job.value = null;
    }
  }

  function cancel(): void {
    if (job.value) void jobs.cancel(job.value);
  }

  /** Opens a report file in a new tab (HTML is self-contained), from its bytes. */
  async function view(path: string): Promise<void> {
    try {
      const f = await bridge.call('file:read', { path });
      const url = URL.createObjectURL(new Blob([f.bytes as BlobPart], { type: f.mime }));
      window.open(url, '_blank', 'noopener');
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      notice.value = toUiError(e).message;
    }
  }

  async function save(path: string): Promise<void> {
    try {
      notice.value = (await saveExperimentFile(bridge, app.nativeDialogs, path)) ?? notice.value;
    } catch (e) {
      notice.value = toUiError(e).message;
    }
  }

  async function open(path: string): Promise<void> {
    try {
      const r = await bridge.call('file:open', { path });
      notice.value = r.opened ? `Opened ${path}` : 'No viewer could be opened from here: save the file instead.';
    } catch (e) {
      notice.value = toUiError(e).message;
    }
  }

  return { running, job, limit, results, errors, fieldErrors, notice, busy, run, cancel, view, save, open };
});
