/**
 * Typed errors. Every failure a user can cause (bad file, bad parameter, wrong shape) is a
 * PrintshotError with a stable code; the CLI prints its message as one line and exits non-zero.
 * Anything else is a bug and keeps its stack.
 */
export type ErrorCode =
  | 'bad-argument'
  | 'bad-model'
  | 'bad-image'
  | 'bad-dataset'
  | 'bad-experiment'
  | 'unknown-method'
  | 'unknown-transform'
  | 'cancelled'
  | 'io'
  | 'forbidden'
  /** Another process writes into the experiment (src/workspace/lock.ts). */
  | 'locked';

export class PrintshotError extends Error {
  readonly code: ErrorCode;
  /** Optional one-line hint telling the user how to fix it. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'PrintshotError';
    this.code = code;
    this.hint = hint;
  }
}

export function isPrintshotError(e: unknown): e is PrintshotError {
  return e instanceof PrintshotError;
}

/** Thrown between attack steps when the job's AbortSignal fires. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new PrintshotError('cancelled', 'cancelled by the user');
}

/**
 * Lets queued I/O (a cancel message, a progress flush) run between attack steps. Awaiting a
 * resolved promise only drains microtasks, so without this a job in the engine process would not
 * see `job:cancel` until its batch ended.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
