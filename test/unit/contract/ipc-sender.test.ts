/**
 * IPC sender checks: only the main frame of our own window, showing our own origin, may call a
 * channel. A subframe, another window, a navigated-away frame or a foreign origin is refused
 * before the payload is even validated.
 */
import { describe, expect, it } from 'vitest';
import { CHANNELS, ipcChannel, type Envelope, type Routes } from '../../../src/contract';
import { registerIpc } from '../../../electron/main/ipc';
import { isTrustedSender, originOf } from '../../../electron/main/security';

const ORIGIN = 'app://printshot';
const OUR_ID = 7;

type Handler = (event: unknown, payload: unknown) => Promise<Envelope>;

function wired() {
  const handlers = new Map<string, Handler>();
  let reached = 0;
  const routes = Object.fromEntries(
    CHANNELS.map((c) => [
      c,
      async () => {
        reached++;
        return { version: '1', mode: 'electron', platform: 'linux', nativeDialogs: true, engine: { state: 'ready', restarts: 0 } };
      },
    ]),
  ) as unknown as Routes;
  registerIpc(
    { handle: (name: string, h: unknown) => void handlers.set(name, h as Handler), removeHandler: () => undefined },
    routes,
    (event) => isTrustedSender(event, { origin: ORIGIN, webContentsIds: new Set([OUR_ID]) }),
  );
  return { invoke: (event: unknown, payload: unknown = {}) => handlers.get(ipcChannel('app:info'))!(event, payload), reached: () => reached };
}

function event(opts: { url?: string; id?: number; subframe?: boolean; noFrame?: boolean } = {}) {
  const top = { url: `${ORIGIN}/index.html`, parent: null };
  const frame = opts.noFrame ? null : { url: opts.url ?? `${ORIGIN}/index.html`, parent: opts.subframe ? top : null };
  return { sender: { id: opts.id ?? OUR_ID }, senderFrame: frame };
}

describe('IPC sender validation', () => {
  it('accepts our own main frame', async () => {
    const ipc = wired();
    expect(await ipc.invoke(event())).toMatchObject({ ok: true });
    expect(ipc.reached()).toBe(1);
  });

  it.each([
    ['a subframe of our window', event({ subframe: true })],
    ['a frame from another origin', event({ url: 'https://evil.example/index.html' })],
    ['a file:// page', event({ url: 'file:///home/user/evil.html' })],
    ['a look-alike custom scheme host', event({ url: 'app://printshot.evil/index.html' })],
    ['another webContents', event({ id: 99 })],
    ['a frame that navigated away or was destroyed', event({ noFrame: true })],
  ])('refuses %s', async (_what, ev) => {
    const ipc = wired();
    const envelope = await ipc.invoke(ev);
    expect(envelope).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(ipc.reached()).toBe(0);
  });

  it('checks the sender before the payload (an untrusted sender learns nothing about the schema)', async () => {
    const ipc = wired();
    expect(await ipc.invoke(event({ subframe: true }), 'garbage')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ipc.invoke(event(), 'garbage')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('computes origins for custom schemes (where WHATWG URL says "null")', () => {
    expect(originOf('app://printshot/index.html')).toBe('app://printshot');
    expect(originOf('http://localhost:5173/x?y')).toBe('http://localhost:5173');
    expect(originOf('not a url')).toBeNull();
  });
});
