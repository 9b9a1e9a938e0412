/**
 * `printshot check --repair`: rebuilds only what can be proven right, and says what it cannot.
 *
 *   - stray temp files whose writing process is dead are deleted;
 *   - images.count is re-derived from images.items; an older experiment.json is stored in the
 *     current version;
 *   - a 'running' run whose manifest says it finished, or records every image, is finalised once
 *     all its files verify;
 *   - a missing or changed clean PNG (or a link in its place) is rebuilt from its source image
 *     (images.source + relPath, decoded as the attack did: the card's input size and channels,
 *     the recorded fit) and written only when the rebuilt PNG hashes to the recorded sha256.
 *
 * A changed or missing adversarial PNG is never rewritten and never made to pass: it cannot be
 * rebuilt without the model, so the run stays failing and notRepaired says to drop the run and
 * attack again. Unreferenced files are left alone (they may be the user's).
 */
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readImage8 } from '../images/decode';
import { encodePng } from '../images/encode';
import { summarizeAttack } from '../metrics/attack-summary';
import { confine } from '../shared/node/confine';
import { atomicWrite, atomicWriteJson, sha256 } from './atomic';
import type { Inspection } from './check-types';
import { resolveInExperiment, withExperimentLock, writeExperiment } from './store';
import { SCHEMA_VERSION, type Experiment, type ImageItem } from './schema';

export interface RepairOutcome {
  done: string[];
  /** What repair could not fix, and why. */
  notDone: string[];
}

export async function repair(dir: string, report: Inspection): Promise<RepairOutcome> {
  const done: string[] = [];
  const notDone: string[] = [];
  for (const p of report.problems) {
    if (p.kind === 'stray-temp' && p.repairable && p.path) {
      await unlink(resolveInExperiment(dir, p.path)).catch(() => undefined);
      done.push(`removed stray temp file ${p.path}`);
    }
    if ((p.kind === 'changed-file' || p.kind === 'missing-file' || p.kind === 'symlink-escape') && p.path?.startsWith('adversarial/')) {
      notDone.push(`${p.path}: an adversarial image cannot be rebuilt without rerunning the attack; drop its run (\`npx printshot runs drop\`) and attack again`);
    } else if (p.kind === 'symlink-escape' && p.path && !p.path.startsWith('clean/')) {
      notDone.push(`${p.path}: a link out of the experiment is not followed or removed by repair; replace it with the file itself`);
    }
  }
  const countWrong = report.problems.some((p) => p.kind === 'count-mismatch');
  if (!report.exp || (!report.migrated && !countWrong && report.finalisable.size === 0 && report.badClean.length === 0)) return { done, notDone };
  await withExperimentLock(dir, async () => {
    const exp = report.exp as Experiment;
    for (const file of report.badClean) {
      const item = exp.images.items.find((it) => it.file === file);
      if (!item) continue;
      const why = await restoreClean(dir, exp, item);
      if (why) notDone.push(`${file}: ${why}`);
      else done.push(`restored ${file} from ${sourceOf(exp, item)} (its sha256 matches the recorded one)`);
    }
    if (!report.migrated && !countWrong && report.finalisable.size === 0) return;
    if (report.migrated) done.push(`stored experiment.json as schemaVersion ${SCHEMA_VERSION} (was ${report.schemaVersion})`);
    if (countWrong) {
      done.push(`set images.count to ${exp.images.items.length} (was ${exp.images.count})`);
      exp.images.count = exp.images.items.length;
    }
    for (const [id, manifest] of report.finalisable) {
      const run = exp.runs.find((r) => r.id === id);
      if (!run || !manifest) continue;
      const finishedAt = manifest.finishedAt ?? new Date().toISOString();
      if (manifest.finishedAt === undefined || manifest.summary === undefined) {
        const summary = manifest.summary ?? { ...summarizeAttack(manifest.images), rebuiltBy: 'printshot check --repair' };
        await atomicWriteJson(resolveInExperiment(dir, run.manifest), { ...manifest, finishedAt, summary });
      }
      run.status = 'complete';
      run.completedAt = finishedAt;
      run.counts = { done: manifest.images.length, total: run.counts?.total ?? manifest.images.length };
      for (const k of ['reason', 'stoppedAt', 'writer'] as const) delete run[k];
      done.push(`marked run ${run.dir} complete (${manifest.images.length} images recorded and verified)`);
    }
    await writeExperiment(dir, exp);
  });
  return { done, notDone };
}

/** Where a clean image was read from when the experiment was made. */
export const sourceOf = (exp: Experiment, item: ImageItem): string => join(exp.images.source, ...item.relPath.split('/'));

/** Rebuilds one clean PNG from its source; returns why it could not, or undefined when restored. */
async function restoreClean(dir: string, exp: Experiment, item: ImageItem): Promise<string | undefined> {
  const input = (exp.model.card as { input?: { width?: number; height?: number; channels?: number } }).input;
  if (!input?.width || !input.height || (input.channels !== 1 && input.channels !== 3)) return 'the model card records no input size, so the source cannot be decoded as the attack did';
  const src = sourceOf(exp, item);
  let png: Buffer;
  try {
    png = await encodePng(await readImage8(src, { channels: input.channels, width: input.width, height: input.height, fit: exp.images.fit ?? 'fill' }));
  } catch (e) {
    return `cannot be rebuilt: its source ${src} cannot be read (${(e as Error).message}); rerun the attack from the original images into a new experiment`;
  }
  if (sha256(png) !== item.sha256) return `cannot be rebuilt: its source ${src} no longer gives the recorded image; the experiment's runs were made from another input`;
  const target = resolveInExperiment(dir, item.file);
  // A link in the file's place (possibly leading outside) is replaced by the file, never written through.
  if ((await lstat(target).catch(() => null))?.isSymbolicLink()) await unlink(target);
  await atomicWrite(await confine(dir, item.file, { rootName: 'the experiment folder' }), png);
  return undefined;
}
