/**
 * Integrity check and repair of an experiment folder (`printshot check`).
 *
 * What is verified: experiment.json (JSON, schema version, schema), that every clean image and
 * every adversarial image recorded in a run manifest exists with its recorded sha256, that run
 * manifests parse and belong to their run, stray temp files left by killed writes, and files in
 * clean/, adversarial/ and runs/ that nothing references. Other folders (results/, reports/,
 * sheets/, captures/ …) belong to other features and are only scanned for stray temp files.
 *
 * An interrupted run (status 'running': its job was killed or is still going) is a valid state,
 * not a failure: atomic writes guarantee every file it left is complete. It is reported as
 * 'incomplete' with how many images are done. Only 'error' problems make `ok` false.
 *
 * `repair` changes only what can be rebuilt without the model or the input images:
 *   - deletes stray temp files (.<name>.tmp-<pid>-<hex>) whose writing process is not alive;
 *   - re-derives images.count from images.items;
 *   - writes an older-version experiment.json back in the current version;
 *   - finalises a 'running' run whose manifest either says it finished (killed between the last
 *     manifest write and marking it complete) or records every experiment image, once all its
 *     files verify: fills finishedAt and summary (recomputed from the manifest rows), marks the
 *     run complete.
 * It never deletes or rewrites images, never deletes unreferenced files (they may be the
 * user's), and cannot restore missing or changed images (rerunning the attack restores
 * missing clean PNGs). Do not repair while a job is writing into the same experiment.
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PrintshotError } from '../shared';
import { mapLimit } from '../images/limit';
import { summarizeAttack } from '../metrics/attack-summary';
import { atomicWriteJson, sha256File } from './atomic';
import { migrateExperimentJson } from './migrate';
import { EXPERIMENT_FILE, formatIssues, resolveInExperiment, withExperimentLock, writeExperiment } from './store';
import { ExperimentSchema, RunManifestSchema, SCHEMA_VERSION, type Experiment, type RunImage, type RunManifest } from './schema';

export type Severity = 'error' | 'warning' | 'info';
export type ProblemKind =
  | 'experiment-json' | 'migratable' | 'count-mismatch' | 'duplicate' | 'missing-file' | 'changed-file'
  | 'manifest' | 'unfinalised-run' | 'stray-temp' | 'unreferenced';

export interface CheckProblem {
  kind: ProblemKind;
  severity: Severity;
  /** Relative to the experiment root, '/'-separated. */
  path?: string;
  message: string;
  /** Whether `--repair` fixes it. */
  repairable: boolean;
}

export interface RunCheck {
  id: string;
  dir: string;
  method: string;
  eps: number;
  status: 'complete' | 'incomplete';
  /** Images in the experiment, i.e. what a full run over the experiment covers. */
  imagesTotal: number;
  /** Rows in the run manifest (each verified against its file). */
  imagesRecorded: number;
  /** PNGs in the run's folder; an interrupted run may have a few more than it recorded. */
  imagesOnDisk: number;
}

export interface CheckReport {
  dir: string;
  /** No 'error' problems. Incomplete runs, warnings and infos do not make a check fail. */
  ok: boolean;
  errors: number;
  warnings: number;
  /** The version on disk (before migration), or null when unreadable. */
  schemaVersion: number | null;
  id?: string;
  name?: string;
  images: { recorded: number; verified: number };
  runs: RunCheck[];
  /** Files whose sha256 was compared. */
  filesVerified: number;
  problems: CheckProblem[];
  /** What --repair did (empty without --repair). */
  repaired: string[];
}

export interface CheckOptions {
  repair?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Files that atomicWrite creates next to its target before renaming them over it. */
export const TEMP_FILE = /^\..+\.tmp-(\d+)-[0-9a-f]+$/;
/** Written inside experiment archives (manage.ts); never part of the experiment itself. */
export const ARCHIVE_INDEX = '.printshot-archive.json';
const MANAGED = ['clean/', 'adversarial/', 'runs/'];

export async function checkExperiment(dir: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const first = await inspect(dir, opts.onProgress);
  if (!opts.repair) return first;
  const repaired = await repair(dir, first);
  return repaired.length === 0 ? first : { ...(await inspect(dir, opts.onProgress)), repaired };
}

interface Inspection extends CheckReport {
  exp?: Experiment;
  migrated: boolean;
  /** Running runs that repair may finalise, with their manifests. */
  finalisable: Map<string, RunManifest | undefined>;
}

async function inspect(dir: string, onProgress?: (done: number, total: number) => void): Promise<Inspection> {
  const problems: CheckProblem[] = [];
  const add = (kind: ProblemKind, severity: Severity, message: string, path?: string, repairable = false) =>
    problems.push({ kind, severity, message, repairable, ...(path !== undefined ? { path } : {}) });
  const { files, temps } = await listFiles(dir);
  for (const t of temps) {
    const pid = Number(TEMP_FILE.exec(t.split('/').pop() ?? '')?.[1]);
    if (processAlive(pid)) add('stray-temp', 'info', `temp file of running process ${pid} (a write in progress)`, t);
    else add('stray-temp', 'warning', 'temp file left by an interrupted write', t, true);
  }
  const report: Inspection = {
    dir, ok: false, errors: 0, warnings: 0, schemaVersion: null, images: { recorded: 0, verified: 0 }, runs: [],
    filesVerified: 0, problems, repaired: [], migrated: false, finalisable: new Map(),
  };
  const exp = await readForCheck(dir, report, add);
  if (exp) {
    report.exp = exp;
    report.id = exp.id;
    report.name = exp.name;
    await verifyContents(dir, exp, files, report, add, onProgress);
  }
  report.errors = problems.filter((p) => p.severity === 'error').length;
  report.warnings = problems.filter((p) => p.severity === 'warning').length;
  report.ok = report.errors === 0;
  return report;
}

type Add = (kind: ProblemKind, severity: Severity, message: string, path?: string, repairable?: boolean) => void;

async function readForCheck(dir: string, report: Inspection, add: Add): Promise<Experiment | undefined> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, EXPERIMENT_FILE), 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    add('experiment-json', 'error', code === 'ENOENT' ? 'not found: this folder is not an experiment' : `unreadable (${(e as Error).message})`, EXPERIMENT_FILE);
    return undefined;
  }
  const v = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  report.schemaVersion = typeof v === 'number' ? v : null;
  let current: unknown;
  try {
    current = migrateExperimentJson(json, EXPERIMENT_FILE).json;
  } catch (e) {
    add('experiment-json', 'error', (e as Error).message, EXPERIMENT_FILE);
    return undefined;
  }
  const parsed = ExperimentSchema.safeParse(current);
  if (!parsed.success) {
    add('experiment-json', 'error', `invalid (${formatIssues(parsed.error)})`, EXPERIMENT_FILE);
    return undefined;
  }
  if (report.schemaVersion !== SCHEMA_VERSION) {
    report.migrated = true;
    add('migratable', 'info', `schemaVersion ${report.schemaVersion} is read as ${SCHEMA_VERSION}; the next write (or --repair) stores it as ${SCHEMA_VERSION}`, EXPERIMENT_FILE, true);
  }
  return parsed.data;
}

async function verifyContents(dir: string, exp: Experiment, files: Set<string>, report: Inspection, add: Add, onProgress?: (done: number, total: number) => void): Promise<void> {
  const referenced = new Set<string>([EXPERIMENT_FILE]);
  const items = exp.images.items;
  report.images.recorded = items.length;
  if (exp.images.count !== items.length) {
    add('count-mismatch', 'error', `images.count is ${exp.images.count} but ${items.length} images are listed`, EXPERIMENT_FILE, true);
  }
  for (const key of ['relPath', 'file'] as const) {
    const seen = new Set<string>();
    for (const it of items) {
      if (seen.has(it[key])) add('duplicate', 'error', `image ${key} '${it[key]}' is listed twice`, EXPERIMENT_FILE);
      seen.add(it[key]);
    }
  }
  // Collect every (file, sha256) first so progress has a total, then hash with a few in flight.
  const toVerify: { file: string; sha256: string; clean: boolean }[] = items.map((it) => ({ file: it.file, sha256: it.sha256, clean: true }));
  const manifests = new Map<string, RunManifest | undefined>();
  for (const run of exp.runs) {
    referenced.add(run.manifest);
    const m = await readManifest(dir, run.manifest, files);
    if (m.error) add('manifest', 'error', m.error, run.manifest);
    else if (!m.manifest && run.status === 'complete') add('manifest', 'error', `missing: run ${run.dir} is complete but its manifest is gone`, run.manifest);
    else if (m.manifest && m.manifest.runId !== run.id) add('manifest', 'error', `belongs to run ${m.manifest.runId}, not ${run.id}`, run.manifest);
    const manifest = m.manifest && m.manifest.runId === run.id ? m.manifest : undefined;
    manifests.set(run.id, manifest);
    for (const row of manifest?.images ?? []) {
      if (!row.file.startsWith(`${run.dir}/`)) add('manifest', 'error', `image ${row.file} is outside the run folder ${run.dir}`, run.manifest);
      else toVerify.push({ file: row.file, sha256: row.sha256, clean: false });
    }
  }
  let done = 0;
  const bad = new Set<string>();
  const results = await mapLimit(toVerify, 16, async (v) => {
    const result = files.has(v.file) ? ((await sha256File(resolveInExperiment(dir, v.file))) === v.sha256 ? 'ok' : 'changed') : 'missing';
    onProgress?.(++done, toVerify.length);
    return result;
  });
  toVerify.forEach((v, i) => {
    referenced.add(v.file);
    if (results[i] === 'ok') {
      report.filesVerified++;
      if (v.clean) report.images.verified++;
      return;
    }
    bad.add(v.file);
    const what = v.clean ? 'clean image' : 'adversarial image';
    if (results[i] === 'missing') add('missing-file', 'error', `${what} is missing`, v.file);
    else add('changed-file', 'error', `${what} was modified (sha256 differs from the recorded one)`, v.file);
  });

  const allRel = new Set(items.map((it) => it.relPath));
  for (const run of exp.runs) {
    const manifest = manifests.get(run.id);
    const rows = manifest?.images ?? [];
    const onDisk = [...files].filter((f) => f.startsWith(`${run.dir}/`));
    const recorded = new Set(rows.map((r) => r.file));
    if (run.status === 'running') {
      // Partial work of an interrupted (or live) job: PNGs written before its manifest caught up.
      for (const f of onDisk) referenced.add(f);
      const verified = rows.every((r) => !bad.has(r.file));
      const coversAll = rows.length > 0 && [...allRel].every((rel) => rows.some((r) => r.relPath === rel));
      if (manifest && verified && (manifest.finishedAt !== undefined || coversAll)) {
        report.finalisable.set(run.id, manifest);
        add('unfinalised-run', 'warning', `run ${run.dir} recorded all its images but was not marked complete (job killed at the very end)`, run.manifest, true);
      }
    } else if (manifest && manifest.finishedAt === undefined) {
      add('manifest', 'warning', `run ${run.dir} is complete but its manifest has no finishedAt`, run.manifest);
    }
    report.runs.push({
      id: run.id, dir: run.dir, method: run.method, eps: run.eps,
      status: run.status === 'complete' ? 'complete' : 'incomplete',
      imagesTotal: items.length,
      imagesRecorded: rows.length,
      imagesOnDisk: onDisk.filter((f) => run.status === 'running' || recorded.has(f)).length,
    });
  }
  for (const f of files) {
    if (!referenced.has(f) && MANAGED.some((m) => f.startsWith(m))) add('unreferenced', 'warning', 'not referenced by experiment.json or any run manifest', f);
  }
}

async function readManifest(dir: string, rel: string, files: Set<string>): Promise<{ manifest?: RunManifest; error?: string }> {
  if (!files.has(rel)) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolveInExperiment(dir, rel), 'utf8'));
  } catch (e) {
    return { error: `corrupt (${(e as Error).message})` };
  }
  const parsed = RunManifestSchema.safeParse(json);
  return parsed.success ? { manifest: parsed.data } : { error: `invalid (${formatIssues(parsed.error)})` };
}

async function repair(dir: string, report: Inspection): Promise<string[]> {
  const done: string[] = [];
  for (const p of report.problems) {
    if (p.kind === 'stray-temp' && p.repairable && p.path) {
      await unlink(resolveInExperiment(dir, p.path)).catch(() => undefined);
      done.push(`removed stray temp file ${p.path}`);
    }
  }
  const countWrong = report.problems.some((p) => p.kind === 'count-mismatch');
  if (!report.exp || (!report.migrated && !countWrong && report.finalisable.size === 0)) return done;
  await withExperimentLock(dir, async () => {
    const exp = report.exp as Experiment;
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
        const summary = manifest.summary ?? { ...summarizeRows(manifest.images), rebuiltBy: 'printshot check --repair' };
        await atomicWriteJson(resolveInExperiment(dir, run.manifest), { ...manifest, finishedAt, summary });
      }
      run.status = 'complete';
      run.completedAt = finishedAt;
      done.push(`marked run ${run.dir} complete (${manifest.images.length} images recorded and verified)`);
    }
    await writeExperiment(dir, exp);
  });
  return done;
}

/** The attack job's summary, recomputed from manifest rows (no model needed): summarizeAttack. */
export const summarizeRows = (rows: readonly RunImage[]) => summarizeAttack(rows);

/** Every regular file under `dir` as '/'-separated relative paths, temp files apart. */
export async function listFiles(dir: string): Promise<{ files: Set<string>; temps: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new PrintshotError(e.code === 'ENOENT' ? 'bad-experiment' : 'io', `${dir}: ${e.code === 'ENOENT' ? 'not found' : `cannot read (${e.message})`}`);
  });
  const files = new Set<string>();
  const temps: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = relative(dir, join(e.parentPath, e.name)).split(sep).join('/');
    if (TEMP_FILE.test(e.name)) temps.push(rel);
    else if (rel !== ARCHIVE_INDEX) files.add(rel);
  }
  temps.sort();
  return { files, temps };
}

/** Whether a process with this id exists on this machine (signal 0 only probes). */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
