/**
 * The Bridge in serve mode: POST /api/<channel> with a JSON body (bytes as base64, see
 * src/contract/wire.ts) and one shared event stream on /api/events. The token travels as the
 * x-printshot-token header on every request, events included (event-stream.ts), never as a
 * cookie; the page takes it from the URL fragment (page-token.ts). fetch and EventSource are
 * injectable and typed structurally, so this file needs neither DOM nor Node types and runs in both.
 */
import { ContractError, ERROR_CODES, fromWire, toWire, type Envelope, type EventMessage } from '../../../src/contract';
import { fetchEventSource } from './event-stream';
import type { Bridge, EventName } from './types';

export interface FetchResponseLike {
  ok: boolean;
  status: number;
  text(): Promise<string>;
}
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; credentials?: 'omit' }) => Promise<FetchResponseLike>;

export interface EventSourceLike {
  addEventListener(type: 'message', listener: (e: { data: string }) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

export interface HttpBridgeOptions {
  /** '' for the page's own origin, or http://127.0.0.1:PORT. */
  baseUrl?: string;
  /** Sent as x-printshot-token on every request. */
  token?: string;
  /**
   * This tab's id, sent as x-printshot-tab on every request so the server keeps this tab's open
   * experiment apart from other tabs' (src/serve/sessions.ts). Default: a fresh id per bridge.
   */
  tabId?: string;
  fetch?: FetchLike;
  eventSource?: EventSourceFactory;
}

/** A random tab id (8 to 64 of [A-Za-z0-9_-], as the server checks). */
export function newTabId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export const TAB_KEY = 'printshot-tab';

/**
 * This tab's id, kept in sessionStorage (per tab, kept across reloads) so a reload finds its
 * open experiment again; a fresh one where storage is off.
 */
interface StorageLike {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
}

export function pageTabId(storage: StorageLike | undefined = (globalThis as unknown as { sessionStorage?: StorageLike }).sessionStorage): string {
  try {
    const kept = storage?.getItem(TAB_KEY);
    if (kept && /^[A-Za-z0-9_-]{8,64}$/.test(kept)) return kept;
    const id = newTabId();
    storage?.setItem(TAB_KEY, id);
    return id;
  } catch {
    return newTabId();
  }
}

export function httpBridge(opts: HttpBridgeOptions = {}): Bridge & { close(): void } {
  const base = opts.baseUrl ?? '';
  const tabId = opts.tabId ?? newTabId();
  const g = globalThis as { fetch?: FetchLike; EventSource?: new (url: string) => EventSourceLike };
  const doFetch = opts.fetch ?? g.fetch?.bind(globalThis);
  // With a token, events come over fetch so the token stays in a header; EventSource only without one.
  const openEvents =
    opts.eventSource ??
    (opts.token && doFetch ? fetchEventSource(opts.token, doFetch as never) : g.EventSource ? (url: string) => new g.EventSource!(url) : undefined);
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSourceLike | undefined;

  function ensureEvents(): void {
    if (source || !openEvents) return;
    source = openEvents(`${base}/api/events`);
    source.addEventListener('message', (e) => {
      let msg: EventMessage;
      try {
        msg = fromWire(JSON.parse(e.data)) as EventMessage;
      } catch {
        return;
      }
      for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    });
  }

  return {
    mode: 'serve',
    async call(channel, request) {
      if (!doFetch) throw new ContractError(ERROR_CODES.internal, 'no fetch available');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (opts.token) headers['x-printshot-token'] = opts.token;
      headers['x-printshot-tab'] = tabId;
      const res = await doFetch(`${base}/api/${channel}`, { method: 'POST', headers, body: JSON.stringify(toWire(request)), credentials: 'omit' });
      if (res.status === 401 || res.status === 403) {
        throw new ContractError(ERROR_CODES.forbidden, 'the workbench refused the request (no valid token)', 'open the URL printed by printshot serve again');
      }
      const text = await res.text();
      if (res.status === 413) {
        throw new ContractError(ERROR_CODES.badRequest, `${channel}: ${text.slice(0, 200)}`, 'send fewer or smaller files at a time');
      }
      let envelope: Envelope;
      try {
        envelope = fromWire(JSON.parse(text)) as Envelope;
      } catch {
        throw new ContractError(ERROR_CODES.internal, `${channel}: HTTP ${res.status}: ${text.slice(0, 200)}`);
      }
      if (envelope.ok) return envelope.value as never;
      throw ContractError.from(envelope.error);
    },
    on(event, listener) {
      ensureEvents();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    close() {
      source?.close();
      source = undefined;
    },
  };
}
