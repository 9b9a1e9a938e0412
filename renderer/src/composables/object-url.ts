/**
 * PNG (or JPEG) bytes from the bridge as an <img> src: an object URL, revoked when the bytes
 * change or the component goes away. The CSP allows blob: and data: images; data: is the
 * fallback where object URLs do not exist (jsdom).
 */
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { blobOf } from '../lib/bytes';

function dataUrl(bytes: Uint8Array, type: string): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${type};base64,${btoa(s)}`;
}

export function toImageUrl(bytes: Uint8Array, type = 'image/png'): { url: string; revoke(): void } {
  if (typeof URL.createObjectURL === 'function') {
    const url = URL.createObjectURL(blobOf(bytes, type));
    return { url, revoke: () => URL.revokeObjectURL(url) };
  }
  return { url: dataUrl(bytes, type), revoke: () => undefined };
}

export function useObjectUrl(bytes: Ref<Uint8Array | null | undefined>, type = 'image/png'): Ref<string | undefined> {
  const url = ref<string>();
  let revoke = () => undefined as void;
  watch(
    bytes,
    (b) => {
      revoke();
      if (!b || b.length === 0) {
        url.value = undefined;
        revoke = () => undefined;
        return;
      }
      const made = toImageUrl(b, type);
      url.value = made.url;
      revoke = made.revoke;
    },
    { immediate: true },
  );
  onBeforeUnmount(() => revoke());
  return url;
}
