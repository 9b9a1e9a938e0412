/**
 * The preload: exposes `window.printshot`, an allowlist derived from the contract's channel names
 * (one function per channel, no generic invoke) and a subscription for the contract's events.
 * It imports only src/contract/names (no zod, no Node), because a sandboxed preload can require
 * nothing but a few Electron modules: electron-vite bundles it as CommonJS (index.cjs).
 * Payloads are checked in main; the IpcRendererEvent is never handed to the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { CHANNELS, DROP_IPC_CHANNEL, EVENT_IPC_CHANNEL, ipcChannel, isEventName, type EventName } from '../../src/contract/names';
import type { PreloadApi } from '../../src/contract/preload-api';

const channels = Object.freeze(
  Object.fromEntries(CHANNELS.map((channel) => [channel, (payload: unknown) => ipcRenderer.invoke(ipcChannel(channel), payload)])),
) as PreloadApi['channels'];

const api: PreloadApi = {
  version: 1,
  channels,
  on(event: EventName, listener: (payload: unknown) => void) {
    if (!isEventName(event)) throw new Error(`printshot: unknown event '${String(event)}'`);
    if (typeof listener !== 'function') throw new Error('printshot: listener must be a function');
    const wrapped = (_e: IpcRendererEvent, message: { event?: unknown; payload?: unknown }) => {
      if (message && message.event === event) listener(message.payload);
    };
    ipcRenderer.on(EVENT_IPC_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT_IPC_CHANNEL, wrapped);
    };
  },
  droppedFolder(file: unknown) {
    // Only a File the OS dropped has a path; one the page made up (or anything else) gives ''.
    let dropped: string;
    try {
      dropped = webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
    } catch {
      dropped = '';
    }
    return ipcRenderer.invoke(DROP_IPC_CHANNEL, dropped);
  },
};

contextBridge.exposeInMainWorld('printshot', api);


