/**
 * Loading a labelled image set from a folder, in one of three layouts:
 *
 * - ImageFolder: one sub-folder per class (`Trouser/001.png`). Sub-folders are searched
 *   recursively; the top-level folder name gives the label.
 * - IDX (MNIST-style `t10k-images-idx3-ubyte.gz` + labels): see idx.ts.
 * - labels.csv at the root, header `file,label`: each row names a file (relative path) and its
 *   label, by name or by 0-based index. When present it is authoritative; folders are ignored.
 *
 * A folder or label name matches a model label when it is equal, or equal after writing the
 * characters file names cannot hold ('/', '\', ':') as '-': 'T-shirt-top' ↔ 'T-shirt/top'.
 * - Unlabelled (only when asked, e.g. by `classify`): image files directly in the folder, no
 *   sub-folders; every label is -1.
 *
 * Items come back sorted by relPath in code-point order, so runs are reproducible on any OS.
 * Images are brought to the model's size by `fit` (decode.ts); with the default 'fill', images
 * of another aspect ratio are stretched, and one notice line says how many and how to avoid it.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { log, PrintshotError, type LabeledImage } from '../shared';
import { aspectDiffers, readImage8, type FitMode } from './decode';
import { parseCsv } from './csv';
import { findIdxFiles, loadIdxDataset } from './idx';
import { mapLimit } from './limit';
import { reasonWithoutPath, UnreadableImagesError, type UnreadableImage } from './unreadable';

export interface LoadDatasetOptions {
  channels: 1 | 3;
  width: number;
  height: number;
  maxPixels?: number;
  /** Images decoded at once (sharp decodes on libuv's thread pool). Default 8. */
  concurrency?: number;
  /** Resize mode for images of another aspect ratio (default 'fill': stretch). */
  fit?: FitMode;
  /** Accept a folder of images with no class folders: labels -1, `labelled` false. */
  unlabelled?: boolean;
  /** Leave out files that cannot be decoded (listed in `unreadable`) instead of failing with UnreadableImagesError. */
  skipUnreadable?: boolean;
}

export interface Dataset {
  items: LabeledImage[];
  source: 'imagefolder' | 'labels.csv' | 'idx' | 'unlabelled';
  /** False for an unlabelled folder (every label is -1). */
  labelled: boolean;
  fit: FitMode;
  /** Images whose aspect ratio differs from the model input's, and the first one. */
  aspect: { differing: number; example?: string };
  /** Files left out because they cannot be decoded (only with skipUnreadable; otherwise they fail the load). */
  unreadable: UnreadableImage[];
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** The folder name a label is written as: '/', '\' and ':' become '-'. */
export function labelFolderName(label: string): string {
  return label.replace(/[/\\:]/g, '-');
}

/**
 * Index of the label `name` refers to, or undefined. An exact match wins; otherwise the
 * folder-name form must match exactly one label (two labels sharing a form is an error).
 */
export function matchLabel(name: string, labels: readonly string[]): number | undefined {
  const n = name.normalize('NFC');
  const exact = labels.findIndex((l) => l.normalize('NFC') === n);
  if (exact >= 0) return exact;
  const hits = labels.flatMap((l, i) => (labelFolderName(l.normalize('NFC')) === n ? [i] : []));
  if (hits.length > 1) {
    throw new PrintshotError('bad-dataset', `'${name}' matches several labels: ${hits.map((i) => `'${labels[i]}'`).join(', ')}`);
  }
  return hits[0];
}

export async function loadDataset(dir: string, labels: readonly string[], opts: LoadDatasetOptions): Promise<Dataset> {
  const idx = await findIdxFiles(dir);
  if (idx) {
    const items = await loadIdxDataset(idx, { numClasses: labels.length, height: opts.height, width: opts.width, channels: opts.channels });
    log.info(`${idx.images}: loaded ${items.length} images (idx)`);
    return { items, source: 'idx', labelled: true, fit: opts.fit ?? 'fill', aspect: { differing: 0 }, unreadable: [] };
  }
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'not a folder' : String(code ?? e);
    throw new PrintshotError('bad-dataset', `${dir}: ${why}`);
  }
  const hasCsv = entries.some((e) => e.name === 'labels.csv' && !e.isDirectory());
  const unlabelled = !hasCsv && opts.unlabelled === true && isFlatImageFolder(entries);
  const source = hasCsv ? 'labels.csv' : unlabelled ? 'unlabelled' : 'imagefolder';
  const files = hasCsv ? await listFromCsv(dir, labels)
    : unlabelled ? entries.filter((e) => !e.name.startsWith('.') && IMAGE_EXT.test(e.name)).map((e) => ({ relPath: e.name, label: -1 }))
    : await listFromFolders(dir, labels);
  if (files.length === 0) {
    throw new PrintshotError('bad-dataset', `${dir}: no images found (expected one folder per class, or a labels.csv)`);
  }
  files.sort((a, b) => compareCodePoints(a.relPath, b.relPath));

  const fit = opts.fit ?? 'fill';
  const aspect: Dataset['aspect'] = { differing: 0 };
  let firstPath: string | undefined;
  const unreadable: UnreadableImage[] = [];
  // Every file is tried: one damaged file among thousands is listed with the others, not the only one named.
  const decoded = await mapLimit(files, opts.concurrency ?? 8, async (f): Promise<LabeledImage | null> => {
    const path = join(dir, ...f.relPath.split('/'));
    const image = await readImage8(path, {
      channels: opts.channels,
      width: opts.width,
      height: opts.height,
      maxPixels: opts.maxPixels,
      fit,
      onSourceSize: (w, h) => {
        if (!aspectDiffers(w, h, opts.width, opts.height)) return;
        aspect.differing++;
        // The first in path order, whatever order the decodes finish in.
        if (firstPath === undefined || compareCodePoints(f.relPath, firstPath) < 0) {
          firstPath = f.relPath;
          aspect.example = `${f.relPath} ${w}×${h}`;
        }
      },
    }).catch((e: unknown) => {
      if (!(e instanceof PrintshotError) || (e.code !== 'bad-image' && e.code !== 'io')) throw e;
      unreadable.push({ relPath: f.relPath, reason: reasonWithoutPath(e.message, path) });
      return null;
    });
    return image && { image, label: f.label, relPath: f.relPath };
  });
  const items = decoded.filter((x): x is LabeledImage => x !== null);
  unreadable.sort((a, b) => compareCodePoints(a.relPath, b.relPath));
  if (aspect.differing > 0 && fit === 'fill') {
    const n = aspect.differing;
    log.warn(`${n} image${n === 1 ? ' is' : 's are'} not ${opts.width}×${opts.height}'s aspect ratio (e.g. ${aspect.example}): stretched; use --fit crop|pad`);
  }
  const dataset: Dataset = { items, source, labelled: !unlabelled, fit, aspect, unreadable };
  if (unreadable.length > 0 && (!opts.skipUnreadable || items.length === 0)) {
    throw new UnreadableImagesError(dir, unreadable, dataset);
  }
  if (unreadable.length > 0) log.warn(`${dir}: left out ${unreadable.length} image file(s) that cannot be read: ${unreadable.slice(0, 5).map((u) => u.relPath).join(', ')}${unreadable.length > 5 ? ', …' : ''}`);
  log.info(`${dir}: loaded ${items.length} images (${source}${aspect.differing ? `, ${aspect.differing} fitted by ${fit}` : ''})`);
  return dataset;
}

/** Image files at the top and no visible sub-folder: a folder of unlabelled images. */
function isFlatImageFolder(entries: Dirent[]): boolean {
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  return visible.some((e) => !e.isDirectory() && IMAGE_EXT.test(e.name)) && !visible.some((e) => e.isDirectory() || e.isSymbolicLink());
}

interface FileEntry {
  relPath: string;
  label: number;
}

async function listFromFolders(dir: string, labels: readonly string[]): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  const ignored: string[] = [];
  for (const e of await sortedEntries(dir)) {
    if (e.name.startsWith('.')) continue;
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(join(dir, e.name))));
    if (!isDir) {
      ignored.push(e.name);
      continue;
    }
    const label = matchLabel(e.name, labels);
    if (label === undefined) {
      throw new PrintshotError(
        'bad-dataset',
        `${dir}: folder '${e.name}' does not match any model label; labels are ${formatLabels(labels)}`,
        "name each folder after a label, writing '/', '\\' and ':' as '-' (e.g. 'T-shirt/top' → 'T-shirt-top')",
      );
    }
    for (const rel of await walk(join(dir, e.name), e.name, ignored, new Set())) out.push({ relPath: rel, label });
  }
  if (ignored.length > 0) {
    const shown = ignored.slice(0, 5).join(', ') + (ignored.length > 5 ? `, … (${ignored.length - 5} more)` : '');
    log.warn(`${dir}: ignored ${ignored.length} file(s) that are not PNG/JPEG images in a class folder: ${shown}`);
  }
  return out;
}

/** Image files under `abs` as '/'-joined paths; non-images go to `ignored`. Follows symlinks once. */
async function walk(abs: string, rel: string, ignored: string[], seen: Set<string>): Promise<string[]> {
  const s = await stat(abs);
  const key = `${s.dev}:${s.ino}`;
  if (seen.has(key)) return []; // symlink loop
  seen.add(key);
  const out: string[] = [];
  for (const e of await sortedEntries(abs)) {
    if (e.name.startsWith('.')) continue;
    const childAbs = join(abs, e.name);
    const childRel = `${rel}/${e.name}`;
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(childAbs)));
    if (isDir) out.push(...(await walk(childAbs, childRel, ignored, seen)));
    else if (IMAGE_EXT.test(e.name)) out.push(childRel);
    else ignored.push(childRel);
  }
  return out;
}

async function listFromCsv(dir: string, labels: readonly string[]): Promise<FileEntry[]> {
  const csvPath = join(dir, 'labels.csv');
  const rows = parseCsv(await readFile(csvPath, 'utf8'), csvPath);
  const header = rows.shift();
  if (!header || header.fields.map((f) => f.trim().toLowerCase()).join(',') !== 'file,label') {
    throw new PrintshotError('bad-dataset', `${csvPath}:${header?.line ?? 1}: the first line must be the header 'file,label'`);
  }
  const out: FileEntry[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of rows) {
    const where = `${csvPath}:${line}`;
    if (fields.length !== 2) throw new PrintshotError('bad-dataset', `${where}: expected 2 fields (file,label), found ${fields.length}`);
    const relPath = normalizeRelPath(fields[0].trim(), where);
    const labelText = fields[1].trim();
    const label = matchLabel(labelText, labels) ?? parseIndex(labelText, labels.length);
    if (label === undefined) {
      throw new PrintshotError('bad-dataset', `${where}: unknown label '${labelText}'; use a label name or an index 0..${labels.length - 1}; labels are ${formatLabels(labels)}`);
    }
    if (!IMAGE_EXT.test(relPath)) throw new PrintshotError('bad-dataset', `${where}: '${relPath}' is not a .png, .jpg or .jpeg file`);
    const prev = seen.get(relPath);
    if (prev !== undefined) throw new PrintshotError('bad-dataset', `${where}: '${relPath}' is already listed on line ${prev}`);
    seen.set(relPath, line);
    const s = await stat(join(dir, ...relPath.split('/'))).catch(() => undefined);
    if (!s?.isFile()) throw new PrintshotError('bad-dataset', `${where}: file '${relPath}' not found in ${dir}`);
    out.push({ relPath, label });
  }
  return out;
}

/** '/'-separated, relative, no '..': a labels.csv may not point outside its folder. */
function normalizeRelPath(p: string, where: string): string {
  const parts = p.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (p === '' || /^([a-zA-Z]:)?[/\\]/.test(p) || parts.includes('..') || parts.length === 0) {
    throw new PrintshotError('bad-dataset', `${where}: '${p}' must be a path relative to the dataset folder`);
  }
  return parts.join('/');
}

function parseIndex(text: string, n: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const i = Number(text);
  return i < n ? i : undefined;
}

function formatLabels(labels: readonly string[]): string {
  const max = 30;
  const shown = labels.slice(0, max).map((l) => `'${l}'`).join(', ');
  return labels.length > max ? `${shown}, … (${labels.length} in all)` : shown;
}

/** readdir in code-point order, so warnings and errors are the same on every OS. */
async function sortedEntries(dir: string): Promise<Dirent[]> {
  return (await readdir(dir, { withFileTypes: true })).sort((a, b) => compareCodePoints(a.name, b.name));
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Code-point order, independent of locale; UTF-8 byte order is code-point order. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
