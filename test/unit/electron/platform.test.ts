/**
 * The desktop platform's file rules: the engine only sees folders the user chose in a dialog (or
 * reopened from the recent list), saving goes through the save dialog; window bounds are kept on
 * a display that exists; app:// URLs never leave the renderer folder.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { appUrlToFile } from '../../../electron/main/app-protocol';
import { electronPlatform } from '../../../electron/main/platform';
import { clampBounds, loadWindowState, saveWindowState } from '../../../electron/main/window-state';

async function platform(picked: string | null) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ps-data-'));
  const workspace = await mkdtemp(path.join(tmpdir(), 'ps-ws-'));
  const dialog = {
    showOpenDialog: vi.fn(async () => ({ canceled: picked === null, filePaths: picked ? [picked] : [] })),
    showSaveDialog: vi.fn(async () => ({ canceled: false, filePath: path.join(dataDir, 'saved.pdf') })),
  };
  const p = await electronPlatform({ dialog: dialog as never, shell: { openPath: async () => '' }, window: () => undefined, version: '1', dataDir, workspace });
  return { p, dialog, dataDir, workspace };
}

describe('desktop platform', () => {
  it('refuses a typed path the user never chose, accepts it (and below it) after a dialog', async () => {
    const { p } = await platform('/home/me/models/resnet');
    expect(() => p.allowPath('/home/me/.ssh', 'model')).toThrow(/not chosen in a dialog/);
    expect(() => p.allowPath('/home/me/models/resnet', 'model')).toThrow();
    expect(await p.pickFolder('model')).toBe('/home/me/models/resnet');
    expect(p.allowPath('/home/me/models/resnet', 'model')).toBe('/home/me/models/resnet');
    expect(p.allowPath('/home/me/models/resnet/sub', 'model')).toBe('/home/me/models/resnet/sub');
    expect(() => p.allowPath('/home/me/models/resnet/../../.ssh', 'model')).toThrow();
    expect(() => p.allowPath('/home/me/models/resnet-evil', 'model')).toThrow();
  });

  it('returns null when the dialog is cancelled', async () => {
    const { p } = await platform(null);
    expect(await p.pickFolder('images')).toBeNull();
  });

  it('grants scratch experiments and recent ones across restarts', async () => {
    const { p, dataDir, workspace } = await platform(null);
    const scratch = await p.scratchDir();
    expect(scratch.startsWith(workspace)).toBe(true);
    expect(p.allowPath(scratch, 'experiment')).toBe(scratch);
    await p.recent.add('/data/exp1', 'exp1');
    const dialog = { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() };
    const again = await electronPlatform({ dialog: dialog as never, shell: { openPath: async () => '' }, window: () => undefined, version: '1', dataDir, workspace });
    expect((await again.recent.list()).map((r) => r.dir)).toEqual(['/data/exp1']);
    expect(again.allowPath('/data/exp1', 'experiment')).toBe('/data/exp1');
  });

  it('saves a copy where the save dialog says', async () => {
    const { p, dataDir } = await platform(null);
    const src = path.join(dataDir, 'sheet.pdf');
    await writeFile(src, 'pdf bytes');
    const saved = await p.saveAs(src, 'sheet.pdf');
    expect(saved).toBe(path.join(dataDir, 'saved.pdf'));
    expect(await readFile(saved!, 'utf8')).toBe('pdf bytes');
  });
});

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

  it('keeps bounds on a display, drops bounds whose display is gone', () => {
    expect(clampBounds({ x: 100, y: 100, width: 1200, height: 800 }, screen)).toEqual({ x: 100, y: 100, width: 1200, height: 800 });
    expect(clampBounds({ x: 5000, y: 100, width: 1200, height: 800 }, screen)).toBeUndefined();
    expect(clampBounds({ x: 1500, y: 600, width: 3000, height: 2000 }, screen)).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
  });

  it('round-trips through a file and ignores a corrupt one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ps-win-'));
    const file = path.join(dir, 'w.json');
    await saveWindowState(file, { bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true });
    expect(await loadWindowState(file, screen)).toEqual({ bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true });
    await writeFile(file, '{not json');
    expect(await loadWindowState(file, screen)).toBeUndefined();
  });
});

describe('app:// URLs', () => {
  it('map inside the renderer folder only', () => {
    const root = '/app/out/renderer';
    expect(appUrlToFile(root, 'app://printshot/')).toBe('/app/out/renderer/index.html');
    expect(appUrlToFile(root, 'app://printshot/assets/index.js')).toBe('/app/out/renderer/assets/index.js');
    // The URL parser folds dot segments (%2e%2e too) at the root; encoded slashes are decoded later.
    expect(appUrlToFile(root, 'app://printshot/%2e%2e/%2e%2e/main/index.js')).toBe('/app/out/renderer/main/index.js');
    expect(appUrlToFile(root, 'app://printshot/..%2F..%2Fmain%2Findex.js')).toBeNull();
    expect(appUrlToFile(root, 'app://other/index.html')).toBeNull();
  });
});
