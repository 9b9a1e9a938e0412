/**
 * `printshot check` as a job the CLI and the desktop app share: verify (and optionally repair)
 * an experiment folder, and say in one line what the outcome means.
 */
import { checkExperiment, type CheckReport } from '../workspace/check';

export interface CheckJobSpec {
  experiment: string;
  repair?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CheckJobResult extends CheckReport {
  /** One human sentence: passed, passed with incomplete runs, or how many problems. */
  verdict: string;
}

export async function runCheckJob(spec: CheckJobSpec): Promise<CheckJobResult> {
  const report = await checkExperiment(spec.experiment, { repair: spec.repair, onProgress: spec.onProgress });
  return { ...report, verdict: verdict(report) };
}

export function verdict(r: CheckReport): string {
  const incomplete = r.runs.filter((run) => run.status === 'incomplete').length;
  const repairable = r.problems.some((p) => p.repairable && p.severity !== 'info');
  if (!r.ok) {
    return `${r.errors} problem(s) found${repairable ? '; some can be fixed with --repair' : ''}`;
  }
  const parts = [`OK: ${r.filesVerified} file(s) verified`];
  if (incomplete > 0) parts.push(`${incomplete} incomplete run(s) (interrupted or still running; rerun the job to finish)`);
  if (r.warnings > 0) parts.push(`${r.warnings} warning(s)${repairable ? ', --repair cleans up' : ''}`);
  return parts.join('; ');
}
