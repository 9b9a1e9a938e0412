/**
 * Marker detection off the main thread: zxing-wasm (zxing-cpp) reads every QR code in a webcam
 * frame. The .wasm is bundled with the app (imported with ?url) and located through locateFile,
 * never fetched from a CDN. Frames arrive as ImageBitmaps (drawn here on an OffscreenCanvas) or
 * as RGBA pixels; one frame is in flight at a time (the caller throttles).
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import type { DetectRequest, DetectResponse } from './protocol';

/** The options of src/registration/markers.ts (MARKER_READER_OPTIONS), so the live view sees what registration sees. */
const OPTIONS: ReaderOptions = { formats: ['QRCode'], tryHarder: true, tryRotate: false, tryInvert: false, tryDownscale: true, maxNumberOfSymbols: 16 };

let ready: Promise<unknown> | undefined;
let canvas: OffscreenCanvas | undefined;

function load(): Promise<unknown> {
  ready ??= prepareZXingModule({ overrides: { locateFile: (file: string) => (file.endsWith('.wasm') ? wasmUrl : file) }, fireImmediately: true });
  return ready;
}

function pixels(req: DetectRequest): ImageData {
  if (req.image) return new ImageData(new Uint8ClampedArray(req.image.data), req.image.width, req.image.height);
  const bitmap = req.bitmap!;
  if (!canvas || canvas.width !== bitmap.width || canvas.height !== bitmap.height) canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<DetectRequest>) => void) | null; postMessage(m: DetectResponse): void };

scope.onmessage = (e) => {
  const req = e.data;
  const t0 = performance.now();
  load()
    .then(async () => {
      const image = pixels(req);
      const results = await readBarcodes(image, OPTIONS);
      const detections = results
        .filter((r) => r.isValid)
        .map((r) => {
          const { topLeft, topRight, bottomRight, bottomLeft } = r.position;
          return { text: r.text, corners: [topLeft, topRight, bottomRight, bottomLeft].map((p) => ({ x: p.x, y: p.y })) as DetectResponse['detections'][number]['corners'] };
        });
      scope.postMessage({ id: req.id, detections, width: image.width, height: image.height, ms: performance.now() - t0 });
    })
    .catch((err: unknown) => {
      ready = undefined;
      scope.postMessage({ id: req.id, detections: [], width: 0, height: 0, ms: performance.now() - t0, error: err instanceof Error ? err.message : String(err) });
    });
};
