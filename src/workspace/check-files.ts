/**
 * The file listing `printshot check` (and the archiver, manage.ts) works from. Symbolic links are
 * judged by their real path (src/shared/node/confine.ts): a link to a file inside the experiment
 * counts as that file, a link leading outside it is reported as such (never read), and a link to
 * nothing is a broken link, not a silently "missing" file.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isPrintshotError, PrintshotError } from '../shared';
import { confine } from '../shared/node/confine';
import { isLockFile } from './lock-file';

/** Files that atomicWrite creates next to its target before renaming them over it. */
export const TEMP_FILE = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;
/** Written inside experiment archives (manage.ts); never part of the experiment itself. */
export const ARCHIVE_INDEX = '.printshot-archive.json';

export interface FileListing {
  /** Regular files, and links to regular files inside the experiment. */
  files: Set<string>;
  temps: string[];
  /** Links whose real path is outside the experiment. */
  escaping: string[];
  /** Links to nothing. */
  broken: string[];
}

/** Every file under `dir` as '/'-separated relative paths, temp files and links sorted out. */
export async function listFiles(dir: string): Promise<FileListing> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new PrintshotError(e.code === 'ENOENT' ? 'bad-experiment' : 'io', `${dir}: ${e.code === 'ENOENT' ? 'not found' : `cannot read (${e.message})`}`);
  });
  const out: FileListing = { files: new Set<string>(), temps: [], escaping: [], broken: [] };
  for (const e of entries) {
    const rel = relative(dir, join(e.parentPath, e.name)).split(sep).join('/');
    if (e.isSymbolicLink()) {
      const kind = await linkKind(dir, rel);
      if (kind === 'file') out.files.add(rel);
      else if (kind === 'escaping') out.escaping.push(rel);
      else if (kind === 'broken') out.broken.push(rel);
      continue;
    }
    if (!e.isFile()) continue;
    if (TEMP_FILE.test(e.name)) out.temps.push(rel);
    // The writer lock (lock.ts) is not experiment content: not checked, copied or archived.
    else if (rel !== ARCHIVE_INDEX && !isLockFile(rel)) out.files.add(rel);
  }
  out.temps.sort();
  out.escaping.sort();
  out.broken.sort();
  return out;
}

async function linkKind(dir: string, rel: string): Promise<'file' | 'escaping' | 'broken' | 'other'> {
  let real: string;
  try {
    real = await confine(dir, rel, { rootName: 'the experiment folder' });
  } catch (e) {
    if (isPrintshotError(e) && e.code === 'forbidden') return 'escaping';
    throw e;
  }
  const s = await stat(real).catch(() => null);
  if (!s) return 'broken';
  return s.isFile() ? 'file' : 'other';
}

/** Whether a process with this id exists on this machine (one probe for the lock, check and run writers). */
export { pidAlive as processAlive } from './lock-file';
