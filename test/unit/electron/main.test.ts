/**
 * Electron main's wiring with 'electron' mocked (no binary here): single-instance lock, the
 * app:// scheme, the window's security options, the session handlers, one IPC handler per
 * channel, the engine as a utilityProcess, and hardening of every web contents.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, DROP_IPC_CHANNEL, ipcChannel } from '../../../src/contract';

const fx = vi.hoisted(() => {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const appListeners = new Map<string, (...args: unknown[]) => unknown>();
  const state = {
    lock: true,
    windows: [] as { options: Record<string, unknown>; loaded?: string }[],
    forks: [] as string[],
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (req: { url: string }) => Promise<Response>>(),
    session: {
      headers: undefined as unknown,
      request: undefined as unknown,
      check: undefined as unknown,
      device: undefined as unknown,
    },
    readyResolve: undefined as undefined | (() => void),
  };
  return { handlers, appListeners, state };
});

vi.mock('electron', () => {
  const { state, handlers, appListeners } = fx;
  class BrowserWindow {
    webContents = { id: 1, isDestroyed: () => false, send: vi.fn() };
    constructor(public options: Record<string, unknown>) {
      state.windows.push(this as unknown as { options: Record<string, unknown> });
    }
    once() {}
    on() {}
    maximize() {}
    show() {}
    async loadURL(url: string) {
      (this as unknown as { loaded: string }).loaded = url;
    }
  }
  const ready = new Promise<void>((r) => (state.readyResolve = r));
  return {
    app: {
      requestSingleInstanceLock: vi.fn(() => state.lock),
      quit: vi.fn(),
      exit: vi.fn(),
      on: vi.fn((name: string, l: (...a: unknown[]) => unknown) => void appListeners.set(name, l)),
      whenReady: () => ready,
      isPackaged: true,
      getVersion: () => '9.9.9',
      getName: () => 'Printshot',
      getPath: (name: string) => `/tmp/printshot-test-${process.pid}/${name}`,
      addRecentDocument: vi.fn(),
    },
    BrowserWindow,
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showErrorBox: vi.fn() },
    ipcMain: { handle: vi.fn((name: string, h: (...a: unknown[]) => unknown) => void handlers.set(name, h)), removeHandler: vi.fn() },
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((t: unknown) => t) },
    net: { fetch: vi.fn(async (url: string) => new Response(`file ${url}`, { status: 200, headers: { 'content-type': 'text/html' } })) },
    protocol: {
      registerSchemesAsPrivileged: vi.fn((s: unknown[]) => void state.schemes.push(...s)),
      handle: vi.fn((scheme: string, h: (req: { url: string }) => Promise<Response>) => void state.protocolHandlers.set(scheme, h)),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (l: unknown) => void (state.session.headers = l) },
        setPermissionRequestHandler: (h: unknown) => void (state.session.request = h),
        setPermissionCheckHandler: (h: unknown) => void (state.session.check = h),
        setDevicePermissionHandler: (h: unknown) => void (state.session.device = h),
      },
    },
    shell: { openPath: vi.fn(async () => '') },
    utilityProcess: {
      fork: vi.fn((entry: string) => {
        state.forks.push(entry);
        return { pid: 4242, on: vi.fn(), once: vi.fn(), postMessage: vi.fn(), kill: vi.fn() };
      }),
    },
  };
});

afterEach(() => vi.clearAllMocks());

describe('Electron main', () => {
  it('takes the single-instance lock, registers app:// before ready, and hardens every web contents', async () => {
    const electron = await import('electron');
    await import('../../../electron/main/index');
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(fx.state.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(fx.appListeners.has('second-instance')).toBe(true);
    const contents = { on: vi.fn(), setWindowOpenHandler: vi.fn() };
    fx.appListeners.get('web-contents-created')!({}, contents);
    expect(contents.setWindowOpenHandler).toHaveBeenCalled();
    expect(contents.on.mock.calls.map((c) => c[0])).toEqual(expect.arrayContaining(['will-navigate', 'will-redirect', 'will-attach-webview']));
  });

  it('on ready: secure window, session handlers, every IPC channel, engine utility process', async () => {
    fx.state.readyResolve!();
    await vi.waitFor(() => expect(fx.state.windows.length).toBe(1));
    await vi.waitFor(() => expect(fx.state.windows[0].loaded).toBeDefined());
    const { options, loaded } = fx.state.windows[0];
    const wp = options.webPreferences as Record<string, unknown>;
    expect(wp).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, devTools: false });
    expect(String(wp.preload)).toMatch(/[/\\]preload[/\\]index\.cjs$/);
    expect(loaded).toBe('app://printshot/index.html');

    expect(typeof fx.state.session.headers).toBe('function');
    expect(typeof fx.state.session.request).toBe('function');
    expect(typeof fx.state.session.check).toBe('function');
    expect((fx.state.session.device as () => boolean)()).toBe(false);

    // One per contract channel, plus the dropped-folder channel (electron/main/drop.ts).
    expect([...fx.handlers.keys()].sort()).toEqual([...CHANNELS.map(ipcChannel), DROP_IPC_CHANNEL].sort());
    expect(fx.state.forks).toHaveLength(1);
    expect(fx.state.forks[0]).toMatch(/[/\\]engine\.js$/);
  });

  it('refuses IPC from a frame of another origin and serves app:// only inside the renderer folder', async () => {
    const call = fx.handlers.get(ipcChannel('app:info'))!;
    const evil = { sender: { id: 1 }, senderFrame: { url: 'https://evil.example/', parent: null } };
    expect(await call(evil, {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const ours = { sender: { id: 1 }, senderFrame: { url: 'app://printshot/index.html', parent: null } };
    expect(await call(ours, {})).toMatchObject({ ok: true, value: { mode: 'electron', version: '9.9.9', nativeDialogs: true } });

    const serve = fx.state.protocolHandlers.get('app')!;
    const page = await serve({ url: 'app://printshot/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await serve({ url: 'app://printshot/..%2F..%2F..%2Fetc%2Fpasswd' })).status).toBe(404);
    expect((await serve({ url: 'app://other/index.html' })).status).toBe(404);
  });

  it('a second instance quits instead of opening a window', async () => {
    vi.resetModules();
    fx.state.lock = false;
    const before = fx.state.windows.length;
    const electron = await import('electron');
    await import('../../../electron/main/index');
    expect(electron.app.quit).toHaveBeenCalled();
    expect(fx.state.windows.length).toBe(before);
  });
});
