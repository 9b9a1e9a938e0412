// @vitest-environment jsdom
/**
 * DropZone takes a dropped folder of photos (Chromium's FileSystemDirectoryEntry, faked here with
 * the same callback API): every photo in it and its sub-folders, in name order, read in batches as
 * readEntries gives them; hidden files and non-photos left out and named; plain file drops as before.
 */
import { describe, expect, it } from 'vitest';
import DropZone from '../../renderer/src/components/DropZone.vue';
import { TINY_PNG } from '../support/fake-bridge/fake-data';
import { flushPromises, mountWith } from './helpers';

type Fake = { name: string; isFile: boolean; isDirectory: boolean; file?: (ok: (f: File) => void) => void; createReader?: () => { readEntries: (ok: (e: Fake[]) => void) => void } };

const png = (name: string): Fake => ({ name, isFile: true, isDirectory: false, file: (ok) => ok(new File([TINY_PNG.slice()], name, { type: 'image/png' })) });
const text = (name: string): Fake => ({ name, isFile: true, isDirectory: false, file: (ok) => ok(new File(['hello'], name)) });
/** A folder whose reader answers two entries at a time, then an empty batch, as Chromium's does for big folders. */
function folder(name: string, entries: Fake[]): Fake {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return { readEntries: (ok) => ok(entries.slice(at, (at += 2))) };
    },
  };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await flushPromises();
};

describe('DropZone', () => {
  it('imports every photo of a dropped folder and its sub-folders, names the rest', async () => {
    const dropped = folder('phone', [png('b.png'), text('notes.txt'), png('.hidden.png'), folder('day2', [png('c.jpg'), png('d.png')]), png('a.png')]);
    const { wrapper } = mountWith(DropZone);
    const items = [{ webkitGetAsEntry: () => dropped }];
    await wrapper.get('[data-testid="drop-zone"]').trigger('drop', { dataTransfer: { items, files: [] } });
    await settle();
    expect(wrapper.emitted('photos')?.[0]?.[0]).toMatchObject([{ name: 'a.png' }, { name: 'b.png' }, { name: 'c.jpg' }, { name: 'd.png' }]);
    expect(wrapper.emitted('skipped')).toEqual([[['notes.txt']]]);
    wrapper.unmount();
  });

  it('plain dropped files go through as before', async () => {
    const { wrapper } = mountWith(DropZone);
    const files = [new File([TINY_PNG.slice()], 'one.png', { type: 'image/png' })];
    await wrapper.get('[data-testid="drop-zone"]').trigger('drop', { dataTransfer: { items: [{ webkitGetAsEntry: () => png('one.png') }], files } });
    await settle();
    expect(wrapper.emitted('photos')?.[0]?.[0]).toMatchObject([{ name: 'one.png' }]);
    wrapper.unmount();
  });
});
