/**
 * The desktop side of the Platform interface: native dialogs, the OS file viewer, and path grants.
 * A folder reaches the engine only if the user picked it in a dialog (or it is in the recent
 * list, which only dialogs fill), so a compromised renderer cannot point the engine elsewhere.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserWindow, Dialog, Shell } from 'electron';
import { assertOpenable, PathGrants, RecentList, scratchName, type FolderPurpose, type Platform } from '../../src/engine';

export interface ElectronPlatformDeps {
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;
  shell: Pick<Shell, 'openPath'>;
  window: () => BrowserWindow | undefined;
  version: string;
  /** userData: the recent list lives here. */
  dataDir: string;
  /** Where scratch experiments go (Documents/Printshot). */
  workspace: string;
  addRecentDocument?: (p: string) => void;
}

const TITLES: Record<FolderPurpose, string> = {
  model: 'Open a TF.js model folder',
  images: 'Open an image folder (ImageFolder or labels.csv)',
  experiment: 'Open an experiment folder',
  'new-experiment': 'Choose an empty folder for the new experiment',
};

export async function electronPlatform(deps: ElectronPlatformDeps): Promise<Platform & { grants: PathGrants }> {
  const grants = new PathGrants();
  grants.grant(deps.workspace);
  const recent = new RecentList(path.join(deps.dataDir, 'recent-experiments.json'));
  for (const r of await recent.list()) grants.grant(r.dir);
  const add = recent.add.bind(recent);
  recent.add = async (dir, name) => {
    grants.grant(dir);
    deps.addRecentDocument?.(dir);
    await add(dir, name);
  };

  return {
    mode: 'electron',
    version: deps.version,
    nativeDialogs: true,
    grants,
    recent,
    async pickFolder(purpose) {
      const win = deps.window();
      const opts = { title: TITLES[purpose], properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const r = win ? await deps.dialog.showOpenDialog(win, opts) : await deps.dialog.showOpenDialog(opts);
      const picked = r.canceled ? undefined : r.filePaths[0];
      if (!picked) return null;
      grants.grant(picked);
      return picked;
    },
    allowPath: (p) => grants.allow(p),
    async scratchDir() {
      const dir = path.join(deps.workspace, scratchName());
      await mkdir(dir, { recursive: true });
      grants.grant(dir);
      return dir;
    },
    async saveAs(source, suggestedName) {
      const win = deps.window();
      const opts = { title: 'Save a copy', defaultPath: suggestedName };
      const r = win ? await deps.dialog.showSaveDialog(win, opts) : await deps.dialog.showSaveDialog(opts);
      if (r.canceled || !r.filePath) return null;
      await copyFile(source, r.filePath);
      return r.filePath;
    },
    async openPath(abs) {
      // The routes check this too; here it guards any other caller of shell.openPath.
      assertOpenable(abs);
      // shell.openPath resolves to an error message, or '' on success.
      return (await deps.shell.openPath(abs)) === '';
    },
  };
}
