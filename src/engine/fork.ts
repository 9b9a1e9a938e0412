/**
 * The engine as a Node child process, for serve mode and the CLI: the same engine code Electron
 * runs in a utilityProcess. A child process rather than a worker thread, so a crash (a wasm heap
 * abort, an out-of-memory kill) takes down only the engine and the host can report and restart
 * it, as in Electron. Messages use structured clone ('advanced' serialization), so PNG bytes pass
 * as Uint8Array as they do over a MessagePort.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLED, bundleEntry } from '../shared/node/paths';
import type { EngineTransport, SpawnEngine } from './host';
import type { FromEngine } from './protocol';

export interface ForkEngineOptions {
  /** Extra environment for the engine (e.g. PRINTSHOT_BACKEND). */
  env?: NodeJS.ProcessEnv;
  /** Inherit the child's stdout/stderr (default) or drop them. */
  quiet?: boolean;
}

export function forkEngine(opts: ForkEngineOptions = {}): SpawnEngine {
  // From the CLI bundle the engine is its bundled entry; from src/ it is TypeScript run through
  // tsx, resolved from here so that it works whatever the working directory is.
  const entry = BUNDLED ? bundleEntry('engine-child') : fileURLToPath(new URL('./child.ts', import.meta.url));
  const execArgv = BUNDLED ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return () => {
    const child = fork(entry, [], {
      execArgv,
      serialization: 'advanced',
      stdio: opts.quiet ? ['ignore', 'ignore', 'ignore', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...opts.env, PRINTSHOT_ENGINE: '1' },
    });
    let exited = false;
    const transport: EngineTransport = {
      get pid() {
        return child.pid;
      },
      send(msg) {
        if (!exited && child.connected) child.send(msg);
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as FromEngine));
      },
      onExit(listener) {
        child.once('exit', (code, signal) => {
          exited = true;
          listener(code, signal ? `killed by ${signal}` : `exit code ${code}`);
        });
      },
      kill() {
        if (!exited) child.kill('SIGKILL');
      },
    };
    return transport;
  };
}
