/** The bytes of a file of the open experiment (file:read), re-read when the path changes; null while loading or when it cannot be read. */
import { ref, watch, type Ref } from 'vue';
import { useBridge } from '../bridge';

export function useExperimentFile(path: Ref<string | null | undefined>): Ref<Uint8Array | null> {
  const bridge = useBridge();
  const bytes = ref<Uint8Array | null>(null);
  let ticket = 0;
  watch(
    path,
    async (p) => {
      const mine = ++ticket;
      bytes.value = null;
      if (!p) return;
      try {
        const f = await bridge.call('file:read', { path: p });
        if (mine === ticket) bytes.value = f.bytes;
      } catch {
        // A missing file shows as a placeholder; the photo's record still says what it was.
      }
    },
    { immediate: true },
  );
  return bytes as Ref<Uint8Array | null>;
}
