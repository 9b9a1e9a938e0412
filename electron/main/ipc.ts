/**
 * IPC wiring: one ipcMain.handle per contract channel, each checking the sender before the
 * shared dispatcher validates the payload (zod) and runs the route. Answers are envelopes, so
 * error codes and hints survive the trip (Electron flattens thrown errors into strings).
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, dispatch, ERROR_CODES, EVENT_IPC_CHANNEL, ipcChannel, type Envelope, type EventMessage, type Routes } from '../../src/contract';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, routes: Routes, trusted: SenderCheck): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(ipcChannel(channel), async (event, payload: unknown): Promise<Envelope> => {
      if (!trusted(event)) {
        return { ok: false, error: { code: ERROR_CODES.forbidden, message: `${channel}: refused a message from an untrusted frame` } };
      }
      return dispatch(routes, channel, payload);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(ipcChannel(channel));
  };
}

/** Sends a push event to a window, unless it is gone. */
export function sendEvent(target: { isDestroyed(): boolean; send(channel: string, ...args: unknown[]): void } | undefined, message: EventMessage): void {
  if (target && !target.isDestroyed()) target.send(EVENT_IPC_CHANNEL, message);
}
