/**
 * Push events from main (or the serve-mode server) to the renderer. Progress comes at least twice
 * a second while a job runs (the host adds a heartbeat when the engine is busy inside a step).
 */
import { z } from 'zod';
import { JobKind, ProgressDto } from './dto';
import type { EventName } from './names';
import { JobDto } from './results';

/** go:<step> and the job chords mirror the workbench's keyboard shortcuts (Electron's menu accelerators send them). */
export const MenuCommand = z.enum([
  'experiment:new',
  'experiment:open',
  'model:open',
  'images:open',
  'about',
  'go:model',
  'go:images',
  'go:attack',
  'go:patch',
  'go:print',
  'go:capture',
  'go:evaluate',
  'go:defences',
  'go:report',
  'job:start',
  'job:cancel',
  'report:export',
  'shortcuts',
]);
export type MenuCommand = z.infer<typeof MenuCommand>;

export const events = {
  'job:progress': z.object({ jobId: z.string(), kind: JobKind, progress: ProgressDto }),
  'job:done': z.object({ job: JobDto }),
  /** A job failed or was cancelled (job.state says which); job.error says why. */
  'job:error': z.object({ job: JobDto }),
  /** The engine process died. Finished work is on disk; interrupted jobs can be resumed. */
  'engine:crashed': z.object({
    reason: z.string(),
    exitCode: z.number().nullable(),
    interrupted: z.array(z.string()),
    restartable: z.boolean(),
  }),
  'engine:ready': z.object({ pid: z.number().optional(), restarts: z.number() }),
  /** An application-menu item the renderer acts on (File → Open experiment…). */
  'menu:command': z.object({ command: MenuCommand }),
} satisfies { [E in EventName]: z.ZodType };

export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** An event as it travels: over IPC on EVENT_IPC_CHANNEL, over SSE as one message. */
export type EventMessage = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];
