/**
 * The application menu's accelerators mirror the workbench's keyboard shortcuts: Go → Alt+1…9 in
 * the renderer's step order, Run → start / cancel / export, Help → Keyboard Shortcuts; every item
 * sends a menu:command the contract accepts, and no accelerator is bound twice.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { menuTemplate, STEPS } from '../../../electron/main/menu';
import { MenuCommand } from '../../../src/contract';

function items(isMac: boolean): { sent: string[]; all: MenuItemConstructorOptions[]; menu: (label: string) => MenuItemConstructorOptions[] } {
  const sent: string[] = [];
  const template = menuTemplate({ isMac, isDev: false, appName: 'Printshot', command: (c) => sent.push(c) });
  const sub = (m: MenuItemConstructorOptions) => (Array.isArray(m.submenu) ? m.submenu : []);
  return {
    sent,
    all: template.flatMap(sub),
    menu: (label) => sub(template.find((m) => m.label === label || m.role === label)!),
  };
}

const click = (item: MenuItemConstructorOptions) => (item.click as () => void)();

describe('menuTemplate', () => {
  // The contract's go:<step> commands are in the renderer's step order (test/renderer/shortcuts.test.ts checks that side).
  const order = MenuCommand.options.filter((c) => c.startsWith('go:')).map((c) => c.slice(3));

  it('goes to the steps with Alt+1…9 in the workbench order', () => {
    expect(STEPS.map(([id]) => id)).toEqual(order);
    const { menu, sent } = items(false);
    const go = menu('Go');
    expect(go.map((i) => i.accelerator)).toEqual(['Alt+1', 'Alt+2', 'Alt+3', 'Alt+4', 'Alt+5', 'Alt+6', 'Alt+7', 'Alt+8', 'Alt+9']);
    go.forEach(click);
    expect(sent).toEqual(order.map((id) => `go:${id}`));
  });

  it('starts, cancels, exports and shows the shortcuts with the same chords as the page', () => {
    const { menu, sent } = items(false);
    const run = menu('Run').filter((i) => i.type !== 'separator');
    expect(run.map((i) => i.accelerator)).toEqual(['CmdOrCtrl+Enter', 'CmdOrCtrl+.', 'CmdOrCtrl+Shift+E']);
    run.forEach(click);
    const shortcuts = menu('help').find((i) => i.label === 'Keyboard Shortcuts')!;
    click(shortcuts);
    expect(sent).toEqual(['job:start', 'job:cancel', 'report:export', 'shortcuts']);
  });

  it.each([false, true])('binds no accelerator twice and sends only contract commands (macOS %s)', (isMac) => {
    const { all, sent } = items(isMac);
    const keys = all.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    all.filter((i) => typeof i.click === 'function').forEach(click);
    expect(sent.length).toBeGreaterThanOrEqual(17);
    for (const c of sent) expect(MenuCommand.safeParse(c).success, c).toBe(true);
  });
});
