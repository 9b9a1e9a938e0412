/**
 * PNG (or JPEG) bytes from the bridge as an <img> src, and decoded for a canvas.
 *
 * Small images (thumbnails, results, sheet cells: a few KB) become data: URLs, encoded with the
 * browser's native base64. A Blob and an object URL would each be a synchronous round trip to
 * Chromium's browser process: about 0.2 ms apiece on an idle page, 17 ms for 40 thumbnails,
 * and several times that while an attack keeps the cores busy (docs/BENCHMARKS.md, "UI
 * responsiveness"). Large images (webcam frames, phone photos) still use object URLs, which are
 * revoked when the bytes change or the component goes away. The CSP allows both data: and blob:
 * images.
 */
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { bytesToBase64 } from '../../../src/contract';
import { blobOf } from '../lib/bytes';

/** Up to this size an image is inlined as a data: URL (no IPC); above it, an object URL. */
export const DATA_URL_MAX_BYTES = 256 * 1024;

export function toImageUrl(bytes: Uint8Array, type = 'image/png'): { url: string; revoke(): void } {
  if (bytes.length > DATA_URL_MAX_BYTES && typeof URL.createObjectURL === 'function') {
    const url = URL.createObjectURL(blobOf(bytes, type));
    return { url, revoke: () => URL.revokeObjectURL(url) };
  }
  return { url: `data:${type};base64,${bytesToBase64(bytes)}`, revoke: () => undefined };
}

/**
 * Decodes image bytes off the main thread (HTMLImageElement.decode) into something a canvas can
 * draw, without a Blob. Rejects where the image cannot be decoded (or jsdom, which cannot decode).
 */
export async function decodeImage(bytes: Uint8Array, type = 'image/png'): Promise<HTMLImageElement> {
  const { url, revoke } = toImageUrl(bytes, type);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    revoke();
  }
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
