// @vitest-environment jsdom
/**
 * Keyboard shortcuts: the key map (g then digit, chords, `?`, nothing while typing, the menu's
 * chords left to Electron) and, through the shell against FakeBridge, the loop driven by keys
 * only: load the model, new experiment, start and cancel an attack, export the report.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.vue';
import { VIEWS } from '../../renderer/src/composables/route';
import { createKeyMap, type ShortcutAction } from '../../renderer/src/composables/shortcuts';
import { MenuCommand } from '../../src/contract';
import { FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(() => {
  stubDom();
  history.replaceState(null, '', '#/model');
});

function key(k: string, init: KeyboardEventInit = {}, target: EventTarget = document.body): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init });
  Object.defineProperty(e, 'target', { value: target });
  return e;
}

describe('createKeyMap', () => {
  function keyMap(electron = false) {
    let t = 0;
    const map = createKeyMap({ menuOwnsChords: () => electron, now: () => t });
    const press = (k: string, init?: KeyboardEventInit, target?: EventTarget): ShortcutAction | null => map(key(k, init, target));
    return { press, wait: (ms: number) => (t += ms) };
  }

  it('goes to step N on g then N, within the sequence time only', () => {
    const { press, wait } = keyMap();
    expect(press('3')).toBeNull();
    expect(press('g')).toBeNull();
    expect(press('3')).toEqual({ kind: 'go', view: 'attack' });
    expect(press('3')).toBeNull(); // the g was used up
    press('g');
    expect(press('9')).toEqual({ kind: 'go', view: 'report' });
    press('g');
    expect(press('0')).toBeNull();
    press('g');
    wait(2000);
    expect(press('2')).toBeNull();
  });

  it('ignores plain keys typed into a field but not the chords', () => {
    const { press } = keyMap();
    const input = document.createElement('input');
    const checkbox = Object.assign(document.createElement('input'), { type: 'checkbox' });
    expect(press('g', {}, input)).toBeNull();
    expect(press('2', {}, input)).toBeNull();
    expect(press('?', { shiftKey: true }, document.createElement('textarea'))).toBeNull();
    expect(press('?', { shiftKey: true }, checkbox)).toEqual({ kind: 'help' });
    expect(press('Enter', { ctrlKey: true }, input)).toEqual({ kind: 'start' });
    expect(press('Enter', { metaKey: true })).toEqual({ kind: 'start' });
    expect(press('.', { ctrlKey: true }, input)).toEqual({ kind: 'cancel' });
    expect(press('E', { ctrlKey: true, shiftKey: true })).toEqual({ kind: 'export' });
    expect(press('e', { ctrlKey: true })).toBeNull(); // the browser's own Ctrl+E stays the browser's
    expect(press('1', { altKey: true })).toBeNull(); // Alt+digit switches tabs in Chromium on Linux
    expect(press('Escape', {}, input)).toEqual({ kind: 'leave' });
    expect(press('Escape')).toBeNull();
  });

  it('leaves the chords to the Electron menu but keeps the page keys', () => {
    const { press } = keyMap(true);
    expect(press('Enter', { ctrlKey: true })).toBeNull();
    expect(press('.', { ctrlKey: true })).toBeNull();
    press('g');
    expect(press('7')).toEqual({ kind: 'go', view: 'evaluate' });
    expect(press('?')).toEqual({ kind: 'help' });
  });
});

it("lists the contract's go:<step> menu commands in the step order (the Electron menu's Alt+1…9)", () => {
  expect(MenuCommand.options.filter((c) => c.startsWith('go:'))).toEqual(VIEWS.map((v) => `go:${v.id}`));
});

describe('shortcuts in the shell', () => {
  const down = async (k: string, init: KeyboardEventInit = {}) => {
    (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }));
    await flushPromises();
  };

  it('runs the loop from the keyboard: load, new experiment, start, cancel, export', async () => {
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    await down('Enter', { ctrlKey: true }); // Model: its primary button loads the bundled model
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'bundled' } }]);
    await down('g');
    await down('3');
    expect(location.hash).toBe('#/attack');
    expect(document.activeElement?.id).toBe('main');
    await down('Enter', { ctrlKey: true }); // no experiment yet: the primary is "New experiment"
    expect(fake.callsOf('experiment:new')).toHaveLength(1);
    await down('Enter', { ctrlKey: true });
    expect(fake.callsOf('attack:start')).toHaveLength(1);
    expect(wrapper.get('[data-testid="job-progress"]').attributes('data-state')).toBe('running');
    await down('.', { ctrlKey: true });
    expect(fake.callsOf('job:cancel')).toEqual([{ jobId: fake.lastJob('attack').id }]);
    await down('E', { ctrlKey: true, shiftKey: true });
    expect(wrapper.find('[data-testid="report-view"]').exists()).toBe(true);
    expect(fake.callsOf('report:export')).toHaveLength(1);
    wrapper.unmount();
  });

  it('says why a shortcut did nothing, and types g2 into a field without navigating', async () => {
    history.replaceState(null, '', '#/print');
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    await down('.', { ctrlKey: true });
    expect(wrapper.get('[data-testid="shortcut-status"]').text()).toBe('No running job on this step to cancel.');
    const field = document.createElement('input');
    document.querySelector('main')!.append(field);
    field.focus();
    await down('g');
    await down('2');
    expect(location.hash).toBe('#/print');
    await down('Escape'); // leaves the field; now g 2 navigates
    expect(document.activeElement).not.toBe(field);
    await down('g');
    await down('2');
    expect(location.hash).toBe('#/images');
    expect(fake.callsOf('sheet:render')).toHaveLength(0);
    wrapper.unmount();
  });

  it('opens the help overlay on ? and from the rail, listing every step', async () => {
    const { wrapper } = mountWith(App);
    await flushPromises();
    const dialog = wrapper.get('[data-testid="shortcut-help"]');
    expect(dialog.attributes('open')).toBeUndefined();
    await down('?', { shiftKey: true });
    expect(dialog.attributes('open')).toBeDefined();
    const rows = dialog.findAll('tbody tr').map((r) => r.text());
    expect(rows.filter((r) => /^g then [1-9]/.test(r))).toHaveLength(9);
    expect(rows.some((r) => r.includes('Ctrl+Enter'))).toBe(true);
    dialog.element.removeAttribute('open');
    await wrapper.get('[data-testid="shortcuts-button"]').trigger('click');
    expect(dialog.attributes('open')).toBeDefined();
    wrapper.unmount();
  });

  it('acts on the Electron menu commands for steps, start and help', async () => {
    const fake = new FakeBridge().handle('app:info', () => ({ version: '0', mode: 'electron', platform: 'linux', nativeDialogs: true, engine: { state: 'ready', restarts: 0 } }));
    const { wrapper } = mountWith(App, fake);
    await flushPromises();
    await down('Enter', { ctrlKey: true }); // the menu's accelerator owns it in Electron
    expect(fake.callsOf('model:load')).toHaveLength(0);
    fake.emit('menu:command', { command: 'job:start' });
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'bundled' } }]);
    fake.emit('menu:command', { command: 'go:defences' });
    await flushPromises();
    expect(wrapper.find('[data-testid="defences-view"]').exists()).toBe(true);
    fake.emit('menu:command', { command: 'shortcuts' });
    await flushPromises();
    expect(wrapper.get('[data-testid="shortcut-help"]').attributes('open')).toBeDefined();
    wrapper.unmount();
  });
});
