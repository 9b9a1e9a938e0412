/**
 * Pulling a zoo model into the data folder so loadClassifier can open it:
 *
 *   <data dir>/models/<name>/model.json, weight shards   as published
 *                            labels.txt                  the label file
 *                            model-card.json             written from the catalogue entry
 *                            zoo-lock.json               url, size and sha256 of every file
 *
 * model-card.json and zoo-lock.json are written last (atomically), so their presence means the
 * pull completed. A pull that stopped midway resumes: finished files are kept (re-verified
 * against their pinned or catalogue sha256 when one is known) and .part files continue.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PrintshotError } from '../shared';
import { atomicWriteJson, sha256File } from '../workspace/atomic';
import { RelPath } from '../workspace/schema';
import { findZooEntry, ZOO, type ZooEntry } from './catalogue';
import { downloadFile, type DownloadProgress } from './download';
import { dataDir as defaultDataDir, mirrorUrl, zooModelDir } from './paths';

export const LOCK_FILE = 'zoo-lock.json';
export const CARD_FILE = 'model-card.json';
export const LABELS_FILE = 'labels.txt';

const LockSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  modelUrl: z.string(),
  pulledAt: z.string(),
  files: z.array(z.object({
    path: z.string(),
    url: z.string(),
    bytes: z.number().int().nonnegative(),
    sha256: z.string(),
    /** 'catalogue': matched the catalogue's hash; 'pinned': first download, hash recorded then. */
    verifiedBy: z.enum(['catalogue', 'pinned']),
  })),
});
export type ZooLock = z.infer<typeof LockSchema>;

export interface ZooOptions {
  /** Data folder (defaults to dataDir()). */
  dataDir?: string;
  /** Mirror base URL (defaults to $PRINTSHOT_ZOO_BASE_URL), see mirrorUrl. */
  baseUrl?: string;
  /** Catalogue to look names up in (tests pass their own). */
  catalogue?: readonly ZooEntry[];
}

export interface PullProgress extends DownloadProgress {
  /** 1-based index of the file being fetched, and how many there are once model.json is read. */
  index: number;
  files: number | null;
}

export interface PullOptions extends ZooOptions {
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
  /** Download every file again even if present and verified. */
  force?: boolean;
}

export interface PullResult {
  entry: ZooEntry;
  dir: string;
  lock: ZooLock;
  /** True when everything was already there and verified: nothing was downloaded. */
  upToDate: boolean;
}

export type ZooState = 'downloaded' | 'partial' | 'absent';

export interface ZooStatus {
  entry: ZooEntry;
  dir: string;
  state: ZooState;
  lock?: ZooLock;
}

export async function pullModel(nameOrEntry: string | ZooEntry, opts: PullOptions = {}): Promise<PullResult> {
  const entry = typeof nameOrEntry === 'string' ? findZooEntry(nameOrEntry, opts.catalogue ?? ZOO) : nameOrEntry;
  const dir = zooModelDir(entry.name, opts.dataDir ?? defaultDataDir());
  const old = await readLock(dir);
  if (old && !opts.force && (await exists(join(dir, CARD_FILE))) && (await verifyLock(dir, old))) {
    return { entry, dir, lock: old, upToDate: true };
  }
  const pinned = new Map((old?.files ?? []).map((f) => [f.path, f.sha256]));
  const files: ZooLock['files'] = [];
  let index = 0;
  let count: number | null = null;
  const fetchOne = async (path: string, url: string): Promise<void> => {
    index++;
    const known = entry.sha256?.[path] ?? null;
    const expected = known ?? pinned.get(path) ?? null;
    const dest = join(dir, ...path.split('/'));
    let sha: string | undefined;
    let bytes = 0;
    // Keep a finished file from an interrupted pull: it was renamed from .part only when
    // complete; with a known hash it must also still match it.
    if (!opts.force && (await exists(dest))) {
      const onDisk = await sha256File(dest);
      if (!expected || onDisk === expected) {
        sha = onDisk;
        bytes = (await stat(dest)).size;
      }
    }
    if (sha === undefined) {
      const at = index;
      const r = await downloadFile(url, dest, {
        sha256: expected,
        signal: opts.signal,
        retries: opts.retries,
        retryDelayMs: opts.retryDelayMs,
        onProgress: (p) => opts.onProgress?.({ ...p, index: at, files: count }),
      });
      sha = r.sha256;
      bytes = r.bytes;
    }
    files.push({ path, url, bytes, sha256: sha, verifiedBy: known ? 'catalogue' : 'pinned' });
  };

  const modelUrl = mirrorUrl(entry.modelUrl, opts.baseUrl);
  await fetchOne('model.json', modelUrl);
  const shards = shardPaths(await readFile(join(dir, 'model.json'), 'utf8'), entry.name);
  count = shards.length + 2;
  const u = new URL(modelUrl);
  for (const shard of shards) {
    // Like tfjs's http loader: shards sit beside model.json and share its query string.
    await fetchOne(shard, `${new URL(shard, `${u.origin}${u.pathname}`).href}${u.search}`);
  }
  await fetchOne(LABELS_FILE, mirrorUrl(entry.labelsUrl, opts.baseUrl));

  const labels = (await readFile(join(dir, LABELS_FILE), 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0).slice(entry.labelsSkip);
  if (labels.length !== entry.classes) {
    throw new PrintshotError('bad-model', `${entry.name}: the label file has ${labels.length} labels after skipping ${entry.labelsSkip}, expected ${entry.classes}`);
  }
  await atomicWriteJson(join(dir, CARD_FILE), cardFor(entry, labels));
  const lock: ZooLock = { schemaVersion: 1, name: entry.name, modelUrl: entry.modelUrl, pulledAt: new Date().toISOString(), files };
  await atomicWriteJson(join(dir, LOCK_FILE), lock);
  return { entry, dir, lock, upToDate: false };
}

/** The model-card.json of a zoo model (see docs/model-card.md). */
export function cardFor(entry: ZooEntry, labels: string[]) {
  return {
    schemaVersion: 1,
    name: entry.name,
    description: entry.description,
    labels,
    input: entry.input,
    range: entry.range,
    ...(entry.mean ? { mean: entry.mean } : {}),
    ...(entry.std ? { std: entry.std } : {}),
    outputs: entry.outputs,
    provenance: {
      zoo: entry.name,
      modelUrl: entry.modelUrl,
      labelsUrl: entry.labelsUrl,
      labelOffset: entry.labelOffset,
      ...(entry.networkRange ? { networkRange: entry.networkRange } : {}),
      ...(entry.top1 !== undefined ? { publishedTop1: entry.top1 } : {}),
      paper: entry.paper,
      license: entry.license,
    },
  };
}

/** Weight shard paths listed in a model.json, checked to stay inside the model folder. */
function shardPaths(text: string, name: string): string[] {
  let json: { weightsManifest?: { paths?: unknown }[] };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PrintshotError('bad-model', `${name}: downloaded model.json is not JSON (${(e as Error).message})`);
  }
  const paths = (json.weightsManifest ?? []).flatMap((g) => (Array.isArray(g.paths) ? g.paths : []));
  for (const p of paths) {
    if (typeof p !== 'string' || !RelPath.safeParse(p).success || [LABELS_FILE, CARD_FILE, LOCK_FILE, 'model.json'].includes(p)) {
      throw new PrintshotError('bad-model', `${name}: model.json lists an unsafe weight path ${JSON.stringify(p)}`);
    }
  }
  if (paths.length === 0) throw new PrintshotError('bad-model', `${name}: model.json lists no weight files`);
  return [...new Set(paths as string[])];
}

async function readLock(dir: string): Promise<ZooLock | undefined> {
  try {
    return LockSchema.parse(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')));
  } catch {
    return undefined; // missing or damaged: treated as not pulled
  }
}

/** Whether every locked file is present with its pinned sha256. */
async function verifyLock(dir: string, lock: ZooLock): Promise<boolean> {
  for (const f of lock.files) {
    const path = join(dir, ...f.path.split('/'));
    if (!(await exists(path)) || (await sha256File(path)) !== f.sha256) return false;
  }
  return true;
}

/** Catalogue entries with their download state (cheap: no hashing). */
export async function listZoo(opts: ZooOptions = {}): Promise<ZooStatus[]> {
  return Promise.all((opts.catalogue ?? ZOO).map((e) => zooStatus(e, opts)));
}

export async function zooStatus(nameOrEntry: string | ZooEntry, opts: ZooOptions = {}): Promise<ZooStatus> {
  const entry = typeof nameOrEntry === 'string' ? findZooEntry(nameOrEntry, opts.catalogue ?? ZOO) : nameOrEntry;
  const dir = zooModelDir(entry.name, opts.dataDir ?? defaultDataDir());
  const lock = await readLock(dir);
  const state: ZooState = lock && (await exists(join(dir, CARD_FILE))) ? 'downloaded' : (await exists(dir)) ? 'partial' : 'absent';
  return { entry, dir, state, ...(lock ? { lock } : {}) };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
