/**
 * Node loader for the QR reader: the .wasm comes from the installed zxing-wasm package itself,
 * never from a CDN (zxing-wasm's default). Kept out of ../markers.ts so that file stays browser-safe.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { configureMarkerReader, markerReaderConfigured } from '../markers';

let loading: Promise<void> | undefined;

/** Idempotent: the first call reads and compiles the wasm, later calls reuse it. */
export function useNodeMarkerReader(): Promise<void> {
  if (loading && markerReaderConfigured()) return loading;
  loading = (async () => {
    const path = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
    const bytes = await readFile(path);
    const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    await configureMarkerReader({ wasmBinary });
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
