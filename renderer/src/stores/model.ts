/**
 * The model: load the bundled one or a TF.js folder, edit its card for this session, and test it
 * on a few sample images (top-5 per image).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { FolderRef, ImageDto, ModelCardEdit, ModelInfo, RankedClassDto } from '../../../src/contract';
import { useBridge } from '../bridge';
import { toUiError, type UiError } from '../lib/errors';
import { useAsyncAction } from '../composables/use-async-action';

export interface SampleResult {
  image: ImageDto;
  top: RankedClassDto[];
  correct: boolean;
}

export const useModelStore = defineStore('model', () => {
  const bridge = useBridge();
  const info = ref<ModelInfo | null>(null);
  const error = ref<UiError | null>(null);
  const samples = ref<SampleResult[]>([]);

  async function refresh(): Promise<void> {
    try {
      info.value = await bridge.call('model:info', {});
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  const { run: load, busy: loading } = useAsyncAction(async (source: FolderRef) => {
    info.value = await bridge.call('model:load', { source });
    samples.value = [];
  }, { error });

  const { run: setCard, busy: saving, error: cardError } = useAsyncAction(async (card: ModelCardEdit) => {
    info.value = await bridge.call('model:setCard', { card });
    samples.value = [];
  });

  /** Classifies sample images and keeps one per class (up to `count`), so the test spans the classes. */
  const { run: testOnSamples, busy: testing, error: testError } = useAsyncAction(async (count: number = 10, source: FolderRef = { kind: 'bundled' }) => {
    const page = { offset: 0, limit: 200 };
    const [list, classified] = await Promise.all([bridge.call('images:list', { source, page }), bridge.call('images:classify', { source, page })]);
    const byRel = new Map(classified.items.map((c) => [c.relPath, c]));
    const seen = new Set<number>();
    const picked = list.items.filter((im) => !seen.has(im.label) && seen.add(im.label)).slice(0, count);
    samples.value = picked.map((image) => {
      const c = byRel.get(image.relPath);
      return { image, top: c?.top ?? [], correct: c?.correctTop1 ?? false };
    });
  });

  return { info, loading, error, cardError, saving, samples, testing, testError, refresh, load, setCard, testOnSamples };
});
