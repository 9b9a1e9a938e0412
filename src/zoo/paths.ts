/**
 * Where downloaded models live, and how catalogue URLs map onto a mirror.
 *
 * Data folder, first match wins: the `dataDir` option (the desktop app passes Electron's
 * app.getPath('userData')), $PRINTSHOT_DATA_DIR, $XDG_DATA_HOME/printshot, then the platform's
 * usual place (%LOCALAPPDATA%\printshot, ~/Library/Application Support/printshot,
 * ~/.local/share/printshot). Models go in <data dir>/models/<name>/.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.PRINTSHOT_DATA_DIR) return resolve(env.PRINTSHOT_DATA_DIR);
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'printshot');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'printshot');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'printshot');
  return join(home, '.local', 'share', 'printshot');
}

/** The folder a zoo model is (or would be) downloaded to; loadClassifier(zooModelDir(name)) loads it. */
export function zooModelDir(name: string, base: string = dataDir()): string {
  return join(base, 'models', name);
}

/**
 * With a mirror base (option or $PRINTSHOT_ZOO_BASE_URL), every catalogue URL is fetched as
 * <base>/<host><path><query> instead, e.g. https://tfhub.dev/google/x/model.json →
 * http://127.0.0.1:8080/zoo/tfhub.dev/google/x/model.json. Tests use this to stay on loopback;
 * sites without internet access can mirror the files the same way.
 */
export function mirrorUrl(url: string, base: string | undefined = process.env.PRINTSHOT_ZOO_BASE_URL): string {
  if (!base) return url;
  const u = new URL(url);
  return `${base.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}
