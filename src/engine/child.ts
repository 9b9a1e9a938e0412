/**
 * Entry point of the engine child process (serve mode, CLI). Electron's utilityProcess has its
 * own entry (electron/engine) with a different port; both run the same engine.
 */
import { installNodeHost } from '../transforms/node/host';
import { runEngine } from './runtime/engine';
import type { ToEngine } from './protocol';

if (!process.send) {
  process.stderr.write('printshot engine: start me with child_process.fork (no IPC channel)\n');
  process.exit(2);
}

installNodeHost();
runEngine(
  {
    send: (msg) => process.send?.(msg),
    onMessage: (listener) => process.on('message', (m) => listener(m as ToEngine)),
  },
  process.pid,
);

// The engine lives exactly as long as its host: when the IPC channel closes, exit.
process.on('disconnect', () => process.exit(0));
