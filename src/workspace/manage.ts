/**
 * Managing whole experiment folders: list, rename, duplicate, archive to one .zip and open such
 * an archive again (on any OS: every path inside is relative with '/').
 *
 * Folder-creating operations (duplicate, unarchive) build the new experiment in a hidden temp
 * folder beside the destination and rename it into place only when it is complete and verified,
 * so an interrupted copy never leaves a half experiment at the destination.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { PrintshotError } from '../shared';
import { ARCHIVE_INDEX, checkExperiment, listFiles, type CheckReport } from './check';
import { EXPERIMENT_DIRS } from './experiment';
import { migrateExperimentJson } from './migrate';
import { EXPERIMENT_FILE, formatIssues, resolveInExperiment, updateExperiment, writeExperiment } from './store';
import { readRunShard } from './shard-run';
import { ExperimentSchema, RelPath, type Experiment } from './schema';
import { extractEntry, readEntryText, readZipEntries, ZipWriter } from './zipfile';

export interface ExperimentSummary {
  dir: string;
  /** False when experiment.json exists but cannot be used; `error` says why. */
  ok: boolean;
  error?: string;
  id?: string;
  name?: string;
  createdAt?: string;
  model?: string;
  images?: number;
  /** complete: whole runs done; unmergedShards: finished shard runs, complete only once merged (shard-run.ts). */
  runs?: { total: number; complete: number; incomplete: number; unmergedShards: number };
}

/** Reads experiment.json, migrating older versions in memory (never writes). */
async function readMigrated(dir: string): Promise<Experiment> {
  const path = join(dir, EXPERIMENT_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new PrintshotError('bad-experiment', `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `corrupt (${(e as Error).message})`}`);
  }
  const parsed = ExperimentSchema.safeParse(migrateExperimentJson(json, path).json);
  if (!parsed.success) throw new PrintshotError('bad-experiment', `${path}: invalid (${formatIssues(parsed.error)})`);
  return parsed.data;
}

/**
 * Experiments in `root` (the folder itself if it is one, else its subfolders down to `depth`
 * levels), sorted by folder. Broken experiments are listed with ok=false rather than thrown.
 */
export async function listExperiments(root: string, depth = 2): Promise<ExperimentSummary[]> {
  const out: ExperimentSummary[] = [];
  const visit = async (dir: string, level: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.isFile() && e.name === EXPERIMENT_FILE)) {
      out.push(await summarize(dir));
      return; // an experiment's subfolders are its own data, not more experiments
    }
    if (level >= depth) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await visit(join(dir, e.name), level + 1);
    }
  };
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) throw new PrintshotError('bad-argument', `${root}: not a folder`);
  await visit(root, 0);
  return out.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

async function summarize(dir: string): Promise<ExperimentSummary> {
  try {
    const exp = await readMigrated(dir);
    const done = exp.runs.filter((r) => r.status === 'complete');
    const shards = (await Promise.all(done.map((r) => readRunShard(dir, r)))).filter(Boolean).length;
    const complete = done.length - shards;
    return {
      dir, ok: true, id: exp.id, name: exp.name, createdAt: exp.createdAt, model: exp.model.name, images: exp.images.count,
      runs: { total: exp.runs.length, complete, incomplete: exp.runs.length - done.length, unmergedShards: shards },
    };
  } catch (e) {
    return { dir, ok: false, error: (e as Error).message };
  }
}

/** A folder name from a display name: keeps letters, digits, space, '.', '_' and '-'. */
export function folderNameFor(name: string): string {
  const safe = name.normalize('NFC').replace(/[^\p{L}\p{N} ._-]+/gu, '-').replace(/^[.\s-]+|[.\s-]+$/g, '').slice(0, 100);
  if (!safe) throw new PrintshotError('bad-argument', `'${name}' cannot be used as a folder name`);
  return safe;
}

/**
 * Sets the experiment's display name; with `folder`, also renames its folder to
 * folderNameFor(name) in the same parent. Returns the (possibly new) folder.
 */
export async function renameExperiment(dir: string, name: string, opts: { folder?: boolean } = {}): Promise<{ dir: string; experiment: Experiment }> {
  const trimmed = name.trim();
  if (!trimmed) throw new PrintshotError('bad-argument', 'the new name is empty');
  let target = dir;
  if (opts.folder) {
    target = join(dirname(resolve(dir)), folderNameFor(trimmed));
    // Check first so a taken folder name fails before anything changes.
    if (target !== resolve(dir) && (await exists(target))) throw new PrintshotError('bad-argument', `${target} already exists`);
  }
  const { exp } = await updateExperiment(dir, (e) => {
    e.name = trimmed;
  });
  if (target !== dir && target !== resolve(dir)) {
    await rename(dir, target).catch((e: Error) => {
      throw new PrintshotError('io', `cannot rename ${dir} to ${target} (${e.message}); the name was changed, the folder was not`);
    });
  }
  return { dir: target, experiment: exp };
}

/**
 * Copies an experiment to `dest` (which must not exist) with a new id and name. Runs, images and
 * results are copied as they are, including interrupted runs; stray temp files are not.
 */
export async function duplicateExperiment(src: string, dest: string, opts: { name?: string } = {}): Promise<Experiment> {
  const exp = await readMigrated(src);
  await refuseExisting(dest);
  return intoPlace(dest, async (tmp) => {
    const { files } = await listFiles(src);
    for (const sub of EXPERIMENT_DIRS) await mkdir(join(tmp, sub), { recursive: true });
    for (const rel of files) {
      if (rel === EXPERIMENT_FILE) continue;
      const to = resolveInExperiment(tmp, rel);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(resolveInExperiment(src, rel), to);
    }
    const copy: Experiment = { ...exp, id: randomUUID(), name: opts.name?.trim() || `${exp.name} (copy)`, createdAt: new Date().toISOString() };
    await writeExperiment(tmp, copy); // last: the folder is an experiment only once complete
    return copy;
  });
}

const ArchiveIndexSchema = z.object({
  format: z.literal('printshot-experiment-archive'),
  version: z.literal(1),
  experiment: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.string(),
  files: z.array(z.object({ path: RelPath, size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});
export type ArchiveIndex = z.infer<typeof ArchiveIndexSchema>;

/** Files that compress (JSON, text); images are stored as they are. */
const DEFLATE = /\.(json|csv|txt|html|md|log|svg)$/i;

/**
 * Archives the whole experiment (every file but stray temp files) into `zipPath` under one top
 * folder named like the experiment folder, plus an index with every file's size and sha256.
 * The zip is written to a temp file and renamed into place, so it is never seen half written.
 */
export async function archiveExperiment(dir: string, zipPath: string, opts: { overwrite?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<ArchiveIndex> {
  const exp = await readMigrated(dir);
  const root = resolve(dir);
  if (resolve(zipPath).startsWith(root + sep)) throw new PrintshotError('bad-argument', `${zipPath}: the archive cannot be inside the experiment it archives`);
  if (!opts.overwrite && (await exists(zipPath))) throw new PrintshotError('bad-argument', `${zipPath} already exists`);
  const top = basename(root);
  const files = [...(await listFiles(dir)).files].sort();
  const index: ArchiveIndex = { format: 'printshot-experiment-archive', version: 1, experiment: { id: exp.id, name: exp.name }, createdAt: new Date().toISOString(), files: [] };
  const zip = await ZipWriter.create(zipPath);
  try {
    for (const [i, rel] of files.entries()) {
      const written = await zip.addFile(`${top}/${rel}`, resolveInExperiment(dir, rel), DEFLATE.test(rel));
      index.files.push({ path: rel, ...written });
      opts.onProgress?.(i + 1, files.length);
    }
    await zip.addBytes(`${top}/${ARCHIVE_INDEX}`, new TextEncoder().encode(`${JSON.stringify(index, null, 2)}\n`), true);
    await zip.close();
  } catch (e) {
    await zip.abort();
    throw e;
  }
  return index;
}

/**
 * Opens an archive made by archiveExperiment into `dest` (must not exist, or be an empty folder):
 * every file's size and sha256 is checked against the archive index, then the experiment is
 * checked (checkExperiment) before it is moved into place. Any mismatch leaves nothing behind.
 */
export async function unarchiveExperiment(zipPath: string, dest: string, opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<{ experiment: Experiment; report: CheckReport }> {
  const entries = await readZipEntries(zipPath);
  const indexes = entries.filter((e) => e.name === ARCHIVE_INDEX || e.name.endsWith(`/${ARCHIVE_INDEX}`));
  if (indexes.length !== 1) throw new PrintshotError('bad-experiment', `${zipPath}: not a Printshot experiment archive (no ${ARCHIVE_INDEX})`);
  const prefix = indexes[0].name.slice(0, -ARCHIVE_INDEX.length);
  if (prefix !== '' && !RelPath.safeParse(prefix.slice(0, -1)).success) throw new PrintshotError('bad-experiment', `${zipPath}: unsafe folder name '${prefix}'`);
  await refuseExisting(dest, true);
  return intoPlace(dest, async (tmp) => {
    const text = await readEntryText(zipPath, indexes[0], join(tmp, ARCHIVE_INDEX));
    let index: ArchiveIndex;
    try {
      index = ArchiveIndexSchema.parse(JSON.parse(text));
    } catch (e) {
      throw new PrintshotError('bad-experiment', `${zipPath}: damaged archive index (${e instanceof z.ZodError ? formatIssues(e) : (e as Error).message})`);
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const [i, f] of index.files.entries()) {
      // RelPath (validated above) rules out '..', absolute paths and backslashes: no zip-slip.
      const entry = byName.get(prefix + f.path);
      if (!entry) throw new PrintshotError('bad-experiment', `${zipPath}: ${f.path} is listed in the index but missing from the archive`);
      const target = resolveInExperiment(tmp, f.path);
      await mkdir(dirname(target), { recursive: true });
      const got = await extractEntry(zipPath, entry, target);
      if (got.size !== f.size || got.sha256 !== f.sha256) throw new PrintshotError('bad-experiment', `${zipPath}: ${f.path} is damaged (sha256 or size differs from the archive index)`);
      opts.onProgress?.(i + 1, index.files.length);
    }
    for (const sub of EXPERIMENT_DIRS) await mkdir(join(tmp, sub), { recursive: true });
    const report = await checkExperiment(tmp);
    if (!report.ok) {
      const first = report.problems.filter((p) => p.severity === 'error').slice(0, 3).map((p) => `${p.path ?? ''} ${p.message}`.trim());
      throw new PrintshotError('bad-experiment', `${zipPath}: the archived experiment fails its check: ${first.join('; ')}`);
    }
    return { experiment: await readMigrated(tmp), report: { ...report, dir: dest } };
  });
}

/** Builds a folder at a hidden temp path beside `dest`, then renames it to `dest`. */
async function intoPlace<T>(dest: string, build: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = join(dirname(resolve(dest)), `.${basename(resolve(dest))}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  try {
    const result = await build(tmp);
    await rmdir(dest).catch(() => undefined); // an empty destination folder is allowed
    await rename(tmp, dest);
    return result;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function refuseExisting(dest: string, allowEmptyDir = false): Promise<void> {
  const names = await readdir(dest).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : ['?']));
  if (names === undefined || (allowEmptyDir && names.length === 0)) return;
  throw new PrintshotError('bad-argument', `${dest} already exists${allowEmptyDir ? ' and is not empty' : ''}`, 'choose a new folder');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
