/**
 * Serve mode's folder browser (src/serve/folder-browser.ts) and its recent folders: listings stay
 * inside the roots by real path (`..`, absolute paths elsewhere and planted symlinks are refused
 * with a Fix line naming --allow), a granted root is listed, each folder carries its kind, and the
 * recent list survives a reload, ignores a corrupt file and never shows a folder outside the roots.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseRoots, FolderBrowser, RecentFolders, RECENT_FOLDERS_FILE } from '../../../src/serve';
import { tempDir } from '../../fixtures/images/make';

let base: string;
let cleanup: () => Promise<void>;
let workspace: string;
let granted: string;
let outside: string;

function browser(recentFile = path.join(workspace, RECENT_FOLDERS_FILE), max?: number): FolderBrowser {
  return new FolderBrowser(browseRoots(workspace, [granted]), new RecentFolders(recentFile), max);
}

beforeAll(async () => {
  ({ dir: base, cleanup } = await tempDir('printshot-browse-'));
  workspace = path.join(base, 'workspace');
  granted = path.join(base, 'granted');
  outside = path.join(base, 'outside');
  await mkdir(path.join(workspace, 'exp-1'), { recursive: true });
  await writeFile(path.join(workspace, 'exp-1', 'experiment.json'), '{}');
  await mkdir(path.join(granted, 'my-model'), { recursive: true });
  await writeFile(path.join(granted, 'my-model', 'model.json'), '{}');
  await mkdir(path.join(granted, 'shoes', 'Sandal'), { recursive: true });
  await writeFile(path.join(granted, 'shoes', 'Sandal', '001.png'), 'x');
  await mkdir(path.join(granted, 'photos'), { recursive: true });
  await writeFile(path.join(granted, 'photos', 'IMG_1.jpg'), 'x');
  await mkdir(path.join(granted, 'empty'), { recursive: true });
  await mkdir(path.join(granted, '.hidden'), { recursive: true });
  await mkdir(path.join(outside, 'secret-model'), { recursive: true });
  await writeFile(path.join(outside, 'secret-model', 'model.json'), '{}');
  // A link planted inside a granted root that leads out of every root.
  await symlink(outside, path.join(granted, 'escape'));
});
afterAll(() => cleanup());

describe('FolderBrowser confinement', () => {
  it('lists a granted root with each sub-folder and its kind, hidden folders and escaping links left out', async () => {
    const l = await browser().list(granted);
    expect(l.path).toBe(granted);
    expect(l.parent).toBeNull(); // nothing above a root
    expect(l.entries.map((e) => [e.name, e.kind])).toEqual([
      ['empty', 'folder'],
      ['my-model', 'model'],
      ['photos', 'photos'],
      ['shoes', 'images'],
    ]);
    expect(l.roots.map((r) => r.name)).toEqual(['Workspace', 'Bundled assets', 'granted']);
    expect(l.roots.find((r) => r.name === 'Bundled assets')?.readOnly).toBe(true);
  });

  it('a sub-folder knows its parent and kind', async () => {
    const l = await browser().list(path.join(granted, 'shoes'));
    expect(l.kind).toBe('images');
    expect(l.parent).toBe(granted);
    expect(l.entries).toEqual([{ name: 'Sandal', path: path.join(granted, 'shoes', 'Sandal'), kind: 'photos' }]);
  });

  it('refuses an absolute path outside the roots, with a Fix line naming --allow', async () => {
    const err = await browser().list('/etc').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'forbidden', message: expect.stringContaining('/etc is outside the folders this workbench may open') });
    expect((err as { hint: string }).hint).toContain('printshot serve --allow /etc');
    await expect(browser().list(outside)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses .. out of a root', async () => {
    await expect(browser().list(`${granted}/../outside`)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(browser().list(`${workspace}/../../..`)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses a symlink inside a root that leads outside', async () => {
    await expect(browser().list(path.join(granted, 'escape'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(browser().list(path.join(granted, 'escape', 'secret-model'))).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('the bundled assets are always a root: their models and samples list with their kinds', async () => {
    const assets = browseRoots(workspace).find((r) => r.name === 'Bundled assets')!.path;
    const models = await browser().list(path.join(assets, 'models'));
    expect(models.entries.find((e) => e.name === 'fashion-cnn-hardened')?.kind).toBe('model');
    const root = await browser().list(assets);
    expect(root.entries.find((e) => e.name === 'samples')?.kind).toBe('images');
  });

  it('a missing folder and a file are errors with a Fix line', async () => {
    await expect(browser().list(path.join(granted, 'nope'))).rejects.toMatchObject({ code: 'io', hint: expect.any(String) });
    await expect(browser().list(path.join(granted, 'my-model', 'model.json'))).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('not a folder') });
  });

  it('cuts a big listing and says so', async () => {
    const l = await browser(undefined, 2).list(granted);
    expect(l.entries).toHaveLength(2);
    expect(l.truncated).toBe(true);
  });
});

describe('recent folders', () => {
  it('remembers used folders newest first in <workspace>/.printshot/recent.json, once each, and reloads them', async () => {
    const file = path.join(workspace, RECENT_FOLDERS_FILE);
    const b = browser(file);
    await b.remember(path.join(granted, 'shoes'));
    await b.remember(path.join(granted, 'my-model'));
    await b.remember(path.join(granted, 'shoes'));
    const saved = JSON.parse(await readFile(file, 'utf8')) as { path: string; kind: string }[];
    expect(saved.map((r) => [path.basename(r.path), r.kind])).toEqual([
      ['shoes', 'images'],
      ['my-model', 'model'],
    ]);
    const again = await browser(file).list();
    expect(again.path).toBeNull();
    expect(again.recent.map((r) => r.name)).toEqual(['shoes', 'my-model']);
  });

  it('does not remember a folder outside the roots, and hides one a hand-edited file names', async () => {
    const file = path.join(base, 'recent-edited.json');
    await writeFile(file, JSON.stringify([{ path: path.join(outside, 'secret-model'), name: 'secret-model', kind: 'model', usedAt: new Date().toISOString() }]));
    const b = browser(file);
    expect((await b.list()).recent).toEqual([]);
    await b.remember(outside);
    expect((await b.list()).recent).toEqual([]);
  });

  it('a corrupt recent file reads as empty and is replaced whole on the next use', async () => {
    const file = path.join(base, 'recent-corrupt.json');
    await writeFile(file, '{"path": trunc');
    const b = browser(file);
    expect((await b.list()).recent).toEqual([]);
    await b.remember(path.join(granted, 'photos'));
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(1);
  });

  it('concurrent adds keep every entry', async () => {
    const r = new RecentFolders(path.join(base, 'recent-many.json'));
    await Promise.all(['a', 'b', 'c', 'd'].map((n) => r.add(path.join(granted, n), 'folder')));
    const again = new RecentFolders(path.join(base, 'recent-many.json'));
    expect((await again.list()).map((x) => x.name).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('fs:list and recent folders through the route table', () => {
  it('serve mode answers fs:list from its roots; a folder loaded as a model becomes a recent one', async () => {
    const { createRoutes } = await import('../../../src/engine');
    const { servePlatform } = await import('../../../src/serve');
    const ws = path.join(base, 'routes-workspace');
    const platform = servePlatform({ workspace: ws, version: 'test', allow: [granted] });
    const host = { call: async () => ({}) } as unknown as Parameters<typeof createRoutes>[0];
    const routes = createRoutes(host, platform);
    expect((await routes['fs:list']({})).roots.map((r) => r.name)).toEqual(['Workspace', 'Bundled assets', 'granted']);
    await expect(routes['fs:list']({ path: '/etc' })).rejects.toMatchObject({ code: 'forbidden' });
    await routes['model:load']({ source: { kind: 'path', path: path.join(granted, 'my-model') } });
    await routes['model:load']({ source: { kind: 'bundled' } }); // nothing to remember
    expect((await routes['fs:list']({})).recent.map((r) => [r.name, r.kind])).toEqual([['my-model', 'model']]);
    expect(JSON.parse(await readFile(path.join(ws, RECENT_FOLDERS_FILE), 'utf8'))).toHaveLength(1);
  });

  it('a platform without a folder browser (Electron) answers not-available with a Fix', async () => {
    const { createRoutes } = await import('../../../src/engine');
    const routes = createRoutes({} as Parameters<typeof createRoutes>[0], {} as Parameters<typeof createRoutes>[1]);
    await expect(routes['fs:list']({})).rejects.toMatchObject({ code: 'not-available', hint: expect.stringContaining('to open the dialog') });
  });
});
