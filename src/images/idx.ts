/**
 * IDX image sets (the MNIST / Fashion-MNIST file format, gzipped or not), so models can be
 * measured on a full test set (10,000 images) without unpacking it into PNGs first.
 *
 * A folder holding `t10k-images-idx3-ubyte[.gz]` and `t10k-labels-idx1-ubyte[.gz]` opens as its
 * test split; naming an `…-images-idx3-ubyte[.gz]` file opens that split (e.g. the training set),
 * with its labels file found by the usual name. Labels in IDX are class indices: they are taken
 * as indices into the model's labels, in output order (true for the bundled Fashion-MNIST model).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PrintshotError, makeImage8, type LabeledImage } from '../shared';
import { toChannels } from './decode';

export interface IdxFiles {
  images: string;
  labels: string;
  /** 't10k', 'train', … : the file-name prefix, used in relPaths. */
  split: string;
}

const IMAGES_RE = /^(.*)-images[-.]idx3-ubyte(\.gz)?$/;

/** The IDX split `path` names (a folder with a test split, or an images file), or null. */
export async function findIdxFiles(path: string): Promise<IdxFiles | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (info.isFile()) {
    const m = IMAGES_RE.exec(basename(path));
    if (!m) return null;
    const labels = await siblingLabels(dirname(path), m[1]);
    if (!labels) throw new PrintshotError('bad-dataset', `${path}: no labels file ${m[1]}-labels-idx1-ubyte[.gz] beside it`);
    return { images: path, labels, split: m[1] };
  }
  if (!info.isDirectory()) return null;
  const names = await readdir(path);
  const images = names.find((n) => IMAGES_RE.exec(n)?.[1] === 't10k');
  if (!images) return null;
  const labels = await siblingLabels(path, 't10k');
  if (!labels) throw new PrintshotError('bad-dataset', `${path}: t10k images but no t10k-labels-idx1-ubyte[.gz]`);
  return { images: join(path, images), labels, split: 't10k' };
}

async function siblingLabels(dir: string, prefix: string): Promise<string | null> {
  for (const name of [`${prefix}-labels-idx1-ubyte.gz`, `${prefix}-labels-idx1-ubyte`, `${prefix}-labels.idx1-ubyte`]) {
    if (await stat(join(dir, name)).then((s) => s.isFile(), () => false)) return join(dir, name);
  }
  return null;
}

/** Parses one unsigned-byte IDX array: its dimensions and its bytes (no copy). */
export function parseIdx(bytes: Uint8Array, what: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4) throw new PrintshotError('bad-dataset', `${what}: too short for an IDX file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new PrintshotError('bad-dataset', `${what}: not an unsigned-byte IDX file`);
  const ndim = bytes[3];
  if (ndim < 1 || bytes.length < 4 + 4 * ndim) throw new PrintshotError('bad-dataset', `${what}: bad IDX header`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(4 + 4 * ndim);
  if (data.length !== size) throw new PrintshotError('bad-dataset', `${what}: header says ${dims.join('×')} = ${size} bytes, file has ${data.length}`);
  return { dims, data };
}

async function readIdx(path: string): Promise<{ dims: number[]; data: Uint8Array }> {
  let bytes: Uint8Array = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new PrintshotError('bad-dataset', `${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, path);
}

export interface IdxLoadOptions {
  numClasses: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Loads an IDX split as labelled 8-bit images in the model's channel count. */
export async function loadIdxDataset(files: IdxFiles, opts: IdxLoadOptions): Promise<LabeledImage[]> {
  const images = await readIdx(files.images);
  const labels = await readIdx(files.labels);
  if (images.dims.length !== 3) throw new PrintshotError('bad-dataset', `${files.images}: expected N×H×W images, got ${images.dims.join('×')}`);
  if (labels.dims.length !== 1) throw new PrintshotError('bad-dataset', `${files.labels}: expected a vector of labels, got ${labels.dims.join('×')}`);
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) throw new PrintshotError('bad-dataset', `${files.images} has ${n} images but ${files.labels} has ${labels.dims[0]} labels`);
  if (h !== opts.height || w !== opts.width) {
    throw new PrintshotError('bad-dataset', `${files.images}: images are ${w}×${h}, the model expects ${opts.width}×${opts.height}`);
  }
  const digits = String(n - 1).length;
  const items: LabeledImage[] = [];
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (label >= opts.numClasses) {
      throw new PrintshotError('bad-dataset', `${files.labels}: label ${label} at index ${i}, but the model has ${opts.numClasses} classes`);
    }
    const gray = makeImage8(w, h, 1, images.data.slice(i * h * w, (i + 1) * h * w));
    items.push({ image: toChannels(gray, opts.channels), label, relPath: `${files.split}/${String(i).padStart(digits, '0')}.png` });
  }
  return items;
}
