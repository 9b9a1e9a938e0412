/**
 * The model zoo in the Model view: the catalogue with what is downloaded, and a pull as a job
 * (byte progress, cancellable) after which the engine has loaded the model.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ZooEntryDto } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';
import { useJobsStore } from './jobs';
import { useModelStore } from './model';

export const useZooStore = defineStore('zoo', () => {
  const bridge = useBridge();
  const jobs = useJobsStore();
  const entries = ref<ZooEntryDto[]>([]);
  const error = ref<UiError | null>(null);
  /** The running pull's job id and model name. */
  const pulling = ref<{ jobId: string | null; name: string } | null>(null);
  /** Set when a pull finished but another job kept the engine from loading the model. */
  const notLoaded = ref<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      entries.value = await bridge.call('zoo:list', {});
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function pull(name: string): Promise<void> {
    if (pulling.value) return;
    error.value = null;
    notLoaded.value = null;
    pulling.value = { jobId: null, name };
    try {
      const r = await jobs.run('zoo:pull', { name }, { label: `pull ${name}`, what: `the pull of ${name}`, onStart: (id) => (pulling.value = { jobId: id, name }) });
      if (r.model) useModelStore().info = r.model;
      else notLoaded.value = r.dir;
    } catch (e) {
      if (!isCancelled(e)) error.value = toUiError(e);
    } finally {
      pulling.value = null;
      await refresh();
    }
  }

  async function cancel(): Promise<void> {
    const id = pulling.value?.jobId;
    if (id) error.value = await jobs.cancel(id);
  }

  return { entries, error, pulling, notLoaded, refresh, pull, cancel };
});
