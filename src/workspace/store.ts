/**
 * Reading and updating experiment.json.
 *
 * Updates are read-modify-write of the whole file, written atomically. Within one process they
 * are serialised per folder (the desktop app may run several jobs in one experiment); two
 * Printshot processes updating the same experiment at the same moment are not supported.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { PrintshotError } from '../shared';
import { atomicWriteJson } from './atomic';
import { migrateExperimentJson } from './migrate';
import { ExperimentSchema, type Experiment } from './schema';

export const EXPERIMENT_FILE = 'experiment.json';

/** Absolute path of a '/'-separated path relative to the experiment root. */
export function resolveInExperiment(dir: string, rel: string): string {
  return join(dir, ...rel.split('/'));
}

/** One line listing the first few zod issues, e.g. "runs.0.status: Invalid option". */
export function formatIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return issues.join('; ') + (error.issues.length > 3 ? `; … ${error.issues.length - 3} more` : '');
}

/** Reads and validates experiment.json; every problem is 'bad-experiment' naming the file. */
export async function readExperiment(dir: string): Promise<Experiment> {
  const path = join(dir, EXPERIMENT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new PrintshotError('bad-experiment', `${path}: not found (${dir} is not an experiment folder)`);
    }
    throw new PrintshotError('io', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PrintshotError('bad-experiment', `${path}: corrupt, not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  // Older versions are upgraded in memory (migrate.ts); they reach disk only on the next write.
  // A newer or unknown version is refused before any field errors are listed.
  const { json: current } = migrateExperimentJson(json, path);
  const parsed = ExperimentSchema.safeParse(current);
  if (!parsed.success) throw new PrintshotError('bad-experiment', `${path}: invalid (${formatIssues(parsed.error)})`);
  return parsed.data;
}

export async function writeExperiment(dir: string, exp: Experiment): Promise<void> {
  // Validate on the way out too: a bug must not leave a file that the next open rejects.
  const parsed = ExperimentSchema.safeParse(exp);
  if (!parsed.success) throw new Error(`refusing to write an invalid experiment.json: ${formatIssues(parsed.error)}`);
  await atomicWriteJson(join(dir, EXPERIMENT_FILE), parsed.data);
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` while holding this process's lock on the experiment folder. */
export async function withExperimentLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(dir);
  const prev = queues.get(key) ?? Promise.resolve();
  const run = prev.then(fn); // prev is a tail that never rejects
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}

/** Reads experiment.json fresh, lets `fn` change it, writes it back, all under the lock. */
export async function updateExperiment<T>(dir: string, fn: (exp: Experiment) => Promise<T> | T): Promise<{ exp: Experiment; result: T }> {
  return withExperimentLock(dir, async () => {
    const exp = await readExperiment(dir);
    const result = await fn(exp);
    await writeExperiment(dir, exp);
    return { exp, result };
  });
}
