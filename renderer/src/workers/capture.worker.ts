/**
 * The Capture view's worker, so that nothing heavy runs on the page's main thread:
 * - detect: zxing-wasm (zxing-cpp) reads every QR code in a webcam frame. The .wasm is bundled
 *   with the app (imported with ?url) and located through locateFile, never fetched from a CDN.
 * - encode: a captured frame becomes lossless PNG bytes (sent for registration) and a small JPEG
 *   thumbnail for the photo strip (decoding a full frame for a 120-px thumbnail would block).
 * Frames arrive as transferred ImageBitmaps and are drawn on an OffscreenCanvas here.
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import type { DetectResponse, EncodeResponse, WorkerRequest } from './protocol';

/** The options of src/registration/markers.ts (MARKER_READER_OPTIONS), so the live view sees what registration sees. */
const OPTIONS: ReaderOptions = { formats: ['QRCode'], tryHarder: true, tryRotate: false, tryInvert: false, tryDownscale: true, maxNumberOfSymbols: 16 };

let ready: Promise<unknown> | undefined;

function load(): Promise<unknown> {
  ready ??= prepareZXingModule({ overrides: { locateFile: (file: string) => (file.endsWith('.wasm') ? wasmUrl : file) }, fireImmediately: true });
  return ready;
}

function draw(bitmap: ImageBitmap, width = bitmap.width, height = bitmap.height): OffscreenCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0, width, height);
  return canvas;
}

async function detect(req: Extract<WorkerRequest, { type: 'detect' }>): Promise<DetectResponse> {
  const t0 = performance.now();
  await load();
  let image: ImageData;
  if (req.image) image = new ImageData(new Uint8ClampedArray(req.image.data), req.image.width, req.image.height);
  else {
    const canvas = draw(req.bitmap!);
    req.bitmap!.close();
    image = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
  }
  const results = await readBarcodes(image, OPTIONS);
  const detections = results
    .filter((r) => r.isValid)
    .map((r) => {
      const { topLeft, topRight, bottomRight, bottomLeft } = r.position;
      return { text: r.text, corners: [topLeft, topRight, bottomRight, bottomLeft].map((p) => ({ x: p.x, y: p.y })) as DetectResponse['detections'][number]['corners'] };
    });
  return { id: req.id, detections, width: image.width, height: image.height, ms: performance.now() - t0 };
}

async function encode(req: Extract<WorkerRequest, { type: 'encode' }>): Promise<EncodeResponse> {
  const { bitmap } = req;
  const bytes = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
  const png = req.png ? await bytes(await draw(bitmap).convertToBlob({ type: 'image/png' })) : undefined;
  const w = Math.min(req.thumbWidth, bitmap.width);
  const thumb = await bytes(await draw(bitmap, w, Math.max(1, Math.round((bitmap.height * w) / bitmap.width))).convertToBlob({ type: 'image/jpeg', quality: 0.85 }));
  const out = { id: req.id, width: bitmap.width, height: bitmap.height, ...(png ? { png } : {}), thumb };
  bitmap.close();
  return out;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null; postMessage(m: unknown, transfer?: Transferable[]): void };

scope.onmessage = (e) => {
  const req = e.data;
  const work = req.type === 'detect' ? detect(req) : encode(req);
  work.then(
    (res) => {
      const transfer = 'thumb' in res ? [res.thumb, res.png].filter((b): b is Uint8Array => !!b).map((b) => b.buffer as ArrayBuffer) : [];
      scope.postMessage(res, transfer);
    },
    (err: unknown) => {
      if (req.type === 'detect') ready = undefined;
      scope.postMessage({ id: req.id, detections: [], width: 0, height: 0, ms: 0, error: err instanceof Error ? err.message : String(err) });
    },
  );
};
