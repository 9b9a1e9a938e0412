/** Reading and writing captures/captures.json on disk; the schema and counts are pure (../captures-log.ts). */
import { readFile } from 'node:fs/promises';
import { PrintshotError } from '../../shared';
import { atomicWriteJson } from '../../shared/node/atomic';
import { CapturesLogSchema, countCaptures, type CapturesLog } from '../captures-log';

export * from '../captures-log';

/** Reads the log; a missing file is an empty log, a corrupt one an error (never overwritten). */
export async function readCapturesLog(path: string, experimentId: string): Promise<CapturesLog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 1, experimentId, counts: countCaptures([]), photos: [] };
    throw new PrintshotError('io', `${path}: cannot read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PrintshotError('bad-experiment', `${path}: corrupt, not valid JSON (${(e as Error).message})`, 'move it aside to start a new log');
  }
  const parsed = CapturesLogSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new PrintshotError('bad-experiment', `${path}: invalid captures log (${i.path.join('.') || '(root)'}: ${i.message})`);
  }
  if (parsed.data.experimentId !== experimentId) {
    throw new PrintshotError('bad-experiment', `${path}: belongs to experiment ${parsed.data.experimentId}, not ${experimentId}`);
  }
  return parsed.data;
}

export async function writeCapturesLog(path: string, log: CapturesLog): Promise<void> {
  const out: CapturesLog = { ...log, counts: countCaptures(log.photos) };
  CapturesLogSchema.parse(out); // a bug must not leave a log the next run rejects
  await atomicWriteJson(path, out);
}
