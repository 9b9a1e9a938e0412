/**
 * The one place that decides what a folder is by looking at it: a model (model.json), an
 * experiment (experiment.json), an image folder (labels.csv, or class sub-folders holding PNG or
 * JPEG files), loose images (PNG/JPEG directly inside: photos, a single class) or a plain folder.
 * The model loader, the image lister and serve mode's folder browser all ask here, so a folder
 * is never one kind in the browser and another in an error message.
 *
 * Node-only (fs): not exported from src/shared/index.ts, which the renderer also imports.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PrintshotError } from '../errors';
import { wrongKindSuggestion, type ExpectedKind, type FolderKind } from '../folder-kinds';

const IMAGE_FILE = /\.(png|jpe?g)$/i;
/** Class folders looked into before calling a folder of folders plain: enough for any real dataset's first few. */
const SUBFOLDERS_PROBED = 8;

async function entries(dir: string): Promise<Dirent[] | undefined> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
}

const visible = (e: Dirent) => !e.name.startsWith('.');
const isImage = (e: Dirent) => visible(e) && !e.isDirectory() && IMAGE_FILE.test(e.name);

/** What `dir` holds; 'folder' for anything unreadable or unrecognised. */
export async function folderKind(dir: string): Promise<FolderKind> {
  const list = await entries(dir);
  if (!list) return 'folder';
  const has = (name: string) => list.some((e) => e.name === name && !e.isDirectory());
  if (has('model.json')) return 'model';
  if (has('experiment.json')) return 'experiment';
  if (has('labels.csv')) return 'images';
  const subfolders = list.filter((e) => visible(e) && (e.isDirectory() || e.isSymbolicLink())).slice(0, SUBFOLDERS_PROBED);
  for (const sub of subfolders) {
    const inner = await entries(path.join(dir, sub.name));
    if (inner?.some(isImage)) return 'images';
  }
  if (list.some(isImage)) return 'photos';
  return 'folder';
}

/**
 * Rethrows a loader's failure on `dir` as the wrong-kind suggestion when the folder is recognisably
 * another kind (same error code, so callers and the UI treat it as the same failure); otherwise
 * rethrows it untouched.
 */
export async function withKindSuggestion<T>(dir: string, expected: ExpectedKind, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (!(e instanceof PrintshotError)) throw e;
    const s = wrongKindSuggestion(dir, await folderKind(dir), expected);
    if (!s) throw e;
    throw new PrintshotError(e.code, s.message, s.hint);
  }
}
