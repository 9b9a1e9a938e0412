/**
 * The app:// scheme serving the built renderer. A real origin (app://printshot) instead of
 * file:// lets the CSP say 'self', lets permission and IPC checks compare origins, and keeps the
 * page from reading arbitrary files through relative file:// URLs.
 */
import type { Protocol } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../../src/contract/csp';
import { confine } from '../../src/shared/node/confine';

export const APP_SCHEME = 'app';
export const APP_HOST = 'printshot';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Must run before app 'ready'. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/** The file an app:// URL maps to inside `root`, or null when it would leave it. */
export function appUrlToFile(root: string, url: string): string | null {
  const u = new URL(url);
  if (u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${rel === '/' ? '/index.html' : rel}`);
  return file.startsWith(path.resolve(root) + path.sep) ? file : null;
}

export function handleAppScheme(
  protocol: Pick<Protocol, 'handle'>,
  root: string,
  fetchFile: (fileUrl: string) => Promise<Response>,
): void {
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appUrlToFile(root, request.url);
    if (!file) return new Response('not found', { status: 404 });
    let res: Response;
    try {
      // By real path: a symlink inside the renderer folder must not reach other files.
      res = await fetchFile(pathToFileURL(await confine(root, file)).href);
    } catch {
      return new Response('not found', { status: 404 }); // net.fetch rejects for a missing file
    }
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', csp);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}
