/**
 * Serve-mode access control. The server listens on 127.0.0.1 only, but any local process (or a
 * web page in the user's browser) can reach that address, so every API request and the event
 * stream must carry the token printed on the terminal, as an `Authorization: Bearer` or
 * `x-printshot-token` header. Never as a cookie: cookies are scoped by host, not port, so the
 * browser would send one to every other server on 127.0.0.1 (see docs/security.md). The page
 * gets the token from the URL fragment (#token=…), which browsers never send to any server.
 * The Host header is checked too, so a DNS-rebinding page cannot talk to the server under a
 * foreign name.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Whether a request carries the token in a header. Cookies and query strings are never read. */
export function authenticate(req: IncomingMessage, token: string): AuthResult {
  const header = req.headers['x-printshot-token'];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const candidates = [typeof header === 'string' ? header : undefined, bearer].filter((v): v is string => v !== undefined);
  if (candidates.length === 0) return { ok: false, status: 401, reason: 'missing token' };
  return candidates.some((v) => tokenMatches(v, token)) ? { ok: true } : { ok: false, status: 403, reason: 'wrong token' };
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

/**
 * Exactly `application/json`, optionally with `charset=utf-8`: a loose prefix test would accept
 * `application/json-evil`, and a plain cross-site form cannot send this type (a CSRF guard).
 */
export function isJsonContentType(header: string | undefined): boolean {
  return /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i.test((header ?? '').trim());
}
