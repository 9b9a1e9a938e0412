/**
 * Calibration records in an experiment: EXPERIMENT/calibration/<photo id>.json, one per
 * photographed sheet with a calibration strip, written atomically.
 *
 * A photo is named by its capture id, by the path it was registered from, or by its copy under
 * captures/originals/; its page → photo homography then comes from captures/captures.json. A
 * photo that is not in the log is registered on the fly (markers and gates only, no crops, the
 * log is not touched). The original photo is never modified.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { decodeImage } from '../../images';
import { CAPTURES_LOG, readCapturesLog, type CaptureEntry } from '../../registration/node/captures-log';
import { registerImage } from '../../registration';
import { useNodeMarkerReader } from '../../registration/node/marker-reader';
import { readSheetLayouts } from '../../sheets/node/layout-file';
import type { SheetLayout } from '../../sheets/types';
import { PrintshotError } from '../../shared';
import { atomicWriteJson, openExperiment, resolveInExperiment, sha256 } from '../../workspace';
import { fitResponse, measurePatches } from '../measure';
import { CALIBRATION_DIR, type CalibrationRecord, type CalibrationResult } from '../record';

async function sheetLayout(dir: string, experimentId: string, sheetId: string, layoutFile?: string): Promise<SheetLayout> {
  const files = layoutFile ? [layoutFile] : (await readdir(join(dir, 'sheets')).catch(() => [] as string[])).filter((n) => n.endsWith('.layout.json')).map((n) => `sheets/${n}`);
  for (const f of files) {
    const found = (await readSheetLayouts(resolveInExperiment(dir, f))).find((l) => l.sheetId === sheetId && l.experimentId === experimentId);
    if (found) return found;
  }
  throw new PrintshotError('bad-experiment', `${dir}: no layout for sheet ${sheetId} in sheets/`);
}

async function allLayouts(dir: string, experimentId: string): Promise<SheetLayout[]> {
  const names = (await readdir(join(dir, 'sheets')).catch(() => [] as string[])).filter((n) => n.endsWith('.layout.json') && !n.startsWith('.'));
  const out: SheetLayout[] = [];
  for (const n of names) out.push(...(await readSheetLayouts(join(dir, 'sheets', n))).filter((l) => l.experimentId === experimentId));
  return out;
}

function findEntry(dir: string, photos: readonly CaptureEntry[], photo: string): CaptureEntry | undefined {
  const abs = resolve(photo);
  return photos.find((p) => p.id === photo || p.source === abs || p.original === photo || (p.original !== null && resolve(resolveInExperiment(dir, p.original)) === abs));
}

async function write(dir: string, record: CalibrationRecord): Promise<CalibrationResult> {
  const file = `${CALIBRATION_DIR}/${record.photo.id}.json`;
  await atomicWriteJson(resolveInExperiment(dir, file), record);
  return { file, record };
}

/** Measures one photo's calibration strip and stores the record. */
export async function calibratePhoto(dir: string, photo: string): Promise<CalibrationResult> {
  const exp = await openExperiment(dir);
  const log = await readCapturesLog(resolveInExperiment(dir, CAPTURES_LOG), exp.id);
  const entry = findEntry(dir, log.photos, photo);
  if (entry) {
    if (entry.status !== 'accepted' || !entry.homography || !entry.sheetId || !entry.original || !entry.sha256) {
      throw new PrintshotError('bad-argument', `photo ${entry.id} was not accepted by registration (${entry.reason ?? entry.status})`, 'calibrate a photo whose four markers were found');
    }
    return calibrateEntry(dir, exp.id, entry);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(photo);
  } catch (e) {
    throw new PrintshotError('io', `${photo}: not a registered photo of ${dir}, and cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const image = await decodeImage(bytes, {}, basename(photo));
  await useNodeMarkerReader();
  const res = await registerImage(image, exp.id, await allLayouts(dir, exp.id), { crop: false });
  if (res.status !== 'accepted' || !res.layout || !res.homography) {
    throw new PrintshotError('bad-argument', `${photo}: registration failed (${res.reason}: ${res.message ?? ''})`);
  }
  const id = basename(photo, extname(photo)).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'photo';
  return write(dir, record(exp.id, { id, file: resolve(photo), sha256: sha256(bytes) }, res.layout, image, res.homography, 'registered'));
}

async function calibrateEntry(dir: string, experimentId: string, entry: CaptureEntry): Promise<CalibrationResult> {
  const layout = await sheetLayout(dir, experimentId, entry.sheetId!, entry.layoutFile);
  const bytes = await readFile(resolveInExperiment(dir, entry.original!));
  const image = await decodeImage(bytes, {}, entry.original!);
  return write(dir, record(experimentId, { id: entry.id, file: entry.original!, sha256: entry.sha256! }, layout, image, entry.homography!, 'captures-log'));
}

function record(
  experimentId: string,
  photo: CalibrationRecord['photo'],
  layout: SheetLayout,
  image: Awaited<ReturnType<typeof decodeImage>>,
  homography: number[],
  from: CalibrationRecord['homographyFrom'],
): CalibrationRecord {
  if (!layout.calibration?.length) {
    throw new PrintshotError('bad-argument', `sheet ${layout.sheetId} has no calibration strip`, 'print sheets with the calibration strip (the default; not --no-calibration)');
  }
  const patches = measurePatches(image, homography, layout.calibration);
  return { schemaVersion: 1, experimentId, photo, sheetId: layout.sheetId, homographyFrom: from, measuredAt: new Date().toISOString(), patches, fit: fitResponse(patches) };
}

/**
 * Calibrates every accepted photo in the capture log whose sheet has a calibration strip and
 * that has no record yet (or all of them with `redo`). A separate step the register job or the
 * demo can call after registering.
 */
export async function calibrateCaptures(dir: string, opts: { redo?: boolean } = {}): Promise<CalibrationResult[]> {
  const exp = await openExperiment(dir);
  const log = await readCapturesLog(resolveInExperiment(dir, CAPTURES_LOG), exp.id);
  const done = new Set((await readdir(join(dir, CALIBRATION_DIR)).catch(() => [] as string[])).map((n) => n.replace(/\.json$/, '')));
  const out: CalibrationResult[] = [];
  for (const entry of log.photos) {
    if (entry.status !== 'accepted' || !entry.homography || !entry.sheetId || !entry.original || !entry.sha256) continue;
    if (!opts.redo && done.has(entry.id)) continue;
    const layout = await sheetLayout(dir, exp.id, entry.sheetId, entry.layoutFile);
    if (!layout.calibration?.length) continue;
    out.push(await calibrateEntry(dir, exp.id, entry));
  }
  return out;
}
