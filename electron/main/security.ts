/**
 * Electron's security checklist, as pure functions of their inputs so a unit test can call them
 * with fake sessions and web contents (the Electron binary is not needed):
 * - windowOptions: context isolation, sandbox, no Node in the page, web security on;
 * - installSecurityHandlers: CSP on every response, only camera permission and only for our own
 *   origin, no device (HID/USB/serial) access;
 * - hardenWebContents: no navigation away from the app, no new windows, no <webview>;
 * - isTrustedSender: IPC only from our own main frame.
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
  session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = details as { mediaTypes?: string[]; requestingUrl?: string };
    const types = media.mediaTypes ?? [];
    const ok = permission === 'media' && originOf(media.requestingUrl ?? '') === origin && types.length > 0 && types.every((t) => t === 'video');
    callback(ok);
  });
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) => {
    const mediaType = (details as { mediaType?: string }).mediaType;
    return permission === 'media' && originOf(requestingOrigin) === origin && mediaType !== 'audio';
  });
  session.setDevicePermissionHandler(() => false);
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
