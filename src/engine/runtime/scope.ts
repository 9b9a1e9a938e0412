/**
 * What one engine call acts on. In serve mode every workbench tab keeps its own open experiment
 * (the host sends it with each call as `scope`), so a call sees the engine state with the tab's
 * experiment in place of the process-wide one; the model, the dataset cache and the job table
 * stay shared. Without a scope (Electron's one window, the CLI's engine) the process-wide
 * experiment is used as before. And every job that writes into an experiment holds its lock
 * (docs/experiments.md, "One writer at a time").
 */
import type { JobKind } from '../../contract';
import { withExperimentLock } from '../../workspace/lock';
import type { EngineState } from './state';

export interface CallScope {
  /** The caller's open experiment; null when it has none (never another caller's). */
  experimentDir: string | null;
}

/**
 * The state as a scoped call sees it: reading experimentDir gives the scope's, opening or
 * creating an experiment sets the scope's (and the process-wide one, which a restarted engine
 * and unscoped callers use). Everything else reads and writes the shared state.
 */
export function scopedState(state: EngineState, scope: CallScope): EngineState {
  return new Proxy(state, {
    get: (target, key, receiver) => (key === 'experimentDir' ? (scope.experimentDir ?? undefined) : Reflect.get(target, key, receiver)),
    set: (target, key, value, receiver) => {
      if (key === 'experimentDir') scope.experimentDir = (value as string | undefined) ?? null;
      return Reflect.set(target, key, value, receiver);
    },
  });
}

/** Who the lock file names while a workbench job writes. */
export function jobLockOwner(kind: JobKind): string {
  return `printshot workbench (${kind} job)`;
}

/**
 * `body` holding the lock of the experiment it writes into. A job started while the CLI (or
 * another app) writes there fails at once with the holder named, instead of interleaving.
 */
export function lockedJob<T>(kind: JobKind, experimentDir: string | undefined, body: () => Promise<T>): () => Promise<T> {
  if (!experimentDir) return body;
  return () => withExperimentLock(experimentDir, jobLockOwner(kind), body, { hint: 'wait for it to finish, then start the job again' });
}
