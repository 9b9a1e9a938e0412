/**
 * Serve-mode access control. The server listens on 127.0.0.1 only, but any local process (or a
 * web page in the user's browser) can reach that address, so every request must carry the token
 * printed on the terminal: as a cookie (set by the first page load with ?token=), or as an
 * `Authorization: Bearer` / `x-printshot-token` header. The Host header is checked too, so a
 * DNS-rebinding page cannot talk to the server under a foreign name.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Cookie names are per port: two workbenches on 127.0.0.1 must not overwrite each other's. */
export function cookieName(port: number): string {
  return `printshot_token_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

export type AuthResult = { ok: true; via: 'cookie' | 'header' | 'query' } | { ok: false; status: 401 | 403; reason: string };

/** Whether a request carries the token; `query` is the ?token= value of a page load. */
export function authenticate(req: IncomingMessage, token: string, port: number, query: string | null): AuthResult {
  const header = req.headers['x-printshot-token'];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const cookie = parseCookies(req.headers.cookie).get(cookieName(port));
  // The query first: a valid ?token= is traded for a cookie even when an old cookie is present.
  const candidates: [string | undefined, 'cookie' | 'header' | 'query'][] = [
    [query ?? undefined, 'query'],
    [typeof header === 'string' ? header : undefined, 'header'],
    [bearer, 'header'],
    [cookie, 'cookie'],
  ];
  let presented = false;
  for (const [value, via] of candidates) {
    if (value === undefined) continue;
    presented = true;
    if (tokenMatches(value, token)) return { ok: true, via };
  }
  return presented ? { ok: false, status: 403, reason: 'wrong token' } : { ok: false, status: 401, reason: 'missing token' };
}

/** The Host header must name this server on the loopback interface. */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A cross-site request (another page posting to us) carries a foreign Origin: refuse it. */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}
