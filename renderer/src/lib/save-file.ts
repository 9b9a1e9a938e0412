/**
 * Saves a file of the open experiment where the user wants it: a save dialog in the desktop app,
 * a download in the browser workbench (no dialog there). Answers the line to show, or null when
 * the dialog was closed without saving.
 */
import type { Bridge } from '../bridge';
import { downloadBytes } from './bytes';

export async function saveExperimentFile(bridge: Bridge, nativeDialogs: boolean, path: string): Promise<string | null> {
  if (nativeDialogs) {
    const r = await bridge.call('file:export', { path });
    return r.savedTo ? `Saved to ${r.savedTo}` : null;
  }
  const f = await bridge.call('file:read', { path });
  downloadBytes(f.bytes, f.name, f.mime);
  return `Downloading ${f.name}`;
}
