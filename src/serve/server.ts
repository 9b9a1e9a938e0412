/**
 * The browser workbench's HTTP server (node:http): the built renderer, the contract's routes as
 * POST /api/<channel>, and push events as Server-Sent Events on GET /api/events. Bound to
 * 127.0.0.1 on a random port; the API and the events need the token in a header (see auth.ts).
 * The page and its assets are the public renderer build and need none: the page reads the token
 * from the URL fragment. Responses carry the same CSP as the Electron window.
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { contentSecurityPolicy, dispatch, fromWire, toWire, type EventMessage, type Routes } from '../contract';
import { confine } from '../shared/node/confine';
import { authenticate, hostAllowed, isJsonContentType, newToken, originAllowed, tokenMatches } from './auth';
import { TAB_HEADER, tabOf } from './sessions';

export interface ServerOptions {
  routes: Routes;
  /** The routes of one workbench tab (its own open experiment); requests without a tab id use `routes`. */
  routesFor?: (tab: string) => Routes;
  /** The built renderer (index.html and assets); pages answer 404 with a hint when it is missing. */
  rendererDir?: string;
  token?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Largest request body; DEFAULT_MAX_BODY_BYTES unless given. */
  maxBodyBytes?: number;
}

export interface ServerHandle {
  server: Server;
  port: number;
  token: string;
  /** The URL to open: the token is in the fragment, which the browser never sends to a server. */
  url: string;
  broadcast(message: EventMessage): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.y4m': 'application/octet-stream',
};

const CSP = contentSecurityPolicy();

/**
 * The largest legitimate request is capture:register with photos (see docs/security.md): one
 * photo at the decoder's 50-megapixel limit is a ~25 MB JPEG, 33 MB in base64; a webcam frame is
 * 2-3 MB. 64 MiB takes that photo with margin, or a drop of about ten phone photos, and keeps a
 * hostile body from costing more than a few hundred MB while it is parsed.
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // The first URL carries the token: never leak it in a Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** The body, or null as soon as it passes `max` bytes (declared or counted): nothing more is buffered. */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(req: IncomingMessage, res: ServerResponse, max: number): void {
  res.setHeader('Connection', 'close');
  const limit = max >= 1024 * 1024 ? `${Math.round(max / 1024 / 1024)} MB` : `${max} bytes`;
  send(res, 413, `request too large (over ${limit})`);
  // Stop reading the rest of the body: the socket closes after the answer.
  res.on('finish', () => req.destroy());
}

export async function startServer(opts: ServerOptions): Promise<ServerHandle> {
  const token = opts.token ?? newToken();
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const clients = new Set<ServerResponse>();
  let port = 0;

  async function serveStatic(res: ServerResponse, pathname: string, head: boolean): Promise<void> {
    if (!opts.rendererDir) return send(res, 404, 'the renderer is not built: run npm run build');
    const root = path.resolve(opts.rendererDir);
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    let file = path.resolve(root, `.${rel}`);
    if (file !== root && !file.startsWith(root + path.sep)) return send(res, 403, 'forbidden');
    const st = await stat(file).catch(() => undefined);
    if (st?.isDirectory()) file = path.join(file, 'index.html');
    else if (!st && !path.extname(file)) file = path.join(root, 'index.html'); // client-side routes
    // The real path must stay in the renderer folder too (a symlink in a build folder).
    const real = await confine(root, file).catch(() => undefined);
    if (!real && st) return send(res, 403, 'forbidden');
    const body = real ? await readFile(real).catch(() => undefined) : undefined;
    if (!body && pathname === '/favicon.ico') return void res.writeHead(204).end(); // browsers ask; don't log a 404
    if (!body) return send(res, 404, file.endsWith('index.html') ? 'the renderer is not built: run npm run build' : 'not found');
    res.statusCode = 200;
    res.setHeader('Content-Type', TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(head ? undefined : body);
  }

  function openEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    clients.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      clients.delete(res);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    if (!hostAllowed(req, port)) return send(res, 403, 'forbidden host');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    const isPage = method === 'GET' || method === 'HEAD';
    const queryToken = isPage ? url.searchParams.get('token') : null;
    if (queryToken !== null) {
      // An old-style ?token= URL: move the token into the fragment, which never reaches a server again.
      if (!tokenMatches(queryToken, token)) return send(res, 403, 'wrong token: open the URL printed by printshot serve');
      url.searchParams.delete('token');
      res.statusCode = 303;
      res.setHeader('Location', `${url.pathname}${url.search}#token=${token}`);
      return void res.end();
    }
    if (url.pathname.startsWith('/api/')) {
      const auth = authenticate(req, token);
      if (!auth.ok) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="printshot"');
        return send(res, auth.status, `${auth.reason}: open the URL printed by printshot serve`);
      }
    }
    if (url.pathname === '/api/events') {
      if (method !== 'GET') return send(res, 405, 'method not allowed');
      return openEvents(req, res);
    }
    if (url.pathname.startsWith('/api/')) {
      if (method !== 'POST') return send(res, 405, 'method not allowed');
      if (!originAllowed(req, port)) return send(res, 403, 'cross-origin request refused');
      if (!isJsonContentType(req.headers['content-type'])) return send(res, 415, 'expected application/json');
      const tab = tabOf(req);
      if (tab === 'bad') return send(res, 400, `bad ${TAB_HEADER} header: expected 8 to 64 letters, digits, '-' or '_'`);
      const routes = tab && opts.routesFor ? opts.routesFor(tab) : opts.routes;
      const text = await readBody(req, maxBody);
      if (text === null) return tooLarge(req, res, maxBody);
      let payload: unknown;
      try {
        payload = fromWire(JSON.parse(text));
      } catch (e) {
        const message = e instanceof SyntaxError ? 'body is not JSON' : `body refused: ${(e as Error).message}`;
        return send(res, 400, JSON.stringify({ ok: false, error: { code: 'bad-request', message } }), 'application/json');
      }
      const envelope = await dispatch(routes, url.pathname.slice('/api/'.length), payload);
      return send(res, 200, JSON.stringify(toWire(envelope)), 'application/json');
    }
    if (!isPage) return send(res, 405, 'method not allowed');
    return serveStatic(res, url.pathname, method === 'HEAD');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${(e as Error)?.message ?? String(e)}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the workbench is for the person at this machine.
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    server,
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    broadcast(message) {
      const data = `data: ${JSON.stringify(toWire(message))}\n\n`;
      for (const c of clients) c.write(data);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
