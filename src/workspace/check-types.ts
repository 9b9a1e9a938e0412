/** What `printshot check` reports (src/workspace/check.ts) and what repair (check-repair.ts) works from. */
import type { Experiment, RunManifest, RunStatus } from './schema';

export type Severity = 'error' | 'warning' | 'info';
export type ProblemKind =
  | 'experiment-json' | 'migratable' | 'count-mismatch' | 'duplicate' | 'missing-file' | 'changed-file'
  | 'manifest' | 'unfinalised-run' | 'stray-temp' | 'unreferenced' | 'symlink-escape';

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
  /** The run's effective lifecycle state (runs.ts effectiveStatus): an incomplete run is running, cancelled, interrupted or failed. */
  state: RunStatus;
  /** Why it stopped, or why it counts as interrupted. */
  reason?: string;
  /** Images the run covers (its recorded inputs, else every experiment image). */
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
  /** What --repair could not fix, and why (empty without --repair). */
  notRepaired: string[];
}

export interface CheckOptions {
  repair?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface Inspection extends CheckReport {
  exp?: Experiment;
  migrated: boolean;
  /** Running runs that repair may finalise, with their manifests. */
  finalisable: Map<string, RunManifest | undefined>;
  /** Clean images (relative paths) whose file is missing or changed, for repair to rebuild from the sources. */
  badClean: string[];
}

export type Add = (kind: ProblemKind, severity: Severity, message: string, path?: string, repairable?: boolean) => void;
