/**
 * Electron main: one instance, one window, the app:// origin, the security handlers, the IPC
 * routes and the engine utility process. No heavy work happens here; TF.js runs in the engine.
 *
 * Built by electron-vite into out/main/index.js (ESM); the preload is out/preload/index.cjs
 * (CommonJS, as sandboxed preloads must be) and the engine entry is out/main/engine.js.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventMessage, MenuCommand } from '../../src/contract';
import { createRoutes, EngineHost } from '../../src/engine';
import { APP_ORIGIN, handleAppScheme, registerAppScheme } from './app-protocol';
import { utilityEngine } from './engine';
import { registerIpc, sendEvent } from './ipc';
import { registerDrop } from './drop';
import { menuTemplate } from './menu';
import { electronPlatform } from './platform';
import { devRendererUrl, hardenWebContents, installSecurityHandlers, isTrustedSender, originOf, windowOptions } from './security';
import { DEFAULT_SIZE, loadWindowState, saveWindowState, type WindowState } from './window-state';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, '../preload/index.cjs');
const ENGINE = path.join(here, 'engine.js');
const RENDERER_DIR = path.join(here, '../renderer');
/** Set by `electron-vite dev`: the renderer comes from Vite's dev server (never in a packaged app). */
const DEV_URL = devRendererUrl(process.env, app.isPackaged);
const ORIGIN = DEV_URL ? originOf(DEV_URL)! : APP_ORIGIN;

let mainWindow: BrowserWindow | undefined;
const ourContents = new Set<number>();

async function createWindow(stateFile: string): Promise<BrowserWindow> {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const saved = await loadWindowState(stateFile, workAreas);
  const win = new BrowserWindow(windowOptions({ preload: PRELOAD, bounds: saved?.bounds ?? DEFAULT_SIZE, devTools: !app.isPackaged }));
  ourContents.add(win.webContents.id);
  const id = win.webContents.id;
  if (saved?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    void saveWindowState(stateFile, state).catch(() => undefined);
  });
  win.on('closed', () => {
    ourContents.delete(id);
    if (mainWindow === win) mainWindow = undefined;
  });
  await win.loadURL(DEV_URL ?? `${APP_ORIGIN}/index.html`);
  return win;
}

async function start(): Promise<void> {
  if (!DEV_URL) handleAppScheme(protocol, RENDERER_DIR, (url) => net.fetch(url));
  installSecurityHandlers(session.defaultSession, ORIGIN, DEV_URL ? { devServer: ORIGIN } : {});

  const emit = (m: EventMessage) => sendEvent(mainWindow?.webContents, m);
  const host = new EngineHost(utilityEngine(ENGINE), emit);
  const platform = await electronPlatform({
    dialog,
    shell,
    window: () => mainWindow,
    version: app.getVersion(),
    dataDir: app.getPath('userData'),
    workspace: path.join(app.getPath('documents'), 'Printshot'),
    addRecentDocument: (p) => app.addRecentDocument(p),
  });
  registerIpc(ipcMain, createRoutes(host, platform), (event) => isTrustedSender(event, { origin: ORIGIN, webContentsIds: ourContents }));
  registerDrop(ipcMain, platform.grants, (event) => isTrustedSender(event, { origin: ORIGIN, webContentsIds: ourContents }));

  const command = (c: MenuCommand) => emit({ event: 'menu:command', payload: { command: c } });
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', isDev: !app.isPackaged, appName: app.getName(), command })));

  app.on('before-quit', () => host.stop());
  // Loading TF.js takes a moment: start the engine while the window opens.
  host.start().catch(() => undefined);
  mainWindow = await createWindow(path.join(app.getPath('userData'), 'window-state.json'));
  app.on('activate', () => {
    if (!mainWindow) void createWindow(path.join(app.getPath('userData'), 'window-state.json')).then((w) => (mainWindow = w));
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme(protocol);
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  // Every webContents (windows, and anything a page might try to open) gets the same rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, ORIGIN));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      dialog.showErrorBox('Printshot could not start', String((e as Error)?.stack ?? e));
      app.exit(1);
    });
}
