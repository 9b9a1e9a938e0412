/**
 * Serve mode: the engine in a child process, the shared route table, and the HTTP server, wired
 * together. `printshot serve` and `npm run serve` call startServe; tests call it with a
 * temporary workspace.
 */
import { createRoutes, EngineHost, type SpawnEngine } from '../engine';
import { forkEngine } from '../engine/fork';
import { DEFAULT_WORKSPACE, fromPackageRoot } from '../shared/node/paths';
import { servePlatform } from './platform';
import { startServer, type ServerHandle } from './server';
import { TabSessions } from './sessions';

export { startServer, type ServerHandle, type ServerOptions } from './server';
export { authenticate, hostAllowed, isJsonContentType, newToken, tokenMatches } from './auth';
export { DEFAULT_MAX_BODY_BYTES } from './server';
export { browseRoots, servePlatform } from './platform';
export { FolderBrowser, MAX_ENTRIES } from './folder-browser';
export { RecentFolders, RECENT_FOLDERS_FILE } from './recent-folders';
export { TabSessions, TAB_HEADER, MAX_TABS } from './sessions';

/** Where electron-vite writes the renderer build (see electron.vite.config.ts). */
export const RENDERER_DIR = fromPackageRoot('out', 'renderer');
export { DEFAULT_WORKSPACE };

export interface ServeOptions {
  port?: number;
  workspace?: string;
  rendererDir?: string;
  version?: string;
  /** Folders the folder browser may list besides the workspace and the bundled assets (--allow). */
  allow?: readonly string[];
  /** Engine process factory (tests may pass a quiet one). */
  spawn?: SpawnEngine;
}

export interface ServeHandle extends ServerHandle {
  host: EngineHost;
  stop(): Promise<void>;
}

export async function startServe(opts: ServeOptions = {}): Promise<ServeHandle> {
  let broadcast: ServerHandle['broadcast'] = () => undefined;
  const host = new EngineHost(opts.spawn ?? forkEngine(), (m) => broadcast(m));
  const platform = servePlatform({ workspace: opts.workspace ?? DEFAULT_WORKSPACE, version: opts.version ?? '0.1.0', allow: opts.allow });
  // Each tab its own open experiment (sessions.ts); requests without a tab id share the engine's.
  const tabs = new TabSessions((session) => createRoutes(host, platform, session));
  const handle = await startServer({
    routes: createRoutes(host, platform),
    routesFor: (tab) => tabs.routesFor(tab),
    rendererDir: opts.rendererDir ?? RENDERER_DIR,
    port: opts.port,
  });
  broadcast = handle.broadcast;
  // Start the engine now so the first click does not wait for TF.js to load.
  host.start().catch(() => undefined);
  return {
    ...handle,
    host,
    async stop() {
      host.stop();
      await handle.close();
    },
  };
}
