/**
 * Schema migrations for experiment.json.
 *
 * A file written by an older Printshot is upgraded in memory, one version at a time, when it is
 * read. Reading never writes: the upgraded form reaches disk only when something updates the
 * experiment (updateExperiment writes the whole file atomically) or `printshot check --repair`
 * runs. So opening an old experiment read-only (e.g. from a shared drive or an older machine
 * that still uses it) leaves it byte for byte as it was.
 *
 * Version history:
 *   0  pre-release layout: images.items[] had no `file`; the clean PNG was implied to be
 *      `clean/<relPath with its extension replaced by .png>`.
 *   1  current: images.items[].file records that path explicitly (so a future layout change
 *      does not need every reader to know the rule).
 *
 * Only the JSON shape is migrated here; files on disk never move during a migration.
 *
 * Optional fields added without a version bump (old files stay valid, so no migration step):
 *   run manifests' `execution` (how the attack ran the model: compiled fused ops, or not and why);
 *   run manifests' `batchSize` and `inputs` (the partition a resume redoes batches of);
 *   run records' `reason`, `counts`, `stoppedAt` and `writer`, and the run statuses 'cancelled',
 *   'interrupted' and 'failed' (a Printshot from before them refuses such a file as invalid).
 */
import { PrintshotError } from '../shared';
import { SCHEMA_VERSION } from './schema';

/** One step: takes a parsed file of version `from` and returns version `from + 1`. */
export interface Migration {
  from: number;
  describe: string;
  up: (json: Record<string, unknown>) => Record<string, unknown>;
}

/** Same rule as pngRelPath in experiment.ts (not imported: experiment.ts depends on the store, which depends on this file). */
function impliedCleanFile(relPath: string): string {
  return `clean/${relPath.replace(/\.(png|jpe?g)$/i, '')}.png`;
}

export const EXPERIMENT_MIGRATIONS: readonly Migration[] = [
  {
    from: 0,
    describe: 'record each clean image file (images.items[].file)',
    up: (json) => {
      const images = (json.images ?? {}) as Record<string, unknown>;
      const items = Array.isArray(images.items) ? (images.items as Record<string, unknown>[]) : [];
      return {
        ...json,
        schemaVersion: 1,
        images: {
          ...images,
          items: items.map((it) => (typeof it.file === 'string' ? it : { ...it, file: impliedCleanFile(String(it.relPath)) })),
        },
      };
    },
  },
];

export interface MigrationResult {
  /** The file at the current SCHEMA_VERSION (not yet schema-validated). */
  json: unknown;
  /** The version the file had on disk; equal to SCHEMA_VERSION when nothing was migrated. */
  fromVersion: number;
  /** What each applied step did, oldest first (empty when nothing was migrated). */
  applied: string[];
}

/**
 * Brings a parsed experiment.json up to SCHEMA_VERSION. Files that are already current are
 * returned as is (same object). A file newer than this Printshot, or with a version no
 * migration starts from, is a 'bad-experiment' error naming `label`.
 */
export function migrateExperimentJson(json: unknown, label = 'experiment.json', table: readonly Migration[] = EXPERIMENT_MIGRATIONS, target: number = SCHEMA_VERSION): MigrationResult {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new PrintshotError('bad-experiment', `${label}: not a JSON object`);
  }
  const version = (json as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new PrintshotError('bad-experiment', `${label}: schemaVersion ${JSON.stringify(version)} is not supported (this Printshot reads version ${target})`);
  }
  if (version > target) {
    throw new PrintshotError('bad-experiment', `${label}: schemaVersion ${version} is not supported (this Printshot reads version ${target})`, 'open it with a newer Printshot');
  }
  let current = json as Record<string, unknown>;
  const applied: string[] = [];
  for (let v = version; v < target; v++) {
    const step = table.find((m) => m.from === v);
    if (!step) throw new PrintshotError('bad-experiment', `${label}: no migration from schemaVersion ${v} (this Printshot reads version ${target})`);
    current = step.up(current);
    if (current.schemaVersion !== v + 1) throw new Error(`migration from ${v} did not produce schemaVersion ${v + 1}`);
    applied.push(`v${v}→v${v + 1}: ${step.describe}`);
  }
  return { json: current, fromVersion: version, applied };
}
