/**
 * Entry point of the engine in Electron: a utilityProcess started by main. Same engine as serve
 * mode's child process; only the port differs (process.parentPort instead of process.send).
 */
import type { ToEngine } from '../../src/engine/protocol';
import { runEngine } from '../../src/engine/runtime/engine';
import { installNodeHost } from '../../src/transforms/node/host';

installNodeHost();
const port = process.parentPort;
runEngine(
  {
    send: (msg) => port.postMessage(msg),
    onMessage: (listener) => port.on('message', (e) => listener(e.data as ToEngine)),
  },
  process.pid,
);
