/**
 * The browser workbench's side of the Platform interface. There is no native dialog in a web
 * page, so folders are typed as paths; they are accepted because the only client that can reach
 * the routes holds the token printed on this user's terminal, the same trust as the CLI. The
 * folder browser (fs:list) is narrower: it lists only the workspace, the bundled assets and the
 * folders granted with --allow (folder-browser.ts).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ContractError, ERROR_CODES } from '../contract';
import { RecentList, scratchName, type Platform } from '../engine';
import { appPaths } from '../shared/node/paths';
import { FolderBrowser, type BrowseRoot } from './folder-browser';
import { RECENT_FOLDERS_FILE, RecentFolders } from './recent-folders';

/** The folder browser's roots: the workspace, the bundled assets (read-only), then each --allow folder. */
export function browseRoots(workspace: string, allow: readonly string[] = []): BrowseRoot[] {
  const roots: BrowseRoot[] = [
    { name: 'Workspace', path: path.resolve(workspace), readOnly: false },
    { name: 'Bundled assets', path: appPaths().assets, readOnly: true },
  ];
  for (const dir of allow) {
    const abs = path.resolve(dir);
    if (!roots.some((r) => r.path === abs)) roots.push({ name: path.basename(abs) || abs, path: abs, readOnly: false });
  }
  return roots;
}

export function servePlatform(opts: { workspace: string; version: string; allow?: readonly string[] }): Platform {
  return {
    mode: 'serve',
    version: opts.version,
    nativeDialogs: false,
    async pickFolder() {
      throw new ContractError(ERROR_CODES.notAvailable, 'the browser workbench cannot show a folder dialog', 'use Browse… or type the folder path instead');
    },
    allowPath: (p) => path.resolve(p),
    async scratchDir() {
      const dir = path.join(opts.workspace, scratchName());
      await mkdir(dir, { recursive: true });
      return dir;
    },
    saveAs: async () => null,
    openPath: async () => false,
    recent: new RecentList(path.join(opts.workspace, '.recent.json')),
    folders: new FolderBrowser(browseRoots(opts.workspace, opts.allow), new RecentFolders(path.join(opts.workspace, RECENT_FOLDERS_FILE))),
  };
}
