/**
 * A folder dropped on the desktop app. The preload reads the path from the dropped File
 * (webUtils.getPathForFile), so the page never names it; main checks it is an absolute path to a
 * folder (or a model.json, which stands for its folder), grants it like a dialog's choice, and
 * answers with the path the renderer then sends as a typed path.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { DROP_IPC_CHANNEL, ERROR_CODES, type Envelope } from '../../src/contract';
import type { PathGrants } from '../../src/engine';

const FIX = 'drag the folder from your file manager, or use the Open… button';

export async function droppedFolder(grants: Pick<PathGrants, 'grant'>, trusted: boolean, dropped: unknown): Promise<Envelope> {
  if (!trusted) return { ok: false, error: { code: ERROR_CODES.forbidden, message: 'dropped folder: refused a message from an untrusted frame' } };
  if (typeof dropped !== 'string' || !dropped || !path.isAbsolute(dropped)) {
    return { ok: false, error: { code: ERROR_CODES.badRequest, message: 'what was dropped has no place on disk (only files and folders from a file manager do)', hint: FIX } };
  }
  const st = await stat(dropped).catch(() => undefined);
  if (!st) return { ok: false, error: { code: ERROR_CODES.io, message: `${dropped}: not found`, hint: FIX } };
  const dir = st.isDirectory() ? dropped : path.basename(dropped) === 'model.json' ? path.dirname(dropped) : undefined;
  if (!dir) return { ok: false, error: { code: ERROR_CODES.badRequest, message: `${path.basename(dropped)} is a file: drop its folder instead`, hint: FIX } };
  grants.grant(dir);
  return { ok: true, value: { path: dir } };
}

export function registerDrop(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, grants: Pick<PathGrants, 'grant'>, trusted: (event: IpcMainInvokeEvent) => boolean): () => void {
  ipcMain.handle(DROP_IPC_CHANNEL, (event, dropped: unknown) => droppedFolder(grants, trusted(event), dropped));
  return () => ipcMain.removeHandler(DROP_IPC_CHANNEL);
}
