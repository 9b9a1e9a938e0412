/**
 * Image files of a folder that cannot be read (damaged, truncated, not really PNG/JPEG). A
 * folder with some is not rejected on its first bad file: every one is listed, and the error
 * carries the folder's readable images so a caller that asks the user (the workbench's "Load
 * the N good images") can go on with them without decoding the folder again.
 */
import { PrintshotError } from '../shared';
import type { Dataset } from './dataset';

export interface UnreadableImage {
  /** '/'-separated, relative to the folder. */
  relPath: string;
  /** Why it cannot be read, without the path. */
  reason: string;
}

/** File names the one-line message shows; the `unreadable` list holds them all. */
const SHOWN = 20;

export class UnreadableImagesError extends PrintshotError {
  readonly unreadable: UnreadableImage[];
  /** What loading the folder without the unreadable files gives. */
  readonly readable: Dataset;

  constructor(dir: string, unreadable: UnreadableImage[], readable: Dataset) {
    const n = unreadable.length;
    const readableCount = readable.items.length;
    const listed = unreadable.slice(0, SHOWN).map((u) => `${u.relPath} (${u.reason})`).join('; ');
    const more = n > SHOWN ? `; … and ${n - SHOWN} more` : '';
    super(
      'bad-image',
      `${dir}: ${n} of ${n + readableCount} image files cannot be read: ${listed}${more}`,
      readableCount > 0
        ? `replace or remove ${n === 1 ? 'that file' : 'those files'}, or load the ${readableCount} readable image${readableCount === 1 ? '' : 's'} without ${n === 1 ? 'it' : 'them'} (--skip-unreadable; the workbench asks)`
        : 'replace them with PNG or JPEG files',
    );
    this.name = 'UnreadableImagesError';
    this.unreadable = unreadable;
    this.readable = readable;
  }
}

/** The reason part of a per-file error message ('<path>: not a PNG or JPEG image' → 'not a PNG or JPEG image'). */
export function reasonWithoutPath(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
