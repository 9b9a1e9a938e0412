/**
 * The image set: the bundled samples or a folder (ImageFolder layout or labels.csv), shown a page
 * at a time as thumbnails with labels, and optionally with the model's clean predictions.
 *
 * A folder with unreadable files is not loaded at once: `held` lists every bad file and how many
 * images are readable, and loadReadable() loads those if the user agrees. A new folder that
 * fails clears the old listing, so the page never shows one folder's images under another's error.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FolderRef, ImageDto, ResponseOf } from '../../../src/contract';

type ClassifiedDto = ResponseOf<'images:classify'>['items'][number];
type UnreadableDto = NonNullable<ResponseOf<'images:list'>['unreadable']>[number];
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
  /** A folder with unreadable files, waiting for the user: the bad files and how many images are readable. */
  const held = ref<{ source: FolderRef; root: string; readable: number; unreadable: UnreadableDto[] } | null>(null);
  /** Files left out of the loaded folder because they cannot be read (after the user agreed). */
  const leftOut = ref<UnreadableDto[]>([]);

  const pages = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)));
  const page = computed(() => Math.floor(offset.value / PAGE_SIZE) + 1);

  function clear(): void {
    root.value = null;
    total.value = 0;
    offset.value = 0;
    items.value = [];
    predictions.value = {};
    accuracy.value = null;
    leftOut.value = [];
  }

  const sameSource = (a: FolderRef, b: FolderRef) => JSON.stringify(a) === JSON.stringify(b);

  const { run: listWith, busy: loading } = useAsyncAction(async (next: FolderRef, at: number, skipUnreadable: boolean) => {
    const isNew = !sameSource(next, source.value) || next.kind === 'dialog';
    held.value = null;
    let r: ResponseOf<'images:list'>;
    try {
      r = await bridge.call('images:list', { source: next, page: { offset: at, limit: PAGE_SIZE }, ...(skipUnreadable ? { skipUnreadable } : {}) });
    } catch (e) {
      if (isNew) {
        clear();
        // The attack and the summary then name the folder that failed, not the one cleared away.
        if (next.kind !== 'dialog') source.value = next;
      }
      throw e;
    }
    // Keep the resolved folder so the next page or the attack does not open the dialog again.
    const resolved: FolderRef = next.kind === 'dialog' ? { kind: 'path', path: r.root } : next;
    if (r.unreadable?.length && !skipUnreadable) {
      clear();
      source.value = resolved;
      held.value = { source: resolved, root: r.root, readable: r.total, unreadable: r.unreadable };
      return;
    }
    source.value = resolved;
    root.value = r.root;
    total.value = r.total;
    offset.value = at;
    items.value = r.items;
    leftOut.value = r.unreadable ?? [];
    predictions.value = {};
    accuracy.value = null;
  }, { error });

  /** Lists a folder (the current one by default) from image `at`; a folder already agreed to keeps leaving its bad files out. */
  function list(next: FolderRef = source.value, at: number = 0): Promise<boolean> {
    const agreed = leftOut.value.length > 0 && sameSource(next, source.value);
    return listWith(next, at, agreed);
  }

  /** The user agreed: load the held folder's readable images without its unreadable files. */
  function loadReadable(): Promise<boolean> {
    const h = held.value;
    return h ? listWith(h.source, 0, true) : Promise.resolve(false);
  }

  const { run: classify, busy: classifying } = useAsyncAction(async () => {
    const r = await bridge.call('images:classify', { source: source.value, page: { offset: offset.value, limit: PAGE_SIZE } });
    predictions.value = Object.fromEntries(r.items.map((i) => [i.relPath, i]));
    accuracy.value = { top1: r.top1, top5: r.top5 };
  }, { error });

  function goTo(p: number): Promise<boolean> {
    return list(source.value, (Math.min(Math.max(1, p), pages.value) - 1) * PAGE_SIZE);
  }

  return { source, root, total, offset, items, predictions, accuracy, loading, classifying, error, held, leftOut, pages, page, list, loadReadable, classify, goTo };
});
