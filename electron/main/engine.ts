/** The engine as an Electron utilityProcess: a Node process without a window, owned by main. */
import { utilityProcess } from 'electron';
import type { EngineTransport, SpawnEngine } from '../../src/engine';
import type { FromEngine } from '../../src/engine/protocol';

export function utilityEngine(entry: string, env: NodeJS.ProcessEnv = process.env): SpawnEngine {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Printshot engine', stdio: 'inherit', env: { ...env, PRINTSHOT_ENGINE: '1' } });
    let exited = false;
    let fatal: string | undefined;
    child.on('error', (type, location) => {
      fatal = `${type} at ${location}`;
    });
    const transport: EngineTransport = {
      get pid() {
        return child.pid;
      },
      send(msg) {
        if (!exited) child.postMessage(msg);
      },
      onMessage(listener) {
        child.on('message', (m: unknown) => listener(m as FromEngine));
      },
      onExit(listener) {
        child.once('exit', (code) => {
          exited = true;
          listener(code, fatal ?? `exit code ${code}`);
        });
      },
      kill() {
        if (!exited) child.kill();
      },
    };
    return transport;
  };
}
