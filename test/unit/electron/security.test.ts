/**
 * Electron security settings, inspected without the Electron binary: the BrowserWindow options,
 * the session handlers (CSP, permissions, devices) called on a fake session, and the navigation
 * and window-open rules on fake web contents.
 */
import { describe, expect, it, vi } from 'vitest';
import { contentSecurityPolicy } from '../../../src/contract';
import { cameraOnly, hardenWebContents, installSecurityHandlers, windowOptions } from '../../../electron/main/security';

const ORIGIN = 'app://printshot';

function fakeSession() {
  const s = {
    headers: undefined as undefined | ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void),
    request: undefined as undefined | ((wc: unknown, permission: string, cb: (ok: boolean) => void, details: unknown) => void),
    check: undefined as undefined | ((wc: unknown, permission: string, origin: string, details: unknown) => boolean),
    device: undefined as undefined | ((details: unknown) => boolean),
    webRequest: { onHeadersReceived: (l: unknown) => void (s.headers = l as typeof s.headers) },
    setPermissionRequestHandler: (h: unknown) => void (s.request = h as typeof s.request),
    setPermissionCheckHandler: (h: unknown) => void (s.check = h as typeof s.check),
    setDevicePermissionHandler: (h: unknown) => void (s.device = h as typeof s.device),
  };
  installSecurityHandlers(s as never, ORIGIN);
  const request = (permission: string, details: object) =>
    new Promise<boolean>((resolve) => s.request!(undefined, permission, resolve, details));
  return { s, request };
}

describe('BrowserWindow options', () => {
  const opts = windowOptions({ preload: '/app/out/preload/index.cjs' });
  const wp = opts.webPreferences!;

  it('isolate the page: context isolation, sandbox, no Node, web security on', () => {
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.nodeIntegrationInWorker).toBe(false);
    expect(wp.nodeIntegrationInSubFrames).toBe(false);
    expect(wp.webSecurity).toBe(true);
    expect(wp.allowRunningInsecureContent).toBe(false);
    expect(wp.webviewTag).toBe(false);
    expect(wp.experimentalFeatures).toBe(false);
    expect(wp.navigateOnDragDrop).toBe(false);
    expect(wp.devTools).toBe(false);
  });

  it('point at the CommonJS preload (sandboxed preloads cannot be ES modules)', () => {
    expect(wp.preload).toBe('/app/out/preload/index.cjs');
    expect(wp.preload).toMatch(/\.cjs$/);
  });
});

describe('session handlers', () => {
  it('put the CSP on every response, replacing any the server sent', () => {
    const { s } = fakeSession();
    const cb = vi.fn();
    s.headers!({ responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, cb);
    const headers = cb.mock.calls[0][0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([contentSecurityPolicy()]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['X-Other']).toEqual(['1']);
  });

  it('allow the camera for our own origin', async () => {
    const { request } = fakeSession();
    expect(await request('media', { requestingUrl: `${ORIGIN}/index.html`, mediaTypes: ['video'] })).toBe(true);
  });

  it.each([
    ['the microphone', 'media', { requestingUrl: `${ORIGIN}/index.html`, mediaTypes: ['audio'] }],
    ['camera and microphone together', 'media', { requestingUrl: `${ORIGIN}/index.html`, mediaTypes: ['video', 'audio'] }],
    ['the camera for another origin', 'media', { requestingUrl: 'https://evil.example/', mediaTypes: ['video'] }],
    ['media with no type', 'media', { requestingUrl: `${ORIGIN}/index.html` }],
    ['geolocation', 'geolocation', { requestingUrl: `${ORIGIN}/index.html` }],
    ['notifications', 'notifications', { requestingUrl: `${ORIGIN}/index.html` }],
    ['opening external links', 'openExternal', { requestingUrl: `${ORIGIN}/index.html` }],
    ['screen capture', 'display-capture', { requestingUrl: `${ORIGIN}/index.html` }],
  ])('refuse %s', async (_what, permission, details) => {
    const { request } = fakeSession();
    expect(await request(permission, details)).toBe(false);
  });

  it('answer permission checks the same way, and refuse every device chooser', () => {
    const { s } = fakeSession();
    expect(s.check!(undefined, 'media', ORIGIN, { mediaType: 'video' })).toBe(true);
    expect(s.check!(undefined, 'media', ORIGIN, { mediaType: 'audio' })).toBe(false);
    // A check without a media type (or 'unknown') used to pass: requests never did.
    expect(s.check!(undefined, 'media', ORIGIN, {})).toBe(false);
    expect(s.check!(undefined, 'media', ORIGIN, { mediaType: 'unknown' })).toBe(false);
    expect(s.check!(undefined, 'media', 'https://evil.example', { mediaType: 'video' })).toBe(false);
    expect(s.check!(undefined, 'clipboard-read', ORIGIN, {})).toBe(false);
    expect(s.device!({ deviceType: 'usb', origin: ORIGIN })).toBe(false);
  });

  it('check and request handlers agree on every permission, origin and media type', async () => {
    const { s, request } = fakeSession();
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'display-capture', 'openExternal']) {
      for (const origin of [ORIGIN, 'https://evil.example', 'file://', 'http://127.0.0.1:5173']) {
        for (const mediaType of ['video', 'audio', 'unknown', undefined]) {
          const checked = s.check!(undefined, permission, origin, mediaType ? { mediaType } : {});
          const requested = await request(permission, { requestingUrl: `${origin}/index.html`, ...(mediaType ? { mediaTypes: [mediaType] } : {}) });
          expect(checked, `${permission} ${origin} ${String(mediaType)}`).toBe(requested);
          expect(checked).toBe(permission === 'media' && origin === ORIGIN && mediaType === 'video');
        }
      }
    }
    expect(cameraOnly('media', `${ORIGIN}/x`, ORIGIN, ['video', 'video'])).toBe(true);
  });

  it('the CSP has no unsafe-inline (styles come from the stylesheet and the CSSOM)', () => {
    expect(contentSecurityPolicy()).not.toContain('unsafe-inline');
    expect(contentSecurityPolicy()).toMatch(/style-src 'self'(;|$)/);
  });
});

describe('web contents', () => {
  function fakeContents() {
    const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, l: (event: { preventDefault(): void }, url?: string) => void) => void listeners.set(name, l),
      setWindowOpenHandler: (h: typeof openHandler) => void (openHandler = h),
    };
    hardenWebContents(contents as never, ORIGIN);
    const fire = (name: string, url?: string) => {
      const event = { preventDefault: vi.fn() };
      listeners.get(name)!(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    return { fire, open: (url: string) => openHandler!({ url }) };
  }

  it('block navigation to any other origin, keep in-app navigation', () => {
    const c = fakeContents();
    expect(c.fire('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(c.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(c.fire('will-redirect', 'http://127.0.0.1:9/')).toBe(true);
    expect(c.fire('will-navigate', `${ORIGIN}/index.html`)).toBe(false);
  });

  it('deny window.open and <webview>', () => {
    const c = fakeContents();
    expect(c.open('https://example.com')).toEqual({ action: 'deny' });
    expect(c.open(`${ORIGIN}/index.html`)).toEqual({ action: 'deny' });
    expect(c.fire('will-attach-webview')).toBe(true);
  });
});
