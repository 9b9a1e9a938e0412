/**
 * Integrity check and repair of an experiment folder (`printshot check`).
 *
 * What is verified: experiment.json (JSON, schema version, schema), that every clean image and
 * every adversarial image recorded in a run manifest exists with its recorded sha256, that run
 * manifests parse and belong to their run, stray temp files left by killed writes, and files in
 * clean/, adversarial/ and runs/ that nothing references. Other folders (results/, reports/,
 * sheets/, captures/ …) belong to other features and are only scanned for stray temp files.
 *
 * An incomplete run (cancelled, failed, interrupted, or still running) is a valid state, not a
 * failure: atomic writes guarantee every file it left is complete. It is reported as 'incomplete'
 * with its lifecycle state, reason and how many images are done. Only 'error' problems make `ok` false.
 *
 * Files are judged by real path: a symbolic link to a file inside the experiment is that file, a
 * link leading outside it is an error of its own ('symlink-escape', never read), a link to
 * nothing is a missing file (check-files.ts). Hashing goes through src/workspace/verify.ts, the
 * reader every command uses, so check and the commands agree on what is intact.
 *
 * `repair` (check-repair.ts) rebuilds only what can be proven right: stray temp files, the image
 * count, an older schema version, runs killed just before being marked complete, and clean PNGs
 * rebuilt from their source images when the result hashes to the recorded sha256. It never
 * rewrites an adversarial PNG nor makes a changed one pass: such a run keeps failing until it is
 * dropped and attacked again (notRepaired says so). Do not repair while a job is writing.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from '../images/limit';
import { summarizeAttack } from '../metrics/attack-summary';
import { listFiles, processAlive, TEMP_FILE } from './check-files';
import { repair, sourceOf } from './check-repair';
import { describeWriter, effectiveStatus } from './writer';
import type { Add, CheckOptions, CheckProblem, CheckReport, Inspection, ProblemKind, Severity } from './check-types';
import { migrateExperimentJson } from './migrate';
import { EXPERIMENT_FILE, formatIssues, resolveInExperiment } from './store';
import { ExperimentSchema, RunManifestSchema, SCHEMA_VERSION, type Experiment, type RunImage, type RunManifest } from './schema';
import { fileState } from './verify';

export { ARCHIVE_INDEX, listFiles, TEMP_FILE } from './check-files';
export type { CheckOptions, CheckProblem, CheckReport, ProblemKind, RunCheck, Severity } from './check-types';


const MANAGED = ['clean/', 'adversarial/', 'runs/'];

export async function checkExperiment(dir: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const first = await inspect(dir, opts.onProgress);
  if (!opts.repair) return first;
  const { done, notDone } = await repair(dir, first);
  return done.length === 0 ? { ...first, notRepaired: notDone } : { ...(await inspect(dir, opts.onProgress)), repaired: done, notRepaired: notDone };
}


async function inspect(dir: string, onProgress?: (done: number, total: number) => void): Promise<Inspection> {
  const problems: CheckProblem[] = [];
  const add = (kind: ProblemKind, severity: Severity, message: string, path?: string, repairable = false) =>
    problems.push({ kind, severity, message, repairable, ...(path !== undefined ? { path } : {}) });
  const { files, temps, escaping, broken } = await listFiles(dir);
  for (const l of escaping) add('symlink-escape', 'error', 'is a symbolic link leading outside the experiment folder (not read)', l);
  for (const t of temps) {
    const pid = Number(TEMP_FILE.exec(t.split('/').pop() ?? '')?.[1]);
    if (processAlive(pid)) add('stray-temp', 'info', `temp file of running process ${pid} (a write in progress)`, t);
    else add('stray-temp', 'warning', 'temp file left by an interrupted write', t, true);
  }
  const report: Inspection = {
    dir, ok: false, errors: 0, warnings: 0, schemaVersion: null, images: { recorded: 0, verified: 0 }, runs: [],
    filesVerified: 0, problems, repaired: [], notRepaired: [], migrated: false, finalisable: new Map(), badClean: [],
  };
  const exp = await readForCheck(dir, report, add);
  if (exp) {
    report.exp = exp;
    report.id = exp.id;
    report.name = exp.name;
    await verifyContents(dir, exp, files, new Set([...escaping, ...broken]), report, add, onProgress);
  }
  report.errors = problems.filter((p) => p.severity === 'error').length;
  report.warnings = problems.filter((p) => p.severity === 'warning').length;
  report.ok = report.errors === 0;
  return report;
}


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

async function verifyContents(dir: string, exp: Experiment, files: Set<string>, links: Set<string>, report: Inspection, add: Add, onProgress?: (done: number, total: number) => void): Promise<void> {
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
    const result = await fileState(dir, v);
    onProgress?.(++done, toVerify.length);
    return result;
  });
  // A clean PNG is repairable when its source image is still there to rebuild it from (check-repair.ts).
  // toVerify starts with the clean images, in order.
  const rebuildable = new Set<string>();
  await mapLimit(items, 16, async (it, i) => {
    if (results[i].state !== 'ok' && (await stat(sourceOf(exp, it)).then((st) => st.isFile(), () => false))) rebuildable.add(it.file);
  });
  toVerify.forEach((v, i) => {
    referenced.add(v.file);
    const r = results[i];
    if (r.state === 'ok') {
      report.filesVerified++;
      if (v.clean) report.images.verified++;
      return;
    }
    bad.add(v.file);
    if (v.clean) report.badClean.push(v.file);
    const what = v.clean ? 'clean image' : 'adversarial image';
    // A link out of the experiment already has its own 'symlink-escape' problem.
    if (r.state === 'outside') return;
    if (r.state === 'changed') add('changed-file', 'error', `${what} was modified (sha256 ${r.actual.slice(0, 12)}…, recorded ${v.sha256.slice(0, 12)}…)`, v.file, rebuildable.has(v.file));
    else add('missing-file', 'error', `${what} ${links.has(v.file) ? 'is a broken symbolic link' : r.state === 'not-file' ? 'is not a regular file' : 'is missing'}`, v.file, rebuildable.has(v.file));
  });

  const allRel = new Set(items.map((it) => it.relPath));
  for (const run of exp.runs) {
    const manifest = manifests.get(run.id);
    const rows = manifest?.images ?? [];
    const onDisk = [...files].filter((f) => f.startsWith(`${run.dir}/`));
    const recorded = new Set(rows.map((r) => r.file));
    const state = effectiveStatus(run);
    const inputs = manifest?.inputs ?? [...allRel];
    if (run.status !== 'complete') {
      // Partial work of a stopped (or live) job: PNGs written before its manifest caught up.
      for (const f of onDisk) referenced.add(f);
      const verified = rows.every((r) => !bad.has(r.file));
      const coversAll = rows.length > 0 && inputs.every((rel) => rows.some((r) => r.relPath === rel));
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
      state,
      ...(state === 'interrupted' && run.status === 'running' ? { reason: `its job (${describeWriter(run)}) stopped without finishing` } : run.reason ? { reason: run.reason } : {}),
      imagesTotal: inputs.length,
      imagesRecorded: rows.length,
      imagesOnDisk: onDisk.filter((f) => run.status !== 'complete' || recorded.has(f)).length,
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


/** The attack job's summary, recomputed from manifest rows (no model needed): summarizeAttack. */
export const summarizeRows = (rows: readonly RunImage[]) => summarizeAttack(rows);


