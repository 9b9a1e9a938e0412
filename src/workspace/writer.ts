/**
 * Who writes a running run. A run record carries its writer's pid and host (and, on Linux, the
 * process's start time), so any reader can tell a run "running in a live process" from one whose
 * process was killed, without a lock and without the writer's cooperation.
 *
 * Within one process the answer comes from this module's own registry instead of the pid (which
 * is alive by definition): a job that died by an exception without recording it is not live.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunRecord, RunStatus, RunWriter } from './schema';
import { pidAlive } from './lock-file';

const writing = new Set<string>();

/** Records that this process is now writing run `id` (startRun, reopenRun). */
export function markWriting(id: string): void {
  writing.add(id);
}

/** Records that this process stopped writing run `id` (completeRun, stopRun). */
export function unmarkWriting(id: string): void {
  writing.delete(id);
}

/** This process as a run writer. */
export function thisWriter(): RunWriter {
  const ticks = startTicks(process.pid);
  return { pid: process.pid, host: hostname(), ...(ticks !== undefined ? { startTicks: ticks } : {}) };
}

/** Whether `w` is this very process. */
export function isThisProcess(w: RunWriter): boolean {
  return w.pid === process.pid && w.host === hostname();
}

/**
 * 'live': the writer is this process (and still writing the run) or a process on this host that
 * is alive; 'gone': it is not; 'elsewhere': another host, which cannot be probed.
 */
export function writerState(run: Pick<RunRecord, 'id' | 'writer'>): 'live' | 'gone' | 'elsewhere' {
  const w = run.writer;
  // A run listed by a version that did not record writers: nobody can be writing it any more.
  if (!w) return 'gone';
  if (w.host !== hostname()) return 'elsewhere';
  if (w.pid === process.pid) return writing.has(run.id) ? 'live' : 'gone';
  if (!pidAlive(w.pid)) return 'gone';
  // A recycled pid belongs to a process that started later than the writer did.
  const ticks = startTicks(w.pid);
  return w.startTicks !== undefined && ticks !== undefined && ticks !== w.startTicks ? 'gone' : 'live';
}


/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isInteger(v) && v >= 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The status readers must use: a 'running' run whose writer process is gone is 'interrupted'. */
export function effectiveStatus(run: RunRecord): RunStatus {
  return run.status === 'running' && writerState(run) === 'gone' ? 'interrupted' : run.status;
}

/** "pid 1234 on host h" (or "an earlier Printshot" for runs recorded without a writer). */
export function describeWriter(run: Pick<RunRecord, 'writer'>): string {
  return run.writer ? `pid ${run.writer.pid} on host ${run.writer.host}` : 'an earlier Printshot';
}
