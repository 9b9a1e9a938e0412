/**
 * The application menu. Items that act on the workbench are sent to the renderer as
 * menu:command events, so the same code path runs for a menu click and a button click.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src/contract';

/** The workbench steps in order (renderer/src/composables/route.ts VIEWS; the menu cannot import the renderer). */
export const STEPS = [
  ['model', 'Model'],
  ['images', 'Images'],
  ['attack', 'Attack'],
  ['patch', 'Patch'],
  ['print', 'Print'],
  ['capture', 'Capture'],
  ['evaluate', 'Evaluate'],
  ['defences', 'Defences'],
  ['report', 'Report'],
] as const;

export interface MenuInput {
  isMac: boolean;
  isDev: boolean;
  appName: string;
  command: (c: MenuCommand) => void;
}

export function menuTemplate({ isMac, isDev, appName, command }: MenuInput): MenuItemConstructorOptions[] {
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'New Experiment', accelerator: 'CmdOrCtrl+N', click: () => command('experiment:new') },
      { label: 'Open Experiment…', accelerator: 'CmdOrCtrl+O', click: () => command('experiment:open') },
      { type: 'separator' },
      { label: 'Open Model Folder…', click: () => command('model:open') },
      { label: 'Open Image Folder…', click: () => command('images:open') },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(isDev ? ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[]) : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  // Alt+digit: no tabs to clash with in the app window; the page's own chords (g then digit) work too.
  const go: MenuItemConstructorOptions = {
    label: 'Go',
    submenu: STEPS.map(([id, label], i) => ({ label: `${i + 1}. ${label}`, accelerator: `Alt+${i + 1}`, click: () => command(`go:${id}`) })),
  };
  // The page leaves these chords to the menu in Electron (renderer/src/composables/shortcuts.ts).
  const run: MenuItemConstructorOptions = {
    label: 'Run',
    submenu: [
      { label: 'Start (Current Step)', accelerator: 'CmdOrCtrl+Enter', click: () => command('job:start') },
      { label: 'Cancel Running Job', accelerator: 'CmdOrCtrl+.', click: () => command('job:cancel') },
      { type: 'separator' },
      { label: 'Export Report', accelerator: 'CmdOrCtrl+Shift+E', click: () => command('report:export') },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      { label: 'Keyboard Shortcuts', accelerator: 'F1', click: () => command('shortcuts') },
      { label: `About ${appName}`, click: () => command('about') },
    ],
  };
  return [
    ...(isMac ? [{ label: appName, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'quit' }] } as MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    go,
    run,
    { role: 'windowMenu' },
    help,
  ];
}
