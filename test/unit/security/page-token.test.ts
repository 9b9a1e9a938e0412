/**
 * The page's side of the serve-mode token: taken from the URL fragment (never sent to a server),
 * stripped from the address bar, kept in per-origin sessionStorage for reloads; and the event
 * stream over fetch sends it as a header, never in the URL.
 */
import { describe, expect, it } from 'vitest';
import { fetchEventSource, sseParser } from '../../../renderer/src/bridge/event-stream';
import { TOKEN_KEY, takePageToken } from '../../../renderer/src/bridge/page-token';

function fakePage(hash: string, stored?: string) {
  const storage = new Map<string, string>(stored ? [[TOKEN_KEY, stored]] : []);
  const replaced: string[] = [];
  return {
    replaced,
    storage,
    location: { hash, pathname: '/', search: '' },
    history: { replaceState: (_d: unknown, _u: string, url?: string) => void replaced.push(url ?? '') },
    sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) },
  };
}

describe('takePageToken', () => {
  it('takes #token=, strips it from the address bar and keeps it for this tab', () => {
    const page = fakePage('#token=abc_DEF-123');
    expect(takePageToken(page)).toBe('abc_DEF-123');
    expect(page.replaced).toEqual(['/']);
    expect(page.storage.get(TOKEN_KEY)).toBe('abc_DEF-123');
  });

  it('falls back to sessionStorage after a reload, and leaves route hashes alone', () => {
    const page = fakePage('#/attack', 'stored');
    expect(takePageToken(page)).toBe('stored');
    expect(page.replaced).toEqual([]);
    expect(takePageToken(fakePage(''))).toBeUndefined();
  });
});

describe('fetchEventSource', () => {
  it('parses SSE data lines split across chunks', () => {
    const got: string[] = [];
    const feed = sseParser((d) => got.push(d));
    feed(': connected\n\nda');
    feed('ta: {"a":1}\r\n\r\ndata: {"b":2}\n');
    feed('\n');
    expect(got).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('sends the token as a header, not in the URL, and delivers the messages', async () => {
    const calls: { url: string; headers: Record<string, string> }[] = [];
    const body = new TextEncoder().encode('data: {"event":"x"}\n\n');
    const doFetch = async (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => {
      calls.push({ url, headers: init.headers });
      let sent = false;
      return {
        ok: true,
        body: {
          getReader: () => ({
            read: async () => {
              if (!sent) return (sent = true), { done: false, value: body };
              // Hold the stream open until closed.
              await new Promise((r) => init.signal.addEventListener('abort', r));
              throw new Error('aborted');
            },
          }),
        },
      };
    };
    const source = fetchEventSource('secret', doFetch)('/api/events');
    const data = await new Promise<string>((resolve) => source.addEventListener('message', (e) => resolve(e.data)));
    source.close();
    expect(data).toBe('{"event":"x"}');
    expect(calls).toEqual([{ url: '/api/events', headers: { 'x-printshot-token': 'secret' } }]);
  });
});
