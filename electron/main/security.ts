/**
 * Electron's security checklist, as pure functions of their inputs so a unit test can call them
 * with fake sessions and web contents (the Electron binary is not needed):
 * - windowOptions: context isolation, sandbox, no Node in the page, web security on;
 * - installSecurityHandlers: CSP on every response, only camera permission and only for our own
 *   origin, no device (HID/USB/serial) access;
 * - hardenWebContents: no navigation away from the app, no new windows, no <webview>;
 * - isTrustedSender: IPC only from our own main frame;
 * - devRendererUrl: the dev server switch, ignored in a packaged app.
 */
import type { BrowserWindowConstructorOptions, IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { contentSecurityPolicy } from '../../src/contract/csp';

/** The origin of a URL as scheme://host[:port]. (WHATWG gives "null" for custom schemes like app:.) */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return 'file://';
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

/**
 * The renderer's URL from `electron-vite dev` (ELECTRON_RENDERER_URL), or undefined. A packaged
 * app ignores it: whoever can set the environment would otherwise load a remote page that the
 * app then trusts for IPC and the camera. Only loopback http URLs count even in development.
 */
export function devRendererUrl(env: Record<string, string | undefined>, isPackaged: boolean): string | undefined {
  const url = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}

export interface WindowOptionsInput {
  preload: string;
  bounds?: { x?: number; y?: number; width: number; height: number };
  devTools?: boolean;
}

export function windowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    ...(input.bounds ?? { width: 1280, height: 860 }),
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Printshot',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: input.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Dropping a photo on the window must not navigate to it (the Capture view imports drops).
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: input.devTools ?? false,
    },
  };
}

type SessionLike = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'> & {
  webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
};

/**
 * Applies the CSP to every response (the dev server's included), allows the camera for our own
 * origin only, and refuses every other permission and every device chooser.
 */
export function installSecurityHandlers(session: SessionLike, origin: string, opts: { devServer?: string } = {}): void {
  const csp = contentSecurityPolicy(opts.devServer ? { devServer: opts.devServer } : {});
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
  // One rule for both handlers, so what a check reports is what a request would get.
  session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = details as { mediaTypes?: string[]; requestingUrl?: string };
    callback(cameraOnly(permission, media.requestingUrl ?? '', origin, media.mediaTypes ?? []));
  });
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) => {
    const mediaType = (details as { mediaType?: string }).mediaType;
    return cameraOnly(permission, requestingOrigin, origin, mediaType ? [mediaType] : []);
  });
  session.setDevicePermissionHandler(() => false);
}

/** The one permission the app grants: media, video only (no microphone), for its own origin. */
export function cameraOnly(permission: string, requestingUrl: string, origin: string, mediaTypes: readonly string[]): boolean {
  return permission === 'media' && originOf(requestingUrl) === origin && mediaTypes.length > 0 && mediaTypes.every((t) => t === 'video');
}

type ContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** No navigation to other origins, no pop-ups, no <webview>: the window only ever shows the app. */
export function hardenWebContents(contents: ContentsLike, origin: string): void {
  const block = (event: { preventDefault(): void }, url: string) => {
    if (originOf(url) !== origin) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => block(event, url));
  contents.on('will-redirect', (event, url) => block(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export interface TrustedSenders {
  /** The app's own origin (app://printshot, or the dev server's). */
  origin: string;
  /** webContents ids of our windows. */
  webContentsIds: ReadonlySet<number>;
}

type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'> & { sender: { id: number } };

/**
 * IPC is accepted only from the main frame of one of our windows showing our own origin: not
 * from a subframe, not from a window that navigated elsewhere, not from another webContents.
 */
export function isTrustedSender(event: SenderEvent, trusted: TrustedSenders): boolean {
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed
  if (!trusted.webContentsIds.has(event.sender.id)) return false;
  if (frame.parent !== null) return false;
  return originOf(frame.url) === trusted.origin;
}
