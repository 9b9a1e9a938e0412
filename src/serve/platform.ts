/**
 * The browser workbench's side of the Platform interface. There is no native dialog in a web
 * page, so folders are typed as paths; they are accepted because the only client that can reach
 * the routes holds the token printed on this user's terminal, the same trust as the CLI.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ContractError, ERROR_CODES } from '../contract';
import { RecentList, scratchName, type Platform } from '../engine';

export function servePlatform(opts: { workspace: string; version: string }): Platform {
  return {
    mode: 'serve',
    version: opts.version,
    nativeDialogs: false,
    async pickFolder() {
      throw new ContractError(ERROR_CODES.notAvailable, 'the browser workbench cannot show a folder dialog', 'type the folder path instead');
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
  };
}
