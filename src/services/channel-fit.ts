/**
 * `printshot channel fit`: fits a channel profile (src/calibration/channel-fit.ts) from every
 * accepted photo in the experiment's capture log, and writes it (default EXP/channel/profile.json).
 *
 * For each accepted photo: its page → photo homography from captures/captures.json, the original
 * photo (never modified), every cell of its sheet sampled at the digital pixel centres beside the
 * digital cell image the layout names (checked against the recorded sha256), the calibration
 * strip's patch means, and the JPEG quality from the file's quantisation tables.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHANNEL_PROFILE_FILE,
  CHANNEL_PROFILE_VERSION,
  ChannelProfileSchema,
  estimateJpegQuality,
  fitChannel,
  measurePatches,
  sampleCell,
  type CellPair,
  type ChannelProfile,
  type PatchMeasurement,
} from '../calibration';
import { decodeImage } from '../images';
import { CAPTURES_LOG, readCapturesLog } from '../registration/node/captures-log';
import { readSheetLayouts } from '../sheets/node/layout-file';
import type { SheetLayout } from '../sheets/types';
import { PrintshotError, throwIfAborted, type Image8 } from '../shared';
import { packageRoot } from '../shared/node/paths';
import { atomicWriteJson, openExperiment, resolveInExperiment, sha256 } from '../workspace';

export interface ChannelFitOptions {
  experiment: string;
  /** Where to write the profile (default EXP/channel/profile.json). */
  out?: string;
  /** Fit from at most this many accepted photos, spread evenly over the log (the demo: a few of its 135). */
  maxPhotos?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ChannelFitResult {
  file: string;
  profile: ChannelProfile;
}

async function layouts(dir: string, experimentId: string): Promise<Map<string, SheetLayout>> {
  const names = (await readdir(join(dir, 'sheets')).catch(() => [] as string[])).filter((n) => n.endsWith('.layout.json') && !n.startsWith('.'));
  const out = new Map<string, SheetLayout>();
  for (const n of names) for (const l of await readSheetLayouts(join(dir, 'sheets', n))) if (l.experimentId === experimentId) out.set(l.sheetId, l);
  return out;
}

async function printshotVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function runChannelFit(opts: ChannelFitOptions): Promise<ChannelFitResult> {
  const dir = opts.experiment;
  const exp = await openExperiment(dir);
  const log = await readCapturesLog(resolveInExperiment(dir, CAPTURES_LOG), exp.id);
  const all = log.photos.filter((p) => p.status === 'accepted' && p.homography && p.sheetId && p.original);
  const keep = opts.maxPhotos && opts.maxPhotos < all.length ? opts.maxPhotos : all.length;
  const accepted = Array.from({ length: keep }, (_, i) => all[Math.floor((i * all.length) / keep)]);
  if (!accepted.length) {
    throw new PrintshotError('bad-argument', `${dir}: no accepted photo in ${CAPTURES_LOG} to fit a channel from`, `register photos first: printshot register --experiment ${dir} --photos PHOTOS/`);
  }
  const sheets = await layouts(dir, exp.id);
  const digital = new Map<string, Image8>();
  const cells: CellPair[] = [];
  const patches: PatchMeasurement[] = [];
  const qualities: number[] = [];
  for (const [k, entry] of accepted.entries()) {
    throwIfAborted(opts.signal);
    const layout = sheets.get(entry.sheetId!);
    if (!layout) throw new PrintshotError('bad-experiment', `${dir}: photo ${entry.id} shows sheet ${entry.sheetId}, which has no layout in sheets/`);
    const bytes = await readFile(resolveInExperiment(dir, entry.original!));
    const q = estimateJpegQuality(bytes);
    if (q !== null) qualities.push(q);
    const photo = await decodeImage(bytes, {}, entry.original!);
    for (const cell of layout.cells) {
      let img = digital.get(cell.file);
      if (!img) {
        const raw = await readFile(resolveInExperiment(dir, cell.file));
        if (cell.sha256 && sha256(raw) !== cell.sha256) {
          throw new PrintshotError('bad-experiment', `${cell.file} changed since sheet ${layout.sheetId} was laid out (sha256 differs)`, 'fit from photos of sheets printed from the current images');
        }
        img = await decodeImage(raw, {}, cell.file);
        digital.set(cell.file, img);
      }
      cells.push({ digital: img, photo: sampleCell(photo, entry.homography!, cell) });
    }
    if (layout.calibration?.length) patches.push(...measurePatches(photo, entry.homography!, layout.calibration));
    opts.onProgress?.(k + 1, accepted.length);
  }
  const fit = fitChannel({ cells, patches, jpegQuality: qualities.length ? Math.round(qualities.reduce((a, b) => a + b, 0) / qualities.length) : null });
  const profile = ChannelProfileSchema.parse({
    schemaVersion: CHANNEL_PROFILE_VERSION,
    ...fit,
    provenance: {
      experimentId: exp.id,
      photos: accepted.map((p) => p.id),
      cells: cells.length,
      patches: patches.length,
      fittedAt: new Date().toISOString(),
      printshotVersion: await printshotVersion(),
    },
  });
  const file = opts.out ?? resolveInExperiment(dir, CHANNEL_PROFILE_FILE);
  await atomicWriteJson(file, profile);
  return { file, profile };
}

/** Reads and validates a profile file (for `simulate --channel`, EOT and the comparison). */
export async function readChannelProfile(file: string): Promise<ChannelProfile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new PrintshotError('io', `${file}: cannot read a channel profile (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'fit one with: printshot channel fit --experiment DIR');
  }
  const parsed = ChannelProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PrintshotError('bad-argument', `${file}: not a channel profile v${CHANNEL_PROFILE_VERSION} (${issue.path.join('.') || 'root'}: ${issue.message})`, 'fit one with: printshot channel fit --experiment DIR');
  }
  return parsed.data;
}
