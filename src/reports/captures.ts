/**
 * Reading EXPERIMENT/captures/captures.json, the registration log: one entry per photo, accepted
 * or rejected with a reason, and the rectified crops of accepted photos.
 *
 * The format is the one src/registration/captures-log.ts writes (photos[] with id, source,
 * original, status 'accepted'|'rejected'|'duplicate', reason, message, sheetId/sheetIndex, and
 * crops[] with cell, file, role, pair, relPath, label, run). It is read here with a deliberately
 * tolerant schema rather than that module's strict one: a report must still open an experiment
 * whose log came from an older or newer registration (unknown fields are kept, `accepted:
 * boolean` is understood as well as `status`, a bare array of photos works), and an unreadable
 * log is reported in the capture section instead of failing the whole report.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { sha256, resolveInExperiment } from '../workspace';
import type { Cell, CaptureLog, CapturePhoto } from './types';
import { ratioCell } from './stats';

export const CAPTURES_FILE = 'captures/captures.json';

const CropSchema = z.looseObject({
  relPath: z.string().min(1),
  /** The rectified crop (PNG), relative to the experiment root. */
  file: z.string().min(1).optional(),
  crop: z.string().min(1).optional(),
  cropFile: z.string().min(1).optional(),
  role: z.enum(['clean', 'adversarial', 'image']).optional(),
  /** Run folder of an adversarial cell, e.g. 'adversarial/fgsm-eps16'. */
  run: z.string().optional(),
  /** The true class; −1 for a cell with none (a patch printed alone, src/services/patch-sheet.ts). */
  label: z.number().int().min(-1).optional(),
  pair: z.number().int().optional(),
  cell: z.union([z.number().int(), z.looseObject({ role: z.string().optional(), run: z.string().optional() })]).optional(),
});

const PhotoSchema = z.looseObject({
  id: z.string().optional(),
  /** The photo as given to register, and its byte-identical copy in the experiment. */
  source: z.string().optional(),
  original: z.string().nullish(),
  file: z.string().optional(),
  photo: z.string().optional(),
  path: z.string().optional(),
  accepted: z.boolean().optional(),
  status: z.string().optional(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  reasons: z.array(z.string()).optional(),
  sheetId: z.string().nullish(),
  sheetIndex: z.number().int().nullish(),
  sheet: z.union([z.string(), z.number()]).nullish(),
  crops: z.array(CropSchema).default([]),
});

const CapturesSchema = z.union([
  z.looseObject({ photos: z.array(PhotoSchema) }),
  z.array(PhotoSchema).transform((photos) => ({ photos })),
]);

export interface PhotoCrop {
  photo: string;
  relPath: string;
  role: 'clean' | 'adversarial';
  /** Run folder for adversarial crops. */
  run: string | null;
  file: string;
}

export interface Captures {
  log: CaptureLog;
  /** Crops of accepted photos, in capture order. */
  crops: PhotoCrop[];
  /** sha256 of captures.json, for cache keys; null when absent. */
  hash: string | null;
}

export function emptyCaptureLog(source: string): CaptureLog {
  return { present: false, source, photos: [], accepted: 0, rejected: 0, duplicates: 0, discardRate: ratioCell(0, 0), reasons: [] };
}

export async function readCaptures(dir: string): Promise<Captures> {
  const path = resolveInExperiment(dir, CAPTURES_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { log: emptyCaptureLog(`no photos yet (${CAPTURES_FILE} not found)`), crops: [], hash: null };
  }
  let parsed: z.infer<typeof CapturesSchema>;
  try {
    parsed = CapturesSchema.parse(JSON.parse(text));
  } catch (e) {
    const why = e instanceof z.ZodError ? e.issues.slice(0, 2).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message;
    return { log: emptyCaptureLog(`${CAPTURES_FILE} is unreadable (${why}); photos are not used`), crops: [], hash: sha256(text) };
  }
  const photos: CapturePhoto[] = [];
  const crops: PhotoCrop[] = [];
  parsed.photos.forEach((p, i) => {
    const file = p.source ?? p.original ?? p.file ?? p.photo ?? p.path ?? p.id ?? `photo #${i + 1}`;
    const accepted = p.accepted ?? (p.status !== undefined ? /^(accepted|ok|registered)$/i.test(p.status) : p.crops.length > 0);
    const code = p.reason ?? (p.reasons?.length ? p.reasons.join('; ') : null) ?? (accepted ? null : p.status ?? 'rejected');
    // The reason code groups the log's counts; the message (when present) says what was seen.
    const reason = code && p.message ? `${code}: ${p.message}` : code;
    const sheetNo = p.sheetIndex !== undefined && p.sheetIndex !== null ? `sheet ${p.sheetIndex + 1}` : null;
    const sheet = sheetNo ?? (p.sheet !== undefined && p.sheet !== null ? String(p.sheet) : null) ?? p.sheetId ?? null;
    const status = accepted ? 'accepted' : p.status === 'duplicate' ? 'duplicate' : 'rejected';
    photos.push({ file, sheet, status, reason: accepted ? null : reason, code: accepted ? null : code, crops: accepted ? p.crops.length : 0 });
    if (!accepted) return;
    for (const c of p.crops) {
      const cellInfo = typeof c.cell === 'object' ? c.cell : undefined;
      const role = c.role ?? (cellInfo?.role as PhotoCrop['role'] | undefined);
      const cropFile = c.file ?? c.crop ?? c.cropFile;
      if (!cropFile || (role !== 'clean' && role !== 'adversarial')) continue;
      crops.push({ photo: file, relPath: c.relPath, role, run: c.run ?? cellInfo?.run ?? null, file: cropFile });
    }
  });
  return { log: summarizeLog(photos, CAPTURES_FILE), crops, hash: sha256(text) };
}

export function summarizeLog(photos: CapturePhoto[], source: string): CaptureLog {
  const count = (st: CapturePhoto['status']) => photos.filter((p) => p.status === st).length;
  const byReason = new Map<string, number>();
  for (const p of photos.filter((q) => q.status !== 'accepted')) {
    const k = p.code ?? p.reason ?? p.status;
    byReason.set(k, (byReason.get(k) ?? 0) + 1);
  }
  const accepted = count('accepted');
  const rejected = count('rejected');
  // A duplicate is a repeat shot, not a photo the pipeline failed on: it stays out of the
  // discard rate, which is what the paper's 3–10% measures.
  const discardRate: Cell = ratioCell(rejected, accepted + rejected);
  return {
    present: photos.length > 0,
    source: photos.length ? source : `no photos yet (${source} lists none)`,
    photos,
    accepted,
    rejected,
    duplicates: count('duplicate'),
    discardRate,
    reasons: [...byReason].map(([reason, n]) => ({ reason, count: n })).sort((a, b) => b.count - a.count),
  };
}

/**
 * The photographed pairs of one run: relPath → adversarial crop and, when the same photo also
 * holds the clean cell of that image, the clean crop. The first accepted photo of a pair wins
 * (later re-shots of the same sheet are ignored rather than averaged, so each image counts once).
 */
export function photoPairsForRun(crops: readonly PhotoCrop[], runDir: string): Map<string, { adversarial: string; clean: string | null }> {
  const out = new Map<string, { adversarial: string; clean: string | null }>();
  const cleanByPhoto = new Map<string, string>();
  for (const c of crops) if (c.role === 'clean') cleanByPhoto.set(`${c.photo}\u0000${c.relPath}`, c.file);
  for (const c of crops) {
    if (c.role !== 'adversarial' || !sameRun(c.run, runDir) || out.has(c.relPath)) continue;
    out.set(c.relPath, { adversarial: c.file, clean: cleanByPhoto.get(`${c.photo}\u0000${c.relPath}`) ?? null });
  }
  return out;
}

function sameRun(run: string | null, runDir: string): boolean {
  if (!run) return false;
  const strip = (s: string) => s.replace(/^adversarial\//, '').replace(/\/$/, '');
  return strip(run) === strip(runDir);
}
