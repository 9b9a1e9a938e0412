/**
 * Runs scripts/defend_train.py (PyTorch) as a child process and speaks its JSON-lines protocol.
 * Training goes through PyTorch because the wasm backend has no filter gradients. The child
 * checkpoints on SIGTERM, so cancelling (AbortSignal) sends SIGTERM and waits for it to finish
 * cleanly; a parent that dies closes the child's stdin, which the script also treats as a stop.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fromPackageRoot } from '../../shared/node/paths';
import { PrintshotError, type ErrorCode } from '../../shared';

export const DEFEND_SCRIPT = fromPackageRoot('scripts', 'defend_train.py');

/** One line of the script's stdout; see scripts/defend_io.py emit(). */
export type DefendEvent =
  | { type: 'start'; command: string; out: string; partial: string; resumed: boolean; resumedAt: string | null; total: number; phases: string[] }
  | { type: 'progress'; phase: string; epoch: number; epochs: number; step: number; steps: number; done: number; total: number; loss: number }
  | { type: 'checkpoint'; path: string; done: number; total: number }
  | { type: 'epoch'; phase: string; epoch: number; loss: number; testAccuracy: number; seconds: number }
  | { type: 'eval'; model: 'base' | 'trained'; done: number; total: number }
  | { type: 'report'; base: RobustnessReport; trained: RobustnessReport }
  | { type: 'done'; out: string; card: Record<string, unknown> & { provenance: Record<string, unknown> }; seconds: number }
  | { type: 'cancelled'; checkpoint: string; partial: string }
  | { type: 'error'; code: string; message: string; hint?: string };

/** PyTorch measurement on the test set, errors counted over all images (see scripts/defend_attacks.py). */
export interface RobustnessReport {
  n: number;
  eps: number;
  bimSteps: number;
  bimStepSize: number;
  cleanAccuracy: number;
  fgsmError: number;
  bimError: number;
  zeroGradientFraction: number;
}

/** PRINTSHOT_PYTHON, else Debian's /usr/bin/python3 (where python3-torch installs), else python3 on PATH. */
export function findPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRINTSHOT_PYTHON) return env.PRINTSHOT_PYTHON;
  try {
    accessSync('/usr/bin/python3', constants.X_OK);
    return '/usr/bin/python3';
  } catch {
    return 'python3';
  }
}

// The script's error codes → Printshot's; environment problems are 'io'.
const CODES: Record<string, ErrorCode> = {
  'bad-dataset': 'bad-dataset',
  'bad-model': 'bad-model',
  'bad-argument': 'bad-argument',
  'out-exists': 'bad-argument',
  'checkpoint-mismatch': 'bad-argument',
  'no-torch': 'io',
};

export interface ScriptOptions {
  python?: string;
  /** Another script speaking the same protocol (defend_io.emit), e.g. scripts/szegedy_cross_training.py. */
  script?: string;
  signal?: AbortSignal;
  onEvent?: (e: DefendEvent) => void;
}

/** Spawns the script with `args`; resolves with its 'done' event, rejects with a PrintshotError. */
export function runDefendScript(args: string[], opts: ScriptOptions = {}): Promise<Extract<DefendEvent, { type: 'done' }>> {
  const python = opts.python ?? findPython();
  if (opts.signal?.aborted) return Promise.reject(new PrintshotError('cancelled', 'cancelled by the user'));
  return new Promise((resolve, reject) => {
    const script = opts.script ?? DEFEND_SCRIPT;
    const child = spawn(python, [script, ...args, '--stop-on-stdin-eof'], {
      cwd: path.dirname(script),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    let done: Extract<DefendEvent, { type: 'done' }> | undefined;
    let failure: PrintshotError | undefined;
    let stderr = '';
    let buffer = '';
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const handle = (line: string) => {
      if (!line.trim()) return;
      let e: DefendEvent;
      try {
        e = JSON.parse(line) as DefendEvent;
      } catch {
        stderr += `${line}\n`; // not ours (a library printing to stdout): keep it for a crash message
        return;
      }
      if (e.type === 'done') done = e;
      else if (e.type === 'error') failure = new PrintshotError(CODES[e.code] ?? 'io', e.message, e.hint);
      else if (e.type === 'cancelled') {
        failure = new PrintshotError('cancelled', `cancelled; the checkpoint is kept in ${e.partial}`, 'run the same command again to resume');
      }
      opts.onEvent?.(e);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.forEach(handle);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.stdin.on('error', () => undefined); // EPIPE when the child exits first
    child.on('error', (err: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        err.code === 'ENOENT'
          ? new PrintshotError('io', `python not found: ${python}`, 'install python3 and python3-torch (apt-get install python3-torch), or set PRINTSHOT_PYTHON')
          : new PrintshotError('io', `cannot start ${python}: ${err.message}`),
      );
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      handle(buffer);
      if (failure) return reject(failure);
      if (code === 0 && done) return resolve(done);
      if (opts.signal?.aborted) return reject(new PrintshotError('cancelled', 'cancelled by the user'));
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new PrintshotError('io', `training script failed (${sig ? `signal ${sig}` : `exit code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
  });
}
