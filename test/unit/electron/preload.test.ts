/**
 * The preload exposes exactly the contract's channels (one function each, no generic invoke) and
 * the contract's events, and never hands the page an IpcRendererEvent.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS, DROP_IPC_CHANNEL, EVENT_IPC_CHANNEL, type PreloadApi } from '../../../src/contract';

const electron = vi.hoisted(() => {
  const listeners = new Set<(event: unknown, message: unknown) => void>();
  return {
    listeners,
    contextBridge: { exposeInMainWorld: vi.fn() },
    webUtils: {
      getPathForFile: vi.fn((file: { path?: string }) => {
        if (typeof file?.path !== 'string') throw new TypeError('not a File');
        return file.path;
      }),
    },
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, payload: unknown) => ({ ok: true, value: { channel, payload } })),
      on: vi.fn((_ch: string, l: (event: unknown, message: unknown) => void) => void listeners.add(l)),
      removeListener: vi.fn((_ch: string, l: (event: unknown, message: unknown) => void) => void listeners.delete(l)),
    },
  };
});
vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer, webUtils: electron.webUtils }));

let api: PreloadApi;

beforeAll(async () => {
  await import('../../../electron/preload/index');
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  const [name, exposed] = electron.contextBridge.exposeInMainWorld.mock.calls[0];
  expect(name).toBe('printshot');
  api = exposed as PreloadApi;
});

describe('preload bridge', () => {
  it('exposes one function per contract channel and nothing generic', () => {
    expect(Object.keys(api).sort()).toEqual(['channels', 'droppedFolder', 'on', 'version']);
    expect(Object.keys(api.channels).sort()).toEqual([...CHANNELS].sort());
    expect(Object.isFrozen(api.channels)).toBe(true);
    for (const c of CHANNELS) expect(typeof api.channels[c]).toBe('function');
  });

  it('invokes the prefixed IPC channel with the payload as given', async () => {
    const payload = { source: { kind: 'bundled' } };
    expect(await api.channels['model:load'](payload)).toEqual({ ok: true, value: { channel: 'printshot:model:load', payload } });
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('printshot:model:load', payload);
  });

  it('subscribes only to contract events, passes only the payload, and unsubscribes', () => {
    expect(() => api.on('ipc:raw' as never, () => undefined)).toThrow(/unknown event/);
    const got: unknown[] = [];
    const off = api.on('job:progress', (p) => got.push(p));
    expect(electron.ipcRenderer.on).toHaveBeenLastCalledWith(EVENT_IPC_CHANNEL, expect.any(Function));
    const ipcEvent = { sender: 'the IpcRendererEvent must not leak' };
    for (const l of electron.listeners) {
      l(ipcEvent, { event: 'job:progress', payload: { jobId: 'j1' } });
      l(ipcEvent, { event: 'job:done', payload: { job: {} } });
    }
    expect(got).toEqual([{ jobId: 'j1' }]);
    off();
    expect(electron.listeners.size).toBe(0);
  });

  it('a dropped folder goes to main with the path webUtils reads from the File, never one the page names', async () => {
    await api.droppedFolder({ path: '/home/me/models/mine' });
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(DROP_IPC_CHANNEL, '/home/me/models/mine');
    await api.droppedFolder('/etc');
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(DROP_IPC_CHANNEL, '');
  });
});
