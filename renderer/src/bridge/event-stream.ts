/**
 * Server-Sent Events over fetch, so the token travels as a header like every API call
 * (EventSource cannot send headers, and a token in its URL would be one more place to leak it).
 * Reconnects after a dropped stream, as EventSource does.
 */
import type { EventSourceFactory, EventSourceLike } from './http';

interface StreamResponse {
  ok: boolean;
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } | null;
}
type StreamFetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<StreamResponse>;

/** Splits an SSE byte stream into `data:` payloads (one JSON message per event here). */
export function sseParser(onData: (data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''));
      if (data.length) onData(data.join('\n'));
    }
  };
}

export function fetchEventSource(token: string, doFetch: StreamFetch, retryMs = 1000): EventSourceFactory {
  return (url) => {
    const listeners = new Set<(e: { data: string }) => void>();
    const ctrl = new AbortController();
    const connect = async (): Promise<void> => {
      while (!ctrl.signal.aborted) {
        try {
          const res = await doFetch(url, { headers: { 'x-printshot-token': token }, signal: ctrl.signal });
          if (res.ok && res.body) {
            const reader = res.body.getReader();
            const decoder = new TextDecoder();
            const feed = sseParser((data) => listeners.forEach((l) => l({ data })));
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              feed(decoder.decode(value, { stream: true }));
            }
          }
        } catch {
          // Dropped or refused: try again below unless closed.
        }
        if (!ctrl.signal.aborted) await new Promise((r) => setTimeout(r, retryMs));
      }
    };
    void connect();
    const source: EventSourceLike = {
      addEventListener: (_type, listener) => void listeners.add(listener),
      close: () => ctrl.abort(),
    };
    return source;
  };
}
