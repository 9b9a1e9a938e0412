/**
 * Typed errors. Every failure a user can cause (bad file, bad parameter, wrong shape) is a
 * PrintshotError with a stable code; the CLI prints its message as one line and exits non-zero.
 * Anything else is a bug and keeps its stack.
 */
export const ERROR_CODES = {
  badArgument: 'bad-argument',
  badModel: 'bad-model',
  badImage: 'bad-image',
  badDataset: 'bad-dataset',
  badExperiment: 'bad-experiment',
  unknownMethod: 'unknown-method',
  unknownTransform: 'unknown-transform',
  cancelled: 'cancelled',
  io: 'io',
  forbidden: 'forbidden',
  /** Another process writes into the experiment (src/workspace/lock.ts). */
  locked: 'locked',
  // What the engine answers about its own state (src/engine).
  noExperiment: 'no-experiment',
  noModel: 'no-model',
  busy: 'busy',
  // Produced by the contract layer itself (src/contract: routing, validation, transport).
  badRequest: 'bad-request',
  unknownChannel: 'unknown-channel',
  notAvailable: 'not-available',
  engineDown: 'engine-down',
  internal: 'internal',
} as const;

/**
 * The one closed set of error codes, for PrintshotError, ContractError and the wire (ErrorDto);
 * src/contract re-exports it. An unknown code is a compile error. A new code also needs its title
 * and fix in the UI's error catalogue (renderer/src/lib/error-catalogue.ts; a missing entry is a
 * type error there and fails test/renderer/error-catalogue.test.ts).
 */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const CODE_SET: ReadonlySet<string> = new Set(Object.values(ERROR_CODES));

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODE_SET.has(code);
}

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
