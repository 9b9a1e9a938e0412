/** The Bridge over the preload's window.printshot (Electron). Not named electron.ts: lint forbids that name in renderer/. */
import { ContractError, type Envelope, type PreloadApi } from '../../../src/contract';
import type { Bridge } from './types';

export function preloadApi(): PreloadApi | undefined {
  const api = (globalThis as { printshot?: PreloadApi }).printshot;
  return api && api.version === 1 ? api : undefined;
}

export function electronBridge(api: PreloadApi): Bridge {
  return {
    mode: 'electron',
    async call(channel, request) {
      const envelope: Envelope = await api.channels[channel](request);
      if (envelope.ok) return envelope.value as never;
      throw ContractError.from(envelope.error);
    },
    on(event, listener) {
      return api.on(event, listener as (payload: unknown) => void);
    },
    async droppedFolder(file) {
      const envelope: Envelope = await api.droppedFolder(file);
      if (envelope.ok) return (envelope.value as { path: string }).path;
      throw ContractError.from(envelope.error);
    },
  };
}
