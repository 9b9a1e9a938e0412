/**
 * Attack runs inside an experiment. A run owns one folder under adversarial/ and one manifest
 * under runs/. A completed run is never modified: a new run whose natural folder name is taken
 * gets the next free one (fgsm-eps16, fgsm-eps16-2, …), and a completed run refuses writes.
 *
 * Lifecycle (schema.ts RunStatus): startRun → 'running' (writer pid/host recorded) → completeRun,
 * or stopRun 'cancelled' | 'failed' | 'interrupted' with a reason and counts; reopenRun takes a
 * stopped or interrupted run back to 'running' for a resume (src/services/run-resume.ts), removing
 * temp files its killed writer left; dropRun removes an incomplete run. Readers use
 * effectiveStatus / runState, never the stored status: a 'running' run whose writer is gone is
 * 'interrupted'.
 *
 * Every PNG is written atomically, so a file that exists is complete.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PrintshotError, type Image8 } from '../shared';
import { writePng } from '../images/encode';
import { mapLimit } from '../images/limit';
import { atomicWriteJson } from './atomic';
import { processAlive, TEMP_FILE } from './check-files';
import { pngRelPath } from './experiment';
import { formatIssues, readExperiment, resolveInExperiment, updateExperiment, withExperimentLock } from './store';
import { RelPath, RunManifestSchema, type RunManifest, type RunRecord, type RunStatus } from './schema';
import { describeWriter, effectiveStatus, isThisProcess, markWriting, thisWriter, unmarkWriting } from './writer';

export interface StartRunOptions {
  /** Attack name as in the registry ('fgsm', 'bim', 'illc', …); used in folder names. */
  method: string;
  /** eps on the 0..255 scale. */
  eps: number;
  /**
   * The run's first manifest (usually with no images yet). Written atomically before
   * experiment.json lists the run, so a listed run always has a manifest to resume from, however
   * early its job is killed. Without it the caller writes the manifest (writeRunManifest).
   */
  manifest?: (run: RunRecord) => RunManifest;
  /** Images the run will cover, recorded as counts.total. */
  total?: number;
}

/** The natural folder name of a run, e.g. 'fgsm-eps16' or 'bim-eps2.5'. */
export function runDirName(method: string, eps: number): string {
  return `${method}-eps${String(eps)}`;
}

/**
 * Registers a new run (status 'running') and creates its own, fresh adversarial/ folder; with
 * opts.manifest, also its manifest, written before the run is listed.
 */
export async function startRun(dir: string, opts: StartRunOptions): Promise<RunRecord> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(opts.method)) {
    throw new PrintshotError('bad-argument', `method '${opts.method}' cannot be used in a folder name (letters, digits, '-', '_', '.')`);
  }
  if (!Number.isFinite(opts.eps) || opts.eps < 0) throw new PrintshotError('bad-argument', `eps must be a number ≥ 0, got ${opts.eps}`);
  const { result } = await updateExperiment(dir, async (exp) => {
    const base = runDirName(opts.method, opts.eps);
    const taken = new Set(exp.runs.map((r) => r.dir));
    await mkdir(resolveInExperiment(dir, 'adversarial'), { recursive: true });
    for (let k = 1; ; k++) {
      const rel = `adversarial/${k === 1 ? base : `${base}-${k}`}`;
      if (taken.has(rel)) continue;
      try {
        // Non-recursive mkdir fails on an existing folder: a leftover folder (e.g. from a run
        // whose experiment.json update was lost) is never reused either.
        await mkdir(resolveInExperiment(dir, rel));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new PrintshotError('io', `${resolveInExperiment(dir, rel)}: cannot create folder (${(e as Error).message})`);
      }
      const id = randomUUID();
      const run: RunRecord = {
        id,
        method: opts.method,
        eps: opts.eps,
        dir: rel,
        manifest: `runs/${rel.slice('adversarial/'.length)}-${id.slice(0, 8)}.json`,
        createdAt: new Date().toISOString(),
        status: 'running',
        ...(opts.total !== undefined ? { counts: { done: 0, total: opts.total } } : {}),
        writer: thisWriter(),
      };
      if (opts.manifest) {
        // A crash after this write but before experiment.json is written leaves an unlisted
        // manifest (like the leftover folder above): harmless, and never picked up.
        const parsed = checkManifest(run, opts.manifest(run));
        await atomicWriteJson(resolveInExperiment(dir, run.manifest), parsed);
      }
      exp.runs.push(run);
      return run;
    }
  });
  markWriting(result.id);
  return result;
}

/** The adversarial PNG of `relPath` in `run`, relative to the experiment root. */
export function adversarialFile(run: RunRecord, relPath: string): string {
  return `${run.dir}/${pngRelPath(relPath)}`;
}

/** Writes one adversarial image of a running run; returns its file (relative) and sha256. */
export async function writeAdversarialImage(dir: string, run: RunRecord, relPath: string, img: Image8): Promise<{ file: string; sha256: string }> {
  if (run.status !== 'running') throw new PrintshotError('bad-experiment', `run ${run.dir} is ${run.status}; its files are not modified`);
  if (!RelPath.safeParse(relPath).success) throw new PrintshotError('bad-argument', `'${relPath}' is not a valid relative path`);
  const file = adversarialFile(run, relPath);
  const sha = await writePng(resolveInExperiment(dir, file), img);
  return { file, sha256: sha };
}

/**
 * Validates and writes the run's manifest. May be called repeatedly while the run is running
 * (finishedAt absent) so partial results survive a crash; refused once the run is complete.
 */
export async function writeRunManifest(dir: string, run: RunRecord, manifest: RunManifest): Promise<void> {
  const parsed = checkManifest(run, manifest);
  await withExperimentLock(dir, async () => {
    const current = (await readExperiment(dir)).runs.find((r) => r.id === run.id);
    if (!current) throw new PrintshotError('bad-experiment', `${dir}: no run ${run.id}`);
    if (current.status !== 'running') throw new PrintshotError('bad-experiment', `run ${run.dir} is ${current.status}; its manifest is not modified`);
    if (current.writer && !isThisProcess(current.writer)) throw new PrintshotError('bad-experiment', `run ${run.dir} is being written by ${describeWriter(current)}; its manifest is not modified here`);
    await atomicWriteJson(resolveInExperiment(dir, run.manifest), parsed);
  });
}

/** The manifest validated for `run` ('bad-argument' if invalid, of another run, or with files outside the run's folder). */
function checkManifest(run: RunRecord, manifest: RunManifest): RunManifest {
  const parsed = RunManifestSchema.safeParse(manifest);
  if (!parsed.success) throw new PrintshotError('bad-argument', `invalid run manifest for ${run.dir}: ${formatIssues(parsed.error)}`);
  if (parsed.data.runId !== run.id) throw new PrintshotError('bad-argument', `manifest runId ${parsed.data.runId} is not run ${run.id}`);
  const outside = parsed.data.images.find((im) => !im.file.startsWith(`${run.dir}/`));
  if (outside) throw new PrintshotError('bad-argument', `manifest image ${outside.file} is not inside ${run.dir}`);
  return parsed.data;
}

/** Whether the run's manifest file exists (a run listed by an older version may have none yet). */
export async function hasRunManifest(dir: string, run: RunRecord): Promise<boolean> {
  return stat(resolveInExperiment(dir, run.manifest)).then((s) => s.isFile(), () => false);
}

/** Reads and validates a run's manifest ('bad-experiment' naming the file if unusable). */
export async function readRunManifest(dir: string, run: RunRecord): Promise<RunManifest> {
  const path = resolveInExperiment(dir, run.manifest);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PrintshotError('bad-experiment', `${path}: ${missing ? 'not found' : `corrupt (${(e as Error).message})`}`);
  }
  const parsed = RunManifestSchema.safeParse(json);
  if (!parsed.success) throw new PrintshotError('bad-experiment', `${path}: invalid (${formatIssues(parsed.error)})`);
  return parsed.data;
}

/** Marks a run complete (idempotent). Its manifest must have been written first. */
export async function completeRun(dir: string, runId: string): Promise<RunRecord> {
  const { result } = await updateExperiment(dir, async (exp) => {
    const run = exp.runs.find((r) => r.id === runId);
    if (!run) throw new PrintshotError('bad-experiment', `${dir}: no run ${runId}`);
    if (run.status === 'complete') return run;
    const exists = await stat(resolveInExperiment(dir, run.manifest)).then((s) => s.isFile(), () => false);
    if (!exists) throw new PrintshotError('bad-experiment', `run ${run.dir}: write its manifest (${run.manifest}) before completing it`);
    const done = (await readRunManifest(dir, run)).images.length;
    run.status = 'complete';
    run.completedAt = new Date().toISOString();
    run.counts = { done, total: run.counts?.total ?? done };
    clearStop(run);
    return run;
  });
  unmarkWriting(runId);
  return result;
}

export type StoppedStatus = Exclude<RunStatus, 'running' | 'complete'>;

/**
 * Records that a running run stopped without completing: 'cancelled' (abort), 'failed' (an
 * error; `reason` is its message) or 'interrupted'. `done` defaults to the manifest's rows. A
 * complete run is left as it is.
 */
export async function stopRun(dir: string, runId: string, status: StoppedStatus, reason: string, done?: number): Promise<RunRecord> {
  const { result } = await updateExperiment(dir, async (exp) => {
    const run = exp.runs.find((r) => r.id === runId);
    if (!run) throw new PrintshotError('bad-experiment', `${dir}: no run ${runId}`);
    if (run.status === 'complete') return run;
    const recorded = done ?? (await readRunManifest(dir, run).then((m) => m.images.length, () => 0));
    run.status = status;
    run.reason = reason;
    run.stoppedAt = new Date().toISOString();
    run.counts = { done: recorded, total: run.counts?.total ?? recorded };
    delete run.writer;
    return run;
  });
  unmarkWriting(runId);
  return result;
}

/**
 * Takes a cancelled, failed or interrupted run back to 'running' in this process, to resume it.
 * Refuses a complete run and one whose writer is still alive.
 */
export async function reopenRun(dir: string, runId: string): Promise<RunRecord> {
  const { result } = await updateExperiment(dir, (exp) => {
    const run = exp.runs.find((r) => r.id === runId);
    if (!run) throw new PrintshotError('bad-experiment', `${dir}: no run ${runId}`);
    const status = effectiveStatus(run);
    if (status === 'complete') throw new PrintshotError('bad-experiment', `run ${run.dir} is complete; there is nothing to resume`);
    if (status === 'running') throw new PrintshotError('bad-experiment', `run ${run.dir} is being written by ${describeWriter(run)}`, 'wait for that job to finish, or stop it first');
    run.status = 'running';
    clearStop(run);
    run.writer = thisWriter();
    return run;
  });
  markWriting(runId);
  await removeDeadTemps(dir, result);
  return result;
}

/** Temp files a killed writer left in the run's folder or beside its manifest: never renamed into place, so never part of the run. */
async function removeDeadTemps(dir: string, run: RunRecord): Promise<void> {
  const manifestName = run.manifest.split('/').pop()!;
  const inFolder = await readdir(resolveInExperiment(dir, run.dir), { recursive: true, withFileTypes: true }).catch(() => []);
  const inRuns = (await readdir(resolveInExperiment(dir, 'runs'), { withFileTypes: true }).catch(() => [])).filter((e) => e.name.startsWith(`.${manifestName}.tmp-`));
  for (const e of [...inFolder, ...inRuns]) {
    const pid = Number(TEMP_FILE.exec(e.name)?.[1]);
    if (e.isFile() && pid > 0 && !processAlive(pid)) await rm(join(e.parentPath, e.name), { force: true });
  }
}

function clearStop(run: RunRecord): void {
  delete run.reason;
  delete run.stoppedAt;
  delete run.writer;
}

/**
 * Removes an incomplete run: its record, then its folder and manifest. Removing the record from
 * experiment.json (one atomic write) is the commit point: a crash after it leaves at most
 * unreferenced files, which `check` reports and no later run reuses. A complete run needs
 * `force`; a run with a live writer is always refused.
 */
export async function dropRun(dir: string, runId: string, opts: { force?: boolean } = {}): Promise<RunRecord> {
  const { result: run } = await updateExperiment(dir, (exp) => {
    const i = exp.runs.findIndex((r) => r.id === runId);
    if (i < 0) throw new PrintshotError('bad-experiment', `${dir}: no run ${runId}`);
    const found = exp.runs[i];
    const status = effectiveStatus(found);
    if (status === 'running') throw new PrintshotError('bad-experiment', `run ${found.dir} is being written by ${describeWriter(found)}`, 'wait for that job to finish, or stop it first');
    if (status === 'complete' && !opts.force) throw new PrintshotError('bad-experiment', `run ${found.dir} is complete; not dropped`, 'pass --force to delete a complete run and its images');
    exp.runs.splice(i, 1);
    return found;
  });
  unmarkWriting(run.id);
  await rm(resolveInExperiment(dir, run.dir), { recursive: true, force: true });
  await rm(resolveInExperiment(dir, run.manifest), { force: true });
  return run;
}

/** All runs of the experiment, oldest first. */
export async function listRuns(dir: string): Promise<RunRecord[]> {
  return (await readExperiment(dir)).runs;
}

/** The relPaths (in the given order) whose adversarial PNG this run has not written yet. */
export async function pendingImages(dir: string, run: RunRecord, relPaths: readonly string[]): Promise<string[]> {
  const done = await mapLimit(relPaths, 32, (rel) =>
    stat(resolveInExperiment(dir, adversarialFile(run, rel))).then((s) => s.isFile(), () => false),
  );
  return relPaths.filter((_, i) => !done[i]);
}

export { effectiveStatus, describeWriter } from './writer';
