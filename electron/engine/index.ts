/**
 * Entry point of the engine in Electron: a utilityProcess started by main. Same engine as serve
 * mode's child process; only the port differs (process.parentPort instead of process.send).
 */
import type { ToEngine } from '../../src/engine/protocol';
import { runEngine } from '../../src/engine/runtime/engine';
import { installBackend } from '../../src/model/backend';
import { installNodeHost } from '../../src/transforms/node/host';

installNodeHost();
// The engine's one explicit backend install (guard, gradients, kernels), before any request: a
// failure is logged here and raised again, with its message, by the first request that loads a model.
installBackend().catch((e: unknown) => process.stderr.write(`printshot engine: ${(e as Error).message}\n`));
const port = process.parentPort;
runEngine(
  {
    send: (msg) => port.postMessage(msg),
    onMessage: (listener) => port.on('message', (e) => listener(e.data as ToEngine)),
  },
  process.pid,
);
