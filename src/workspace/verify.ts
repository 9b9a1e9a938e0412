/**
 * Verified inputs: every reader of an experiment's images (report, evaluate, sheet, robustness,
 * the engine's eval:run and run:images) checks each PNG's sha256 against what experiment.json
 * (clean images) or the run manifest (adversarial images) recorded, so a replaced file is an
 * error naming it, never a silently different result.
 *
 * Two ways in:
 *   - readVerified / readVerifiedImage hash the very bytes they return, so nothing can change
 *     between the check and the use;
 *   - verifyFiles checks a whole set up front (a report whose per-run results are cached never
 *     reads the PNGs, yet must not report on replaced ones). Each file is hashed once per
 *     process: the hash is cached by real path with size, mtime, ctime and inode, so a file
 *     changed later in the same process is hashed again.
 *
 * Paths are confined to the experiment by real path (src/shared/node/confine.ts): a symlink that
 * leads outside the experiment is refused, one inside it is followed.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { isInside, realPath } from '../shared/node/confine';
import { PrintshotError, type Image8 } from '../shared';
import { decodeImage, type ReadImageOptions } from '../images/decode';
import { listImageFiles } from '../images/list';
import { mapLimit } from '../images/limit';
import { sha256, sha256File } from './atomic';
import { readRunManifest } from './runs';
import type { Experiment, RunManifest } from './schema';

/** A file as recorded: relative to the experiment root ('/'-separated), with its sha256. */
export interface RecordedFile {
  file: string;
  sha256: string;
}

export type FileState =
  | { state: 'ok' }
  | { state: 'changed'; actual: string }
  | { state: 'missing' }
  | { state: 'outside' }
  | { state: 'not-file' };

const hashCache = new Map<string, { key: string; sha: string }>();
const SMALL_FILE = 4 << 20;

/** The command that lists every problem, and what --repair can and cannot do about them. */
export function repairHint(dir: string): string {
  return `run \`npx printshot check --experiment ${dir}\` to list every changed file; \`check --repair\` restores clean PNGs from their source images, a changed adversarial PNG needs its run redone (\`npx printshot runs drop\`, then the attack again)`;
}

/** One-line error for a file that does not match its record. */
export function integrityError(dir: string, rec: RecordedFile, found: Exclude<FileState, { state: 'ok' }>, others = 0): PrintshotError {
  const what = rec.file.startsWith('clean/') ? 'clean image' : 'adversarial image';
  const more = others > 0 ? ` (and ${others} more file(s))` : '';
  const why = {
    changed: () => `was modified after it was recorded: sha256 ${(found as { actual: string }).actual.slice(0, 12)}…, recorded ${rec.sha256.slice(0, 12)}…`,
    missing: () => `is missing (recorded sha256 ${rec.sha256.slice(0, 12)}…)`,
    outside: () => 'is a link leading outside the experiment folder',
    'not-file': () => 'is not a regular file',
  }[found.state]();
  // A link out of the experiment is refused like every other confinement escape.
  return new PrintshotError(found.state === 'outside' ? 'forbidden' : 'bad-experiment', `${what} ${rec.file} ${why}${more}`, repairHint(dir));
}

/**
 * The real path of `file` inside the experiment, with its stat, or the reason it cannot be read.
 * `rootReal` (the experiment's real path) saves a realpath per file in batch checks.
 */
async function locate(dir: string, file: string, rootReal?: string): Promise<{ path: string; stat: Stats } | Exclude<FileState, { state: 'ok' } | { state: 'changed' }>> {
  const path = await realPath(join(dir, ...file.split('/')));
  if (!isInside(rootReal ?? (await realPath(dir)), path)) return { state: 'outside' };
  const s = await stat(path).catch(() => null);
  if (!s) return { state: 'missing' };
  return s.isFile() ? { path, stat: s } : { state: 'not-file' };
}

/** Compares one file with its record, hashing it at most once per process while it is unchanged. */
export async function fileState(dir: string, rec: RecordedFile, rootReal?: string): Promise<FileState> {
  const where = await locate(dir, rec.file, rootReal);
  if (!('path' in where)) return where;
  const s = where.stat;
  const key = `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
  let entry = hashCache.get(where.path);
  if (entry?.key !== key) {
    // Small files (every PNG of a 28×28 or 299×299 experiment) in one read: a stream per file costs more than the hash.
    entry = { key, sha: s.size <= SMALL_FILE ? sha256(await readFile(where.path)) : await sha256File(where.path) };
    hashCache.set(where.path, entry);
  }
  return entry.sha === rec.sha256 ? { state: 'ok' } : { state: 'changed', actual: entry.sha };
}

/** The file's bytes, after checking that exactly these bytes are the recorded ones. */
export async function readVerified(dir: string, rec: RecordedFile): Promise<Buffer> {
  const where = await locate(dir, rec.file);
  if (!('path' in where)) throw integrityError(dir, rec, where);
  let bytes: Buffer;
  try {
    bytes = await readFile(where.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw integrityError(dir, rec, { state: 'missing' });
    throw new PrintshotError('io', `${rec.file}: cannot read (${(e as Error).message})`);
  }
  const actual = sha256(bytes);
  if (actual !== rec.sha256) throw integrityError(dir, rec, { state: 'changed', actual });
  return bytes;
}

/** A recorded PNG decoded (and converted as `opts` asks) from its verified bytes. */
export async function readVerifiedImage(dir: string, rec: RecordedFile, opts: ReadImageOptions = {}): Promise<Image8> {
  return decodeImage(await readVerified(dir, rec), opts, rec.file);
}

/** Checks every file (16 at a time); the first that does not match is thrown, naming how many more failed. */
export async function verifyFiles(dir: string, recs: readonly RecordedFile[], onProgress?: (done: number, total: number) => void): Promise<void> {
  let done = 0;
  const root = await realPath(dir);
  const states = await mapLimit(recs, 16, async (rec) => {
    const s = await fileState(dir, rec, root);
    onProgress?.(++done, recs.length);
    return s;
  });
  const bad = states.flatMap((s, i) => (s.state === 'ok' ? [] : [{ rec: recs[i], s }]));
  if (bad.length > 0) throw integrityError(dir, bad[0].rec, bad[0].s as Exclude<FileState, { state: 'ok' }>, bad.length - 1);
}

/**
 * What a reader of these runs depends on: every clean image of the experiment and every
 * adversarial image the manifests record.
 */
export function recordedInputs(exp: Experiment, manifests: readonly RunManifest[]): RecordedFile[] {
  return [
    ...exp.images.items.map((it) => ({ file: it.file, sha256: it.sha256 })),
    ...manifests.flatMap((m) => m.images.map((im) => ({ file: im.file, sha256: im.sha256 }))),
  ];
}

/** verifyFiles over recordedInputs: the check a reader of these runs makes before it trusts anything. */
export async function verifyRunInputs(dir: string, exp: Experiment, manifests: readonly RunManifest[], onProgress?: (done: number, total: number) => void): Promise<void> {
  await verifyFiles(dir, recordedInputs(exp, manifests), onProgress);
}

/** The recorded clean images of `exp`, by relPath (for pairing them with a manifest's rows). */
export function cleanByRelPath(exp: Experiment): Map<string, RecordedFile> {
  return new Map(exp.images.items.map((it) => [it.relPath, { file: it.file, sha256: it.sha256 }]));
}

/**
 * For a reader handed a folder rather than a run (`evaluate --clean EXP/clean --adversarial
 * EXP/adversarial/RUN`): every image under `folder`, which lies in the clean/ or adversarial/
 * tree of the experiment `dir`, must be a file experiment.json or a run manifest records, with
 * its recorded sha256. Other folders (captures/, results/ …) hold no recorded images: not checked.
 */
export async function verifyFolder(dir: string, exp: Experiment, folder: string): Promise<void> {
  const rel = relative(resolve(dir), resolve(folder)).split(sep).join('/');
  if (!/^(clean|adversarial)(\/|$)/.test(rel)) return;
  const inFolder = (file: string) => file === rel || file.startsWith(`${rel}/`);
  const manifests: RunManifest[] = [];
  for (const run of exp.runs.filter((r) => inFolder(r.dir) || rel.startsWith(`${r.dir}/`))) {
    const m = await readRunManifest(dir, run).catch(() => undefined);
    if (m) manifests.push(m);
  }
  const recorded = new Map(recordedInputs(exp, manifests).filter((r) => inFolder(r.file)).map((r) => [r.file, r]));
  const files = (await listImageFiles(folder)).map((f) => `${rel}/${f}`);
  const unknown = files.filter((f) => !recorded.has(f));
  if (unknown.length > 0) {
    throw new PrintshotError(
      'bad-experiment',
      `${unknown[0]}${unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : ''} in ${join(dir, rel)} is not recorded in experiment.json or a run manifest, so it cannot be verified`,
      `${repairHint(dir)}; an unfinished run records its images as it goes`,
    );
  }
  await verifyFiles(dir, files.map((f) => recorded.get(f)!));
}
