/**
 * The model: load the bundled one or a TF.js folder, edit its card for this session, and test it
 * on a few sample images (top-5 per image).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { FolderRef, ImageDto, ModelCardEdit, ModelInfo, RankedClassDto } from '../../../src/contract';
import { useBridge } from '../bridge';
import { isCancelled, toUiError, type UiError } from '../lib/errors';

export interface SampleResult {
  image: ImageDto;
  top: RankedClassDto[];
  correct: boolean;
}

export const useModelStore = defineStore('model', () => {
  const bridge = useBridge();
  const info = ref<ModelInfo | null>(null);
  const loading = ref(false);
  const error = ref<UiError | null>(null);
  const cardError = ref<UiError | null>(null);
  const saving = ref(false);
  const samples = ref<SampleResult[]>([]);
  const testing = ref(false);
  const testError = ref<UiError | null>(null);

  async function refresh(): Promise<void> {
    try {
      info.value = await bridge.call('model:info', {});
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function load(source: FolderRef): Promise<boolean> {
    loading.value = true;
    error.value = null;
    try {
      info.value = await bridge.call('model:load', { source });
      samples.value = [];
      return true;
    } catch (e) {
      if (!isCancelled(e)) error.value = toUiError(e);
      return false;
    } finally {
      loading.value = false;
    }
  }

  async function setCard(card: ModelCardEdit): Promise<boolean> {
    saving.value = true;
    cardError.value = null;
    try {
      info.value = await bridge.call('model:setCard', { card });
      samples.value = [];
      return true;
    } catch (e) {
      cardError.value = toUiError(e);
      return false;
    } finally {
      saving.value = false;
    }
  }

  /** Classifies sample images and keeps one per class (up to `count`), so the test spans the classes. */
  async function testOnSamples(count = 10, source: FolderRef = { kind: 'bundled' }): Promise<void> {
    testing.value = true;
    testError.value = null;
    try {
      const page = { offset: 0, limit: 200 };
      const [list, classified] = await Promise.all([bridge.call('images:list', { source, page }), bridge.call('images:classify', { source, page })]);
      const byRel = new Map(classified.items.map((c) => [c.relPath, c]));
      const seen = new Set<number>();
      const picked = list.items.filter((im) => !seen.has(im.label) && seen.add(im.label)).slice(0, count);
      samples.value = picked.map((image) => {
        const c = byRel.get(image.relPath);
        return { image, top: c?.top ?? [], correct: c?.correctTop1 ?? false };
      });
    } catch (e) {
      testError.value = toUiError(e);
    } finally {
      testing.value = false;
    }
  }

  return { info, loading, error, cardError, saving, samples, testing, testError, refresh, load, setCard, testOnSamples };
});
