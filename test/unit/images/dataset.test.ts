import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compareCodePoints, labelFolderName, loadDataset, matchLabel, UnreadableImagesError } from '../../../src/images';
import { PrintshotError } from '../../../src/shared';
import { encodeWithSharp, pattern, tempDir } from '../../fixtures/images/make';

const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const OPTS = { channels: 1, width: 8, height: 8 } as const;

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

async function put(rel: string, bytes?: Uint8Array, seed = 1): Promise<void> {
  const p = join(dir, ...rel.split('/'));
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, bytes ?? (await encodeWithSharp(pattern(8, 8, 1, seed), rel.endsWith('.jpg') ? 'jpeg' : 'png')));
}

async function failure(p: Promise<unknown>): Promise<PrintshotError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrintshotError);
  expect((err as Error).message).not.toContain('\n');
  return err as PrintshotError;
}

describe('label matching', () => {
  it('matches exactly or with /, \\ and : written as -', () => {
    expect(labelFolderName('T-shirt/top')).toBe('T-shirt-top');
    expect(labelFolderName('a\\b:c')).toBe('a-b-c');
    expect(matchLabel('T-shirt-top', LABELS)).toBe(0);
    expect(matchLabel('Ankle boot', LABELS)).toBe(9);
    expect(matchLabel('trouser', LABELS)).toBeUndefined();
    // Exact match wins over the folder form.
    expect(matchLabel('a-b', ['a/b', 'a-b'])).toBe(1);
    expect(() => matchLabel('a-b', ['a/b', 'a:b'])).toThrow(/several labels/);
  });

  it('orders by code point, not UTF-16 unit or locale', () => {
    const xs = ['b', 'B', '\u{1F600}', '\uFF5E', 'a'];
    expect([...xs].sort(compareCodePoints)).toEqual(['B', 'a', 'b', '\uFF5E', '\u{1F600}']);
  });
});

describe('loadDataset: ImageFolder', () => {
  it('loads one folder per class with labels, converted and resized, in deterministic order', async () => {
    await put('T-shirt-top/b.png');
    await put('T-shirt-top/a.png');
    await put('Trouser/sub/z.png', await encodeWithSharp(pattern(16, 12, 3), 'png'));
    await put('Ankle boot/x.jpg');
    const { items, source } = await loadDataset(dir, LABELS, OPTS);
    expect(source).toBe('imagefolder');
    expect(items.map((i) => [i.relPath, i.label])).toEqual([
      ['Ankle boot/x.jpg', 9],
      ['T-shirt-top/a.png', 0],
      ['T-shirt-top/b.png', 0],
      ['Trouser/sub/z.png', 1],
    ]);
    for (const it of items) expect(it.image).toMatchObject({ width: 8, height: 8, channels: 1 });
  });

  it('names an unmatched folder and lists the labels', async () => {
    await put('Trouser/a.png');
    await put('Trousers/a.png');
    const err = await failure(loadDataset(dir, LABELS, OPTS));
    expect(err.code).toBe('bad-dataset');
    expect(err.message).toContain("folder 'Trousers' does not match any model label");
    expect(err.message).toContain("'T-shirt/top', 'Trouser', 'Pullover'");
    expect(err.message).toContain("'Ankle boot'");
  });

  it('reports an empty folder and a folder of non-images', async () => {
    const msg = `${dir}: no images found (expected one folder per class, or a labels.csv)`;
    expect((await failure(loadDataset(dir, LABELS, OPTS))).message).toBe(msg);
    await put('Bag/readme.txt', Buffer.from('x'));
    expect((await failure(loadDataset(dir, LABELS, OPTS))).code).toBe('bad-dataset');
  });

  it('reports a missing folder', async () => {
    const err = await failure(loadDataset(join(dir, 'nope'), LABELS, OPTS));
    expect(err.message).toMatch(/nope: folder not found/);
  });

  it('ignores hidden files, warns once about non-image files, fails on undecodable images', async () => {
    await put('Bag/a.png');
    await put('Bag/.DS_Store', Buffer.from('x'));
    await put('.hidden/a.png');
    await put('Bag/notes.txt', Buffer.from('x'));
    await put('Bag/b.gif', Buffer.from('x'));
    await put('README.md', Buffer.from('x'));
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { items } = await loadDataset(dir, LABELS, OPTS);
      expect(items.map((i) => i.relPath)).toEqual(['Bag/a.png']);
      const warnings = spy.mock.calls.map((c) => String(c[0])).filter((s) => s.includes('warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/ignored 3 file\(s\).*Bag\/notes\.txt/);
    } finally {
      spy.mockRestore();
    }
    await put('Bag/broken.png', Buffer.from('not a png'));
    const err = await failure(loadDataset(dir, LABELS, OPTS));
    expect(err.code).toBe('bad-image');
    expect(err.message).toContain('broken.png (not a PNG or JPEG image');
  });

  it('lists every unreadable file, not only the first, and loads the readable ones when asked', async () => {
    await put('Bag/a.png');
    await put('Coat/b.png', undefined, 2);
    await put('Coat/z-truncated.png', (await encodeWithSharp(pattern(8, 8, 1, 3), 'png')).slice(0, 20));
    await put('Bag/m-broken.png', Buffer.from('not a png'));
    await put('Bag/fake.jpg', Buffer.from('GIF89a'));
    const err = await failure(loadDataset(dir, LABELS, { ...OPTS, concurrency: 2 }));
    expect(err).toBeInstanceOf(UnreadableImagesError);
    const bad = (err as UnreadableImagesError).unreadable;
    // Every bad file, in path order, each with its own reason and no path prefix.
    expect(bad.map((u) => u.relPath)).toEqual(['Bag/fake.jpg', 'Bag/m-broken.png', 'Coat/z-truncated.png']);
    for (const u of bad) expect(u.reason).not.toContain(dir);
    expect(err.message).toMatch(/3 of 5 image files cannot be read: Bag\/fake\.jpg \(.+\); Bag\/m-broken\.png \(.+\); Coat\/z-truncated\.png \(.+\)$/);
    expect(err.hint).toMatch(/load the 2 readable images/);
    expect((err as UnreadableImagesError).readable.items.map((i) => i.relPath)).toEqual(['Bag/a.png', 'Coat/b.png']);

    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const ok = await loadDataset(dir, LABELS, { ...OPTS, skipUnreadable: true });
      expect(ok.items.map((i) => [i.relPath, i.label])).toEqual([['Bag/a.png', 8], ['Coat/b.png', 4]]);
      expect(ok.unreadable.map((u) => u.relPath)).toEqual(bad.map((u) => u.relPath));
      expect(spy.mock.calls.map((c) => String(c[0])).join('')).toMatch(/left out 3 image file\(s\)/);
    } finally {
      spy.mockRestore();
    }
  });

  it('fails even with skipUnreadable when no file is readable, and caps the message, not the list', async () => {
    for (let i = 0; i < 25; i++) await put(`Bag/${String(i).padStart(2, '0')}.png`, Buffer.from('x'));
    const err = (await failure(loadDataset(dir, LABELS, { ...OPTS, skipUnreadable: true }))) as UnreadableImagesError;
    expect(err.unreadable).toHaveLength(25);
    expect(err.message).toMatch(/25 of 25 image files cannot be read: .*; … and 5 more$/);
    expect(err.hint).toBe('replace them with PNG or JPEG files');
  });
});

describe('loadDataset: labels.csv', () => {
  it('takes labels by name (incl. folder form) or by index, and ignores folder names', async () => {
    await put('imgs/1.png');
    await put('imgs/2.png');
    await put('imgs/3.png');
    await put('other/4.png');
    await writeFile(join(dir, 'labels.csv'), '\uFEFFfile,label\r\nimgs/2.png,T-shirt-top\r\nimgs/1.png,9\r\n\r\n"imgs/3.png","Ankle boot"\r\nother\\4.png,Bag\r\n');
    const { items, source } = await loadDataset(dir, LABELS, OPTS);
    expect(source).toBe('labels.csv');
    expect(items.map((i) => [i.relPath, i.label])).toEqual([
      ['imgs/1.png', 9],
      ['imgs/2.png', 0],
      ['imgs/3.png', 9],
      ['other/4.png', 8],
    ]);
  });

  it('prefers a label name over an index when labels are numeric', async () => {
    await put('a.png');
    await writeFile(join(dir, 'labels.csv'), 'file,label\na.png,1\n');
    const { items } = await loadDataset(dir, ['5', '1', '7'], OPTS);
    expect(items[0].label).toBe(1);
  });

  it.each([
    ['file,label\na.png,Trouser\nb.png,Trousers\n', /labels\.csv:3: unknown label 'Trousers'.*index 0\.\.9/],
    ['file,label\na.png,10\n', /labels\.csv:2: unknown label '10'/],
    ['file,label\nmissing.png,Bag\n', /labels\.csv:2: file 'missing\.png' not found/],
    ['file,label\na.png,Bag\na.png,Coat\n', /labels\.csv:3: 'a\.png' is already listed on line 2/],
    ['file,label\n../a.png,Bag\n', /labels\.csv:2: '\.\.\/a\.png' must be a path relative/],
    ['file,label\na.png\n', /labels\.csv:2: expected 2 fields/],
    ['file,label\n"a.png,Bag\n', /labels\.csv:2: unterminated quoted field/],
    ['name,class\na.png,Bag\n', /labels\.csv:1: the first line must be the header 'file,label'/],
    ['file,label\nnotes.txt,Bag\n', /labels\.csv:2: 'notes\.txt' is not a \.png/],
  ])('rejects bad line %#', async (csv, re) => {
    await put('a.png');
    await put('notes.txt', Buffer.from('x'));
    await writeFile(join(dir, 'labels.csv'), csv);
    const err = await failure(loadDataset(dir, LABELS, OPTS));
    expect(err.code).toBe('bad-dataset');
    expect(err.message).toMatch(re);
  });

  it('an empty labels.csv means no images', async () => {
    await writeFile(join(dir, 'labels.csv'), 'file,label\n');
    expect((await failure(loadDataset(dir, LABELS, OPTS))).message).toMatch(/no images found/);
  });
});
