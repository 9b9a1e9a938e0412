/**
 * A loopback HTTP file server for zoo tests (127.0.0.1, port 0): byte ranges, redirects, 404s,
 * and scripted faults (drop the connection mid-body, ignore Range, answer 503 once). Every request
 * is logged so tests can assert what was asked for. Nothing here reaches beyond loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Logged {
  path: string;
  search: string;
  range?: string;
}

export interface TestServer {
  base: string;
  files: Map<string, Uint8Array>;
  redirects: Map<string, string>;
  /** Paths whose next full or ranged response is cut after this many body bytes. */
  cutOnce: Map<string, number>;
  ignoreRange: Set<string>;
  failOnce: Set<string>;
  log: Logged[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const s: Omit<TestServer, 'base' | 'close'> = {
    files: new Map(),
    redirects: new Map(),
    cutOnce: new Map(),
    ignoreRange: new Set(),
    failOnce: new Set(),
    log: [],
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const range = req.headers.range;
    s.log.push({ path, search: url.search, ...(range ? { range } : {}) });
    const target = s.redirects.get(path);
    if (target) {
      res.writeHead(302, { location: target + url.search }).end();
      return;
    }
    if (s.failOnce.delete(path)) {
      res.writeHead(503).end('busy');
      return;
    }
    const body = s.files.get(path);
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !s.ignoreRange.has(path)) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    }
    const rest = body.subarray(start);
    const cut = s.cutOnce.get(path);
    if (cut !== undefined) {
      s.cutOnce.delete(path);
      // Send part of the promised body, then drop the connection.
      res.write(rest.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...s,
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
