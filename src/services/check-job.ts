/**
 * `printshot check` as a job the CLI and the desktop app share: verify (and optionally repair)
 * an experiment folder, and say in one line what the outcome means.
 */
import { checkExperiment, type CheckReport, type RunCheck } from '../workspace/check';

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
  const incomplete = r.runs.filter((run) => run.status === 'incomplete');
  const repairable = r.problems.some((p) => p.repairable && p.severity !== 'info');
  if (!r.ok) {
    return `${r.errors} problem(s) found${repairable ? '; some can be fixed with --repair' : ''}`;
  }
  const parts = [`OK: ${r.filesVerified} file(s) verified`];
  if (incomplete.length > 0) parts.push(`${incomplete.length} incomplete run(s): ${incomplete.map((run) => describeIncomplete(r.dir, run)).join('; ')}`);
  if (r.warnings > 0) parts.push(`${r.warnings} warning(s)${repairable ? ', --repair cleans up' : ''}`);
  return parts.join('; ');
}

/** "bim-eps8 interrupted, 48/200 images (resume: npx printshot runs resume 09e51631 --experiment DIR)". */
function describeIncomplete(dir: string, run: RunCheck): string {
  const what = `${run.dir.replace(/^adversarial\//, '')} ${run.state}, ${run.imagesRecorded}/${run.imagesTotal} images`;
  if (run.state === 'running') return `${what} (still being written${run.reason ? `: ${run.reason}` : ''})`;
  return `${what} (resume: npx printshot runs resume ${run.id.slice(0, 8)} --experiment ${dir}, or drop it: npx printshot runs drop ${run.id.slice(0, 8)} --experiment ${dir})`;
}
