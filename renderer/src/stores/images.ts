/**
 * The image set: the bundled samples or a folder (ImageFolder layout or labels.csv), shown a page
 * at a time as thumbnails with labels, and optionally with the model's clean predictions.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FolderRef, ImageDto, ResponseOf } from '../../../src/contract';

type ClassifiedDto = ResponseOf<'images:classify'>['items'][number];
import { useBridge } from '../bridge';
import type { UiError } from '../lib/errors';
import { useAsyncAction } from '../composables/use-async-action';

export const PAGE_SIZE = 40;

export const useImagesStore = defineStore('images', () => {
  const bridge = useBridge();
  const source = ref<FolderRef>({ kind: 'bundled' });
  /** What the source resolved to (a dialog's choice becomes a path, so paging does not ask again). */
  const root = ref<string | null>(null);
  const total = ref(0);
  const offset = ref(0);
  const items = ref<ImageDto[]>([]);
  const predictions = ref<Record<string, ClassifiedDto>>({});
  const accuracy = ref<{ top1: { correct: number; total: number }; top5: { correct: number; total: number } } | null>(null);
  const error = ref<UiError | null>(null);

  const pages = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)));
  const page = computed(() => Math.floor(offset.value / PAGE_SIZE) + 1);

  const { run: list, busy: loading } = useAsyncAction(async (next: FolderRef = source.value, at: number = 0) => {
    const r = await bridge.call('images:list', { source: next, page: { offset: at, limit: PAGE_SIZE } });
    // Keep the resolved folder so the next page or the attack does not open the dialog again.
    source.value = next.kind === 'dialog' ? { kind: 'path', path: r.root } : next;
    root.value = r.root;
    total.value = r.total;
    offset.value = at;
    items.value = r.items;
    predictions.value = {};
    accuracy.value = null;
  }, { error });

  const { run: classify, busy: classifying } = useAsyncAction(async () => {
    const r = await bridge.call('images:classify', { source: source.value, page: { offset: offset.value, limit: PAGE_SIZE } });
    predictions.value = Object.fromEntries(r.items.map((i) => [i.relPath, i]));
    accuracy.value = { top1: r.top1, top5: r.top5 };
  }, { error });

  function goTo(p: number): Promise<boolean> {
    return list(source.value, (Math.min(Math.max(1, p), pages.value) - 1) * PAGE_SIZE);
  }

  return { source, root, total, offset, items, predictions, accuracy, loading, classifying, error, pages, page, list, classify, goTo };
});
