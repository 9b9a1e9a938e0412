/**
 * Reading PNG/JPEG files into Image8.
 *
 * Decisions (see docs/images.md):
 * - Only PNG and JPEG are accepted; anything else, including truncated files, is 'bad-image'.
 * - The header is checked before any pixel is decoded, so a file claiming 30000×30000 costs
 *   nothing: images over `maxPixels` (default 50 megapixels) are rejected with their size.
 * - 16-bit PNGs are converted to 8 bits (v/257, rounded); attacks work on the 0..255 scale.
 * - Alpha is flattened onto white, which is how a transparent PNG looks printed on paper.
 * - EXIF orientation is applied, so phone photos of prints come out upright.
 * - RGB→gray uses Rec. 601 luma with PIL's integer rounding (`convert('L')`), which is what
 *   Python training pipelines used for the bundled models; gray→RGB replicates the channel.
 * - Resizing (only when width/height are given and differ) uses lanczos3 and `fit`: 'fill'
 *   (default) stretches to the exact size, like torchvision's Resize((h, w)); 'crop' cuts the
 *   centred largest region of the target's aspect ratio, then resizes (Resize(s) + CenterCrop);
 *   'pad' resizes to fit inside and letterboxes with PAD_VALUE. Crop and pad boxes are whole
 *   pixels computed here (fitBox), so the result does not depend on libvips' rounding.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { stat } from 'node:fs/promises';
import { log, makeImage8, PrintshotError, type Image8 } from '../shared';

export interface ReadImageOptions {
  /** Output channels. Default: 1 for grayscale sources, else 3. */
  channels?: 1 | 3;
  /** Target width; both width and height must be given to resize. */
  width?: number;
  height?: number;
  /** Reject images with more pixels than this (default 50 megapixels). */
  maxPixels?: number;
  /** How to reach width×height when the aspect ratio differs (default 'fill'). */
  fit?: FitMode;
  /** Told the upright source size before any resize (the dataset's aspect-ratio notice). */
  onSourceSize?: (width: number, height: number) => void;
}

export type FitMode = 'fill' | 'crop' | 'pad';
export const FIT_MODES: readonly FitMode[] = ['fill', 'crop', 'pad'];
/** The letterbox value of --fit pad, on every channel: black, as torchvision's Pad default. */
export const PAD_VALUE = 0;

/**
 * Whole-pixel geometry of a fit from w×h to tw×th: the source region kept (crop) and where the
 * resized image sits in the output (pad). 'fill' keeps everything and fills the output.
 */
export function fitBox(w: number, h: number, tw: number, th: number, fit: FitMode) {
  const all = { left: 0, top: 0, width: w, height: h };
  const full = { left: 0, top: 0, width: tw, height: th };
  if (fit === 'crop') {
    // The widest region of aspect tw:th inside w×h, centred (odd leftovers go right/bottom).
    const cw = Math.min(w, Math.max(1, Math.round((h * tw) / th)));
    const ch = Math.min(h, Math.max(1, Math.round((w * th) / tw)));
    return { source: { left: Math.floor((w - cw) / 2), top: Math.floor((h - ch) / 2), width: cw, height: ch }, target: full };
  }
  if (fit === 'pad') {
    const scale = Math.min(tw / w, th / h);
    const rw = Math.min(tw, Math.max(1, Math.round(w * scale)));
    const rh = Math.min(th, Math.max(1, Math.round(h * scale)));
    return { source: all, target: { left: Math.floor((tw - rw) / 2), top: Math.floor((th - rh) / 2), width: rw, height: rh } };
  }
  return { source: all, target: full };
}

/** Whether w×h has another aspect ratio than tw×th (beyond one pixel of rounding). */
export function aspectDiffers(w: number, h: number, tw: number, th: number): boolean {
  return Math.abs(w * th - h * tw) >= Math.max(w, h, tw, th);
}

export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Reads a PNG or JPEG file. Every failure is a one-line PrintshotError naming the file. */
export async function readImage8(path: string, opts: ReadImageOptions = {}): Promise<Image8> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new PrintshotError('bad-image', `${path}: not a file`);
  } catch (e) {
    if (e instanceof PrintshotError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new PrintshotError('io', `${path}: cannot read (${code === 'ENOENT' ? 'file not found' : String(code ?? e)})`);
  }
  return decodeImage8(path, path, opts);
}

/** Decodes PNG/JPEG bytes already in memory; `name` is used in error messages. */
export async function decodeImage(bytes: Uint8Array, opts: ReadImageOptions = {}, name = 'image'): Promise<Image8> {
  return decodeImage8(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, opts);
}

async function decodeImage8(input: string | Buffer, name: string, opts: ReadImageOptions): Promise<Image8> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  validateOptions(opts, name);

  // Header only: sharp's own pixel limit is switched off here so that we, not libvips, report
  // the size of an oversized image.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw notAnImage(name, e);
  }
  if (meta.format !== 'png' && meta.format !== 'jpeg') {
    throw new PrintshotError('bad-image', `${name}: not a PNG or JPEG image (it is ${meta.format ?? 'an unknown format'})`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > maxPixels) {
    throw new PrintshotError(
      'bad-image',
      `${name}: image is ${w}×${h} (${(w * h / 1e6).toFixed(1)} megapixels), over the limit of ${(maxPixels / 1e6).toFixed(1)} megapixels`,
      'scale it down first, or raise the limit (maxPixels)',
    );
  }
  const grayish = meta.space === 'b-w' || meta.space === 'grey16';
  const channels = opts.channels ?? (grayish ? 1 : 3);

  let raw: { data: Buffer; info: OutputInfo };
  try {
    // limitInputPixels again as a second guard (the header could lie about later frames);
    // failOn 'warning' makes truncated or corrupt data an error instead of a half-grey image.
    let pipe = sharp(input, { limitInputPixels: Math.max(maxPixels, 1), failOn: 'warning', autoOrient: true });
    if (meta.hasAlpha) pipe = pipe.flatten({ background: '#ffffff' });
    const [ow, oh] = (meta.orientation ?? 1) >= 5 ? [h, w] : [w, h];
    opts.onSourceSize?.(ow, oh);
    if (opts.width !== undefined && opts.height !== undefined) {
      if (ow !== opts.width || oh !== opts.height) {
        const fit = opts.fit ?? 'fill';
        log.info(`${name}: resized ${ow}×${oh} to ${opts.width}×${opts.height} (${fit}) for the model input`);
        const { source: s, target: t } = fitBox(ow, oh, opts.width, opts.height, fit);
        // sharp extracts before a resize called after it; the letterbox goes on after the resize.
        if (s.width !== ow || s.height !== oh) pipe = pipe.extract(s);
        if (s.width !== t.width || s.height !== t.height) pipe = pipe.resize(t.width, t.height, { fit: 'fill', kernel: 'lanczos3' });
        if (t.width !== opts.width || t.height !== opts.height) {
          const background = { r: PAD_VALUE, g: PAD_VALUE, b: PAD_VALUE, alpha: 1 };
          pipe = pipe.extend({ left: t.left, top: t.top, right: opts.width - t.width - t.left, bottom: opts.height - t.height - t.top, background });
        }
      }
    }
    // Always take 8-bit sRGB out of sharp and convert channels ourselves, so the gray formula
    // is ours (PIL-compatible) rather than whatever libvips version is installed.
    raw = await pipe.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw notAnImage(name, e);
  }
  const { width, height } = raw.info;
  if (raw.info.channels !== 3) {
    throw new PrintshotError('bad-image', `${name}: unexpected ${raw.info.channels}-channel decode`);
  }
  const rgb = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  return channels === 3 ? makeImage8(width, height, 3, rgb) : makeImage8(width, height, 1, rgbToGray(rgb));
}

/** Rec. 601 luma, bit-identical to PIL's `Image.convert('L')`. Exact on gray (r=g=b) input. */
export function rgbToGray(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] = (rgb[j] * 19595 + rgb[j + 1] * 38470 + rgb[j + 2] * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/** Replicates a gray channel into RGB. */
export function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0, j = 0; i < gray.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = gray[i];
  return out;
}

/** Converts an in-memory image to 1 or 3 channels with the same rules as readImage8. */
export function toChannels(img: Image8, channels: 1 | 3): Image8 {
  if (img.channels === channels) return img;
  let rgb: Uint8Array;
  if (img.channels === 1) rgb = grayToRgb(img.data);
  else if (img.channels === 3) rgb = img.data;
  else rgb = flattenOnWhite(img.data);
  return channels === 3 ? makeImage8(img.width, img.height, 3, rgb) : makeImage8(img.width, img.height, 1, rgbToGray(rgb));
}

function flattenOnWhite(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    const a = rgba[i + 3];
    for (let c = 0; c < 3; c++) out[j + c] = Math.round((rgba[i + c] * a + 255 * (255 - a)) / 255);
  }
  return out;
}

function validateOptions(opts: ReadImageOptions, name: string): void {
  const dims = [opts.width, opts.height];
  if ((opts.width === undefined) !== (opts.height === undefined)) {
    throw new PrintshotError('bad-argument', `${name}: give both width and height to resize, or neither`);
  }
  for (const d of dims) {
    if (d !== undefined && (!Number.isInteger(d) || d < 1)) {
      throw new PrintshotError('bad-argument', `${name}: resize size must be positive integers, got ${opts.width}×${opts.height}`);
    }
  }
  if (opts.fit !== undefined && !FIT_MODES.includes(opts.fit)) {
    throw new PrintshotError('bad-argument', `${name}: fit must be ${FIT_MODES.join(', ')}, got ${String(opts.fit)}`);
  }
  if (opts.channels !== undefined && opts.channels !== 1 && opts.channels !== 3) {
    throw new PrintshotError('bad-argument', `${name}: channels must be 1 or 3, got ${String(opts.channels)}`);
  }
}

function notAnImage(name: string, e: unknown): PrintshotError {
  // libvips messages can span lines; keep the first so the CLI prints one line.
  const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/:\s*$/, '').trim();
  if (/pixel limit/i.test(reason)) {
    return new PrintshotError('bad-image', `${name}: image is larger than the pixel limit (${reason})`);
  }
  return new PrintshotError('bad-image', `${name}: not a PNG or JPEG image (${reason || 'cannot decode'})`);
}
