/**
 * The application menu. Items that act on the workbench are sent to the renderer as
 * menu:command events, so the same code path runs for a menu click and a button click.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src/contract';

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
  const help: MenuItemConstructorOptions = { role: 'help', submenu: [{ label: `About ${appName}`, click: () => command('about') }] };
  return [
    ...(isMac ? [{ label: appName, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'quit' }] } as MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    help,
  ];
}
