/**
 * Entry point of the engine child process (serve mode, CLI). Electron's utilityProcess has its
 * own entry (electron/engine) with a different port; both run the same engine.
 */
import { installBackend } from '../model/backend';
import { installNodeHost } from '../transforms/node/host';
import { runEngine } from './runtime/engine';
import type { ToEngine } from './protocol';

if (!process.send) {
  process.stderr.write('printshot engine: start me with child_process.fork (no IPC channel)\n');
  process.exit(2);
}

installNodeHost();
// The engine's one explicit backend install (guard, gradients, kernels), before any request: a
// failure is logged here and raised again, with its message, by the first request that loads a model.
installBackend().catch((e: unknown) => process.stderr.write(`printshot engine: ${(e as Error).message}\n`));
runEngine(
  {
    send: (msg) => process.send?.(msg),
    onMessage: (listener) => process.on('message', (m) => listener(m as ToEngine)),
  },
  process.pid,
);

// The engine lives exactly as long as its host: when the IPC channel closes, exit.
process.on('disconnect', () => process.exit(0));
