/**
 * Serve mode's HTTP server: loopback only, the API and the event stream need the token in a
 * header (never a cookie, never the query), the page reads it from the URL fragment, foreign Host
 * and Origin headers and inexact content types are refused, and the routes answer with contract
 * envelopes (bytes base64).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, type Routes } from '../../../src/contract';
import { startServer, type ServerHandle } from '../../../src/serve';
import { httpBridge } from '../../../renderer/src/bridge/http';

let srv: ServerHandle;
let base: string;

/** A raw request (fetch would hide the Host header and follow redirects). */
function raw(pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest(`${base}${pathname}`, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = () => ({ 'x-printshot-token': srv.token });
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  const renderer = await mkdtemp(path.join(tmpdir(), 'ps-renderer-'));
  await mkdir(path.join(renderer, 'assets'));
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Printshot</title>');
  await writeFile(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  const routes = {
    'app:info': async () => ({ version: 't', mode: 'serve', platform: 'test', nativeDialogs: false, engine: { state: 'ready', restarts: 0 } }),
    'file:read': async (req: { path: string }) => ({ name: req.path, mime: 'image/png', bytes: new Uint8Array([137, 80, 78, 71, 0, 255]) }),
    'model:load': async () => {
      throw Object.assign(new Error('model directory not found: /x'), { code: 'bad-model', hint: 'check the path' });
    },
  } as unknown as Routes;
  srv = await startServer({ routes, rendererDir: renderer });
  base = `http://127.0.0.1:${srv.port}`;
});

afterAll(() => srv.close());

describe('serve mode binding and token', () => {
  it('listens on 127.0.0.1 only, and prints a URL carrying the token in its fragment', () => {
    expect((srv.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/#token=${srv.token}`);
    expect(srv.token.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['an API route', 'POST', '/api/app:info'],
    ['the event stream', 'GET', '/api/events'],
  ])('refuses %s without the token (401), with a wrong one (403), and with it only as a cookie or query', async (_what, method, p) => {
    const body = method === 'POST' ? '{}' : undefined;
    const none = await raw(p, { method, headers: json, body });
    expect(none.status).toBe(401);
    const wrong = await raw(p, { method, headers: { ...json, 'x-printshot-token': 'nope' }, body });
    expect(wrong.status).toBe(403);
    // The right token in a cookie or the query is not a credential: a cookie would reach other ports.
    const cookie = await raw(p, { method, headers: { ...json, cookie: `printshot_token=${srv.token}; printshot_token_${srv.port}=${srv.token}` }, body });
    expect(cookie.status).toBe(401);
    if (method === 'POST') expect((await raw(`${p}?token=${srv.token}`, { method, headers: json, body })).status).toBe(401);
  });

  it('serves the public page and assets without a token, and never sets a cookie', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Printshot</title>');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['set-cookie']).toBeUndefined();
    const asset = await raw('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('moves an old-style ?token= into the fragment without a cookie, and refuses a wrong one', async () => {
    const first = await raw(`/?token=${srv.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`/#token=${srv.token}`);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect((await raw('/?token=nope')).status).toBe(403);
  });

  it('accepts the token as Authorization: Bearer or x-printshot-token', async () => {
    const post = (headers: Record<string, string>) => raw('/api/app:info', { method: 'POST', headers: { ...json, ...headers }, body: '{}' });
    expect((await post({ authorization: `Bearer ${srv.token}` })).status).toBe(200);
    expect((await post(auth())).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await raw('/', { headers: { ...auth(), host: `evil.example:${srv.port}` } })).status).toBe(403);
  });

  it('refuses cross-origin API posts and any content type but exactly application/json', async () => {
    const evil = await raw('/api/app:info', { method: 'POST', headers: { ...auth(), ...json, origin: 'https://evil.example' }, body: '{}' });
    expect(evil.status).toBe(403);
    const form = await raw('/api/app:info', { method: 'POST', headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(415);
    for (const type of ['application/json-evil', 'application/jsonp', 'text/plain; application/json', 'application/json; charset=latin1']) {
      const r = await raw('/api/app:info', { method: 'POST', headers: { ...auth(), 'content-type': type }, body: '{}' });
      expect(r.status, type).toBe(415);
    }
    for (const type of ['application/json', 'Application/JSON; charset=UTF-8', 'application/json;charset=utf-8']) {
      const r = await raw('/api/app:info', { method: 'POST', headers: { ...auth(), 'content-type': type }, body: '{}' });
      expect(r.status, type).toBe(200);
    }
    expect((await raw('/api/app:info', { method: 'GET', headers: auth() })).status).toBe(405);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const r = await raw(p, { headers: auth() });
      expect(r.body).not.toMatch(/root:/);
      expect([200, 403, 404]).toContain(r.status);
    }
  });
});

describe('serve mode API', () => {
  it('validates payloads and answers with envelopes', async () => {
    const bad = await raw('/api/app:info', { method: 'POST', headers: { ...auth(), ...json }, body: '{"extra":1}' });
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const proto = await raw('/api/app:info', { method: 'POST', headers: { ...auth(), ...json }, body: '{"__proto__":{"polluted":1}}' });
    expect(proto.status).toBe(400);
    expect(JSON.parse(proto.body)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('__proto__') } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const unknown = await raw('/api/model:delete', { method: 'POST', headers: { ...auth(), ...json }, body: '{}' });
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('works through the renderer’s HTTP bridge: bytes, errors with hints, events', async () => {
    const bridge = httpBridge({ baseUrl: base, token: srv.token, fetch: fetch as never });
    expect(await bridge.call('app:info', {})).toMatchObject({ mode: 'serve' });
    const file = await bridge.call('file:read', { path: 'sheets/a.pdf' });
    expect(file.bytes).toBeInstanceOf(Uint8Array);
    expect([...file.bytes]).toEqual([137, 80, 78, 71, 0, 255]);
    await expect(bridge.call('model:load', { source: { kind: 'path', path: '/x' } })).rejects.toMatchObject({ code: 'bad-model', hint: 'check the path' });
    const small = await startServer({ routes: {} as Routes, maxBodyBytes: 1024 });
    const tooBig = httpBridge({ baseUrl: `http://127.0.0.1:${small.port}`, token: small.token, fetch: fetch as never });
    await expect(tooBig.call('capture:register', { photos: [{ name: 'a.png', bytes: new Uint8Array(4096), source: 'file' }] })).rejects.toMatchObject({
      code: 'bad-request',
      message: 'capture:register: request too large (over 1024 bytes)',
      hint: 'send fewer or smaller files at a time',
    });
    await small.close();
    const anonymous = httpBridge({ baseUrl: base, fetch: fetch as never });
    await expect(anonymous.call('app:info', {})).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('streams push events to authenticated clients (Server-Sent Events)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, { headers: auth(), signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    srv.broadcast({ event: 'engine:crashed', payload: { reason: 'test', exitCode: 1, interrupted: ['j1'], restartable: true } });
    let text = '';
    while (!text.includes('engine:crashed')) text += new TextDecoder().decode((await reader.read()).value);
    const data = text.split('\n').find((l) => l.startsWith('data: '))!;
    expect(JSON.parse(data.slice(6))).toEqual({ event: 'engine:crashed', payload: { reason: 'test', exitCode: 1, interrupted: ['j1'], restartable: true } });
    controller.abort();
  });
});
