/**
 * `printshot register`: register photos of printed sheets into an experiment.
 *
 * For each photo (a file, or the PNG/JPEG files of a folder, sorted): hash it, keep a
 * byte-identical copy under captures/originals/, register it against every sheet layout in
 * sheets/*.layout.json, write the rectified cell crops to captures/<id>/cell-<index>.png and
 * append an entry to captures/captures.json. Each step is an atomic write and the log is
 * written last, so a killed run leaves a valid experiment; the next run skips every photo the
 * log already holds (same sha256 from the same path) and carries on.
 *
 * History-dependent gates live here: the same bytes again under another name is a
 * 'duplicate-photo'; a second accepted photo of one sheet is a 'duplicate-sheet' (its crops are
 * not written, so each printed cell is counted once) unless allowRepeatSheets is set
 * or the run records a capture condition (several photos per sheet per condition on purpose).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { decodeImage, writePng } from '../images';
import { compareCodePoints } from '../images/dataset';
import {
  CAPTURES_LOG,
  ORIGINALS_DIR,
  readCapturesLog,
  writeCapturesLog,
  countCaptures,
  type CaptureCounts,
  type CaptureEntry,
} from '../registration/node/captures-log';
import { registerImage, REJECT_REASONS, warpPage, type RejectReason } from '../registration';
import { builtinProtocol, missingConditions, parseProtocol, type CaptureProtocol, type Condition } from '../registration/protocol';
import { useNodeMarkerReader } from '../registration/node/marker-reader';
import { readSheetLayouts } from '../sheets/node/layout-file';
import type { SheetLayout } from '../sheets/types';
import { log, PrintshotError, throwIfAborted, type Image8 } from '../shared';
import { atomicWrite, openExperiment, resolveInExperiment, sha256 } from '../workspace';
import { locatePatchesInEntry } from './patch-locate';

export interface RegisterJobOptions {
  experiment: string;
  /** A photo file, or a folder of photos (PNG/JPEG, not recursive). */
  photos: string;
  maxReprojectionMm?: number;
  /** Accept several photos of one sheet (e.g. a lighting series); default false. */
  allowRepeatSheets?: boolean;
  /** Capture condition recorded on every photo of this run (key=value tags); several photos of one sheet are then accepted. */
  condition?: Condition;
  /** 'kurakin', 'rp2' or a protocol file: its expected conditions are checked against the log. */
  protocol?: string;
  onProgress?: (done: number, total: number, name: string) => void;
  signal?: AbortSignal;
}

export interface RegisterJobResult {
  experimentDir: string;
  log: string;
  /** Entries added by this run. */
  added: CaptureEntry[];
  /** Photos already in the log (resumed run), by path. */
  alreadyRegistered: string[];
  /** Files in the folder that are not PNG/JPEG by name (not registered). */
  ignored: string[];
  /** Counts over the whole log. */
  counts: CaptureCounts;
  layouts: number;
  /** The protocol's conditions no accepted photo carries yet; absent without --protocol. */
  protocol?: { name: string; missing: Condition[] };
}

const PHOTO_EXT = /\.(png|jpe?g)$/i;
/** The rectified sheet's resolution: 840 × 1188 px for A4, enough to see every cell. */
const RECTIFIED_PX_PER_MM = 4;

export async function runRegisterJob(opts: RegisterJobOptions): Promise<RegisterJobResult> {
  const dir = opts.experiment;
  const exp = await openExperiment(dir);
  const layouts = await loadLayouts(dir, exp.id);
  if (layouts.length === 0) {
    throw new PrintshotError('bad-experiment', `${dir}: no sheet layouts in sheets/ (nothing to register against)`, 'make sheets first: npx printshot sheet --experiment DIR');
  }
  const protocol = opts.protocol === undefined ? null : await loadProtocol(opts.protocol);
  // A one-condition template (kurakin) is the condition when none is given.
  const condition = opts.condition ?? (protocol?.conditions.length === 1 ? protocol.conditions[0] : undefined);
  const tagged = { ...opts, condition, protocol: protocol?.name };
  const { files, ignored } = await listPhotos(opts.photos);
  await useNodeMarkerReader();
  const logPath = resolveInExperiment(dir, CAPTURES_LOG);
  const capLog = await readCapturesLog(logPath, exp.id);
  const added: CaptureEntry[] = [];
  const alreadyRegistered: string[] = [];
  for (const [k, file] of files.entries()) {
    throwIfAborted(opts.signal);
    opts.onProgress?.(k, files.length, basename(file));
    const source = resolve(file);
    let bytes: Buffer | undefined;
    try {
      bytes = await readFile(file);
    } catch (e) {
      log.warn(`${file}: cannot read (${(e as Error).message})`);
    }
    const sha = bytes ? sha256(bytes) : null;
    if (capLog.photos.some((p) => p.source === source && p.sha256 === sha && sha !== null)) {
      alreadyRegistered.push(file);
      continue;
    }
    // A photo that could not be read at all is retried on every run: replace its old entry.
    capLog.photos = capLog.photos.filter((p) => !(p.source === source && p.sha256 === null));
    const entry = await registerOne(dir, exp.id, file, source, bytes, sha, capLog.photos, layouts, tagged);
    capLog.photos.push(entry);
    added.push(entry);
    await writeCapturesLog(logPath, capLog);
  }
  opts.onProgress?.(files.length, files.length, '');
  return {
    experimentDir: dir, log: CAPTURES_LOG, added, alreadyRegistered, ignored, counts: countCaptures(capLog.photos), layouts: layouts.length,
    ...(protocol ? { protocol: { name: protocol.name, missing: missingConditions(protocol, capLog.photos) } } : {}),
  };
}

async function loadProtocol(spec: string): Promise<CaptureProtocol> {
  const builtin = builtinProtocol(spec);
  if (builtin) return builtin;
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch (e) {
    throw new PrintshotError('bad-argument', `--protocol ${spec}: not 'kurakin', 'rp2' or a readable file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return parseProtocol(JSON.parse(text), spec);
  } catch (e) {
    if (e instanceof PrintshotError) throw e;
    throw new PrintshotError('bad-argument', `${spec}: protocol file is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * The error for a run in which every photo it looked at was turned away (none accepted, at least
 * one rejected), or null. The CLI prints the table first, then exits non-zero with this line.
 */
export function registerFailure(r: RegisterJobResult): PrintshotError | null {
  const rejected = r.added.filter((p) => p.status === 'rejected');
  if (rejected.length === 0 || r.added.some((p) => p.status === 'accepted')) return null;
  const byReason = new Map<RejectReason, number>();
  for (const p of rejected) if (p.reason) byReason.set(p.reason, (byReason.get(p.reason) ?? 0) + 1);
  const ranked = [...byReason].sort((a, b) => b[1] - a[1]);
  const duplicates = r.added.length - rejected.length;
  return new PrintshotError(
    'bad-dataset',
    `no photo was registered: ${rejected.length} of ${r.added.length} rejected (${ranked.map(([k, n]) => `${k} ${n}`).join(', ')})${duplicates ? `, ${duplicates} duplicate` : ''}`,
    `${ranked.length ? `${ranked[0][0]}: ${REJECT_REASONS[ranked[0][0]]}; ` : ''}every photo's reason is in ${join(r.experimentDir, r.log)}`,
  );
}

interface LoadedLayout {
  layout: SheetLayout;
  file: string;
}

async function loadLayouts(dir: string, experimentId: string): Promise<LoadedLayout[]> {
  const names = await readdir(join(dir, 'sheets')).catch(() => [] as string[]);
  const out: LoadedLayout[] = [];
  for (const name of names.filter((n) => n.endsWith('.layout.json') && !n.startsWith('.')).sort(compareCodePoints)) {
    const file = `sheets/${name}`;
    for (const layout of await readSheetLayouts(resolveInExperiment(dir, file))) {
      // A layout of another experiment in this folder cannot match any marker of ours.
      if (layout.experimentId !== experimentId) log.warn(`${file}: sheet ${layout.sheetId} belongs to experiment ${layout.experimentId}; ignored`);
      else out.push({ layout, file });
    }
  }
  return out;
}

async function listPhotos(path: string): Promise<{ files: string[]; ignored: string[] }> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new PrintshotError('io', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (s.isFile()) return { files: [path], ignored: [] };
  const entries = (await readdir(path, { withFileTypes: true })).filter((e) => !e.name.startsWith('.') && e.isFile());
  const names = entries.map((e) => e.name).sort(compareCodePoints);
  const files = names.filter((n) => PHOTO_EXT.test(n)).map((n) => join(path, n));
  if (files.length === 0) throw new PrintshotError('bad-argument', `${path}: no PNG or JPEG photos found`);
  return { files, ignored: names.filter((n) => !PHOTO_EXT.test(n)) };
}

// Names already used inside captures/ by the job itself.
const RESERVED_IDS = new Set(['originals', 'captures.json']);

/** A folder-safe id from the file name, unique in the log (sha prefix added on a clash). */
function photoId(file: string, sha: string | null, taken: readonly CaptureEntry[]): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'photo';
  const ids = new Set(taken.map((p) => p.id));
  let id = stem;
  if (ids.has(id) || RESERVED_IDS.has(id)) id = `${stem}-${(sha ?? '00000000').slice(0, 8)}`;
  for (let n = 2; ids.has(id); n++) id = `${stem}-${(sha ?? '00000000').slice(0, 8)}-${n}`;
  return id;
}

async function registerOne(
  dir: string,
  experimentId: string,
  file: string,
  source: string,
  bytes: Buffer | undefined,
  sha: string | null,
  previous: readonly CaptureEntry[],
  layouts: readonly LoadedLayout[],
  opts: RegisterJobOptions,
): Promise<CaptureEntry> {
  const id = photoId(file, sha, previous);
  const tags = { ...(opts.condition ? { condition: opts.condition } : {}), ...(opts.protocol ? { protocol: opts.protocol } : {}) };
  const base = { id, source, sha256: sha, markers: 0, otherCodes: 0, crops: [], ...tags, registeredAt: new Date().toISOString() };
  if (!bytes || sha === null) {
    return { ...base, original: null, status: 'rejected', reason: 'unreadable-file', message: 'the file cannot be read' };
  }
  const same = previous.find((p) => p.sha256 === sha);
  if (same) {
    return { ...base, original: same.original, status: 'duplicate', reason: 'duplicate-photo', duplicateOf: same.id, message: `same bytes as ${same.id}` };
  }
  const original = `${ORIGINALS_DIR}/${id}${extname(file).toLowerCase()}`;
  await atomicWrite(resolveInExperiment(dir, original), bytes);
  let image: Image8;
  try {
    image = await decodeImage(bytes, {}, basename(file));
  } catch (e) {
    return { ...base, original, status: 'rejected', reason: 'unreadable-file', message: (e as Error).message };
  }
  const res = await registerImage(image, experimentId, layouts.map((l) => l.layout), { maxReprojectionMm: opts.maxReprojectionMm });
  const layoutFile = res.layout ? layouts.find((l) => l.layout === res.layout)?.file : undefined;
  const entry: CaptureEntry = {
    ...base,
    original,
    width: image.width,
    height: image.height,
    status: res.status,
    reason: res.reason,
    message: res.message,
    sheetId: res.layout?.sheetId,
    sheetIndex: res.layout?.sheetIndex,
    layoutFile,
    markers: res.markers.length,
    otherCodes: res.otherCodes,
    reprojection: res.reprojection,
    homography: res.homography,
    ...(res.markers.length ? { markerQuads: res.markers.map((m) => ({ corner: m.corner, corners: m.corners.map(({ x, y }) => ({ x, y })) })) } : {}),
  };
  if (res.status !== 'accepted') return entry;
  const earlier = previous.find((p) => p.status === 'accepted' && p.sheetId === res.layout!.sheetId);
  // Under a condition, repeat shots of a sheet are the point (several per condition, each its own entry).
  if (earlier && !opts.allowRepeatSheets && !opts.condition) {
    return { ...entry, status: 'duplicate', reason: 'duplicate-sheet', duplicateOf: earlier.id, message: `sheet ${earlier.sheetId} was already registered from ${earlier.id}` };
  }
  // The page seen head-on, for the workbench (the crops are resampled from the photo, not from this).
  entry.rectified = `captures/${id}/sheet.png`;
  await writePng(resolveInExperiment(dir, entry.rectified), warpPage(image, res.homography!, res.layout!.paper, RECTIFIED_PX_PER_MM));
  for (const { cell, image: crop } of res.cells) {
    const cropFile = `captures/${id}/cell-${cell.index}.png`;
    await writePng(resolveInExperiment(dir, cropFile), crop);
    entry.crops.push({ cell: cell.index, file: cropFile, role: cell.role, pair: cell.pair, relPath: cell.relPath, label: cell.label, run: cell.run, source: cell.file, sourceSha256: cell.sha256 });
  }
  // Patch runs' and patch-alone cells: where the patch itself is in the photo (issue 19 §3).
  const patches = await locatePatchesInEntry(dir, entry, res.layout!);
  if (patches.length) entry.patches = patches;
  return entry;
}
