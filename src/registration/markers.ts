/**
 * QR marker detection with zxing-wasm (zxing-cpp): every code in a frame in one call, each with
 * its four corners. This file is browser-safe (no Node imports) so the desktop page can run the
 * same detection on live webcam frames; how the .wasm is found is injected:
 *  - Node: call useNodeMarkerReader() from './node-reader' (reads the file shipped in the package);
 *  - browser: configureMarkerReader({ locateFile: (f) => `/zxing/${f}` }) with the package's dist
 *    folder served. zxing-wasm's own default would fetch from a CDN, which we never allow, so
 *    detectMarkers refuses to run until one of the two has been called.
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions, type ZXingModuleOverrides } from 'zxing-wasm/reader';
import { PrintshotError, type Image8 } from '../shared';
import type { Point } from './homography';

export interface MarkerDetection {
  /** Decoded text (the marker payload). */
  text: string;
  /**
   * Outer corners of the symbol in photo pixels (edge grid, see homography.ts), in the symbol's
   * own orientation: top-left, top-right, bottom-right, bottom-left as printed, whatever the
   * photo's rotation, so they pair with the layout's corners directly.
   */
  corners: [Point, Point, Point, Point];
}

let prepared: Promise<unknown> | undefined;

/** Loads the zxing reader module with these Emscripten overrides (wasmBinary or locateFile). */
export function configureMarkerReader(overrides: ZXingModuleOverrides): Promise<void> {
  const p = prepareZXingModule({ overrides, fireImmediately: true });
  prepared = p;
  // A failed load must not stick: forget it so a later configure can retry.
  return p.then(
    () => undefined,
    (e: unknown) => {
      if (prepared === p) prepared = undefined;
      throw new PrintshotError('io', `cannot load the QR reader (zxing-wasm): ${e instanceof Error ? e.message : String(e)}`);
    },
  );
}

export function markerReaderConfigured(): boolean {
  return prepared !== undefined;
}

/**
 * Reader options tuned for printed markers: QR only (skipping the 1-D and other 2-D decoders
 * is most of the speed), no inverted codes (ours are dark on paper). tryHarder and tryDownscale
 * stay on: they recover small or blurred markers, and large ones in
 * full-resolution phone photos. tryRotate is off: it only helps linear barcodes; the QR
 * detector finds symbols at any rotation by itself.
 */
export const MARKER_READER_OPTIONS: ReaderOptions = {
  formats: ['QRCode'],
  tryHarder: true,
  tryRotate: false,
  tryInvert: false,
  tryDownscale: true,
  maxNumberOfSymbols: 16,
};

/** Decodes every QR code in an 8-bit image (gray, RGB or RGBA). Invalid reads are dropped. */
export async function detectMarkers(image: Image8, options: ReaderOptions = MARKER_READER_OPTIONS): Promise<MarkerDetection[]> {
  if (!prepared) {
    throw new Error('QR reader not loaded: call useNodeMarkerReader() (Node) or configureMarkerReader({ locateFile }) (browser) first');
  }
  await prepared;
  const results = await readBarcodes(toImageDataLike(image) as Parameters<typeof readBarcodes>[0], options);
  return results
    .filter((r) => r.isValid)
    .map((r) => {
      const { topLeft, topRight, bottomRight, bottomLeft } = r.position;
      return { text: r.text, corners: [pt(topLeft), pt(topRight), pt(bottomRight), pt(bottomLeft)] };
    });
}

function pt(p: Point): Point {
  return { x: p.x, y: p.y };
}

/**
 * zxing-wasm accepts anything with width, height and RGBA data as ImageData (Node has no
 * ImageData class); it converts to luma itself.
 */
function toImageDataLike(img: Image8): { data: Uint8ClampedArray; width: number; height: number } {
  const { width, height, channels, data } = img;
  if (channels === 4) return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height };
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const o = i * 4;
    rgba[o] = data[j];
    rgba[o + 1] = data[j + (channels === 3 ? 1 : 0)];
    rgba[o + 2] = data[j + (channels === 3 ? 2 : 0)];
    rgba[o + 3] = 255;
  }
  return { data: rgba, width, height };
}
