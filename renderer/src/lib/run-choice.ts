/**
 * Run pickers list every run of the experiment, but only complete runs can be chosen: a stopped
 * run (cancelled, interrupted, failed) or one still running holds a partial, biased subset of
 * the images. The others are shown disabled with their state and how far they got.
 */
import type { RunDto } from '../../../src/contract';

export function isComplete(run: Pick<RunDto, 'status'>): boolean {
  return run.status === 'complete';
}

/** The option text: 'adversarial/bim-eps16' (plus `detail` when complete) or 'adversarial/bim-eps16 (cancelled, 32/200 images)'. */
export function runChoiceText(run: Pick<RunDto, 'dir' | 'status' | 'counts'>, detail?: string): string {
  if (isComplete(run)) return detail ? `${run.dir} (${detail})` : run.dir;
  const counts = run.counts ? `, ${run.counts.done}/${run.counts.total} images` : '';
  return `${run.dir} (${run.status}${counts})`;
}
