/**
 * The workbench as a whole: what the app is (Electron or browser, native dialogs or typed
 * paths), the engine's health (crash banner, restart), and the open experiment with the
 * recent list. Views read the experiment from here; jobs that change it call refreshExperiment.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo, ExperimentDto, ExperimentLocation, RecentDto } from '../../../src/contract';
import { useBridge } from '../bridge';
import { toUiError, type UiError } from '../lib/errors';
import { isComplete } from '../lib/run-choice';
import { useAsyncAction } from '../composables/use-async-action';
import { useEngineStore } from './engine';

export const useAppStore = defineStore('app', () => {
  const bridge = useBridge();
  const info = ref<AppInfo | null>(null);
  const engine = useEngineStore();
  // One engine-down state for the whole page (the banner, disabled actions, hidden duplicate errors).
  const engineDown = computed(() => engine.down);
  const restarting = ref(false);
  const experiment = ref<ExperimentDto | null>(null);
  const recent = ref<RecentDto[]>([]);
  const busy = ref(false);
  const error = ref<UiError | null>(null);

  const nativeDialogs = computed(() => info.value?.nativeDialogs ?? false);
  // Complete, whole runs (no unmerged shard): what the views measure and print (lib/run-choice.ts).
  const completeRuns = computed(() => (experiment.value?.runs ?? []).filter(isComplete));

  bridge.on('engine:crashed', (p) => engine.markDown({ reason: p.reason, interrupted: p.interrupted, restartable: p.restartable }));
  bridge.on('engine:ready', () => {
    engine.markUp();
    if (info.value) info.value.engine = { ...info.value.engine, state: 'ready' };
  });

  async function init(): Promise<void> {
    try {
      info.value = await bridge.call('app:info', {});
      if (info.value.engine.state === 'crashed') engine.markDown({ reason: info.value.engine.lastError ?? 'the engine is not running', interrupted: [], restartable: true });
      experiment.value = await bridge.call('experiment:current', {});
      recent.value = await bridge.call('experiment:recent', {});
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function restartEngine(): Promise<void> {
    restarting.value = true;
    try {
      const state = await bridge.call('engine:restart', {});
      if (info.value) info.value.engine = state;
      engine.markUp();
      error.value = null;
      await refreshExperiment();
    } catch (e) {
      error.value = toUiError(e);
    } finally {
      restarting.value = false;
    }
  }

  async function refreshExperiment(): Promise<void> {
    try {
      experiment.value = await bridge.call('experiment:current', {});
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** A new experiment: a fresh folder in the workspace, or one chosen in a dialog (Electron) or typed. */
  const { run: newExperiment } = useAsyncAction(async (location: ExperimentLocation = { kind: 'scratch' }, name?: string) => {
    experiment.value = await bridge.call('experiment:new', { location, ...(name ? { name } : {}) });
    recent.value = await bridge.call('experiment:recent', {}).catch(() => recent.value);
  }, { busy, error });

  const { run: openExperiment } = useAsyncAction(async (location: ExperimentLocation) => {
    experiment.value = await bridge.call('experiment:open', { location });
    recent.value = await bridge.call('experiment:recent', {}).catch(() => recent.value);
  }, { busy, error });

  return { info, engineDown, restarting, experiment, recent, busy, error, nativeDialogs, completeRuns, init, restartEngine, refreshExperiment, newExperiment, openExperiment };
});
