/**
 * A folder dropped on the desktop app (electron/main/drop.ts): a folder (or a model.json, for its
 * folder) is granted like a dialog's choice, so the typed-path routes then accept it; anything
 * without a real path, a plain file, a missing path or an untrusted frame is refused with a Fix.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DROP_IPC_CHANNEL } from '../../../src/contract';
import { PathGrants } from '../../../src/engine';
import { droppedFolder, registerDrop } from '../../../electron/main/drop';
import { tempDir } from '../../fixtures/images/make';

let base: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('printshot-drop-'));
  await mkdir(path.join(base, 'model'), { recursive: true });
  await writeFile(path.join(base, 'model', 'model.json'), '{}');
  await writeFile(path.join(base, 'notes.txt'), 'x');
});
afterAll(() => cleanup());

describe('droppedFolder', () => {
  it('grants a dropped folder, so a typed path inside it is then allowed', async () => {
    const grants = new PathGrants();
    const dir = path.join(base, 'model');
    expect(() => grants.allow(dir)).toThrow(/not chosen in a dialog/);
    expect(await droppedFolder(grants, true, dir)).toEqual({ ok: true, value: { path: dir } });
    expect(grants.allow(dir)).toBe(dir);
  });

  it('a dropped model.json stands for its folder', async () => {
    const grants = new PathGrants();
    expect(await droppedFolder(grants, true, path.join(base, 'model', 'model.json'))).toEqual({ ok: true, value: { path: path.join(base, 'model') } });
  });

  it('refuses what has no path, a relative path, a plain file, a missing path and an untrusted frame, granting nothing', async () => {
    const grants = { grant: vi.fn() };
    for (const [dropped, trusted, code] of [
      ['', true, 'bad-request'],
      [undefined, true, 'bad-request'],
      ['model', true, 'bad-request'],
      [path.join(base, 'notes.txt'), true, 'bad-request'],
      [path.join(base, 'missing'), true, 'io'],
      [path.join(base, 'model'), false, 'forbidden'],
    ] as const) {
      const r = await droppedFolder(grants, trusted, dropped);
      expect(r, String(dropped)).toMatchObject({ ok: false, error: { code } });
      if (code !== 'forbidden') expect(r.ok ? '' : r.error.hint).toContain('file manager');
    }
    expect(grants.grant).not.toHaveBeenCalled();
  });

  it('registerDrop answers on the drop channel with the sender check applied', async () => {
    const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
    const ipcMain = { handle: vi.fn((ch: string, h: never) => void handlers.set(ch, h)), removeHandler: vi.fn((ch: string) => void handlers.delete(ch)) };
    const grants = new PathGrants();
    const off = registerDrop(ipcMain, grants, (event) => (event as unknown as { trusted: boolean }).trusted);
    const handler = handlers.get(DROP_IPC_CHANNEL)!;
    expect(await handler({ trusted: false }, path.join(base, 'model'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await handler({ trusted: true }, path.join(base, 'model'))).toMatchObject({ ok: true });
    off();
    expect(handlers.size).toBe(0);
  });
});
