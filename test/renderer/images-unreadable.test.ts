// @vitest-environment jsdom
/**
 * A corrupt image folder in the workbench (issue 22): every unreadable file is listed, nothing is
 * loaded until the user agrees, "Load the N good images" loads the rest (and paging keeps them
 * out), a new folder that fails clears the old listing, and a thumbnail the browser cannot
 * decode shows a placeholder with the reason instead of a broken-image icon.
 */
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestOf } from '../../src/contract';
import PngImage from '../../renderer/src/components/PngImage.vue';
import { useImagesStore } from '../../renderer/src/stores/images';
import { useModelStore } from '../../renderer/src/stores/model';
import ImagesView from '../../renderer/src/views/ImagesView.vue';
import { fakeImages, FAKE_LABELS } from '../support/fake-bridge/fake-data';
import { FakeBridge, flushPromises, mountWith, storeContext, stubDom } from './helpers';

beforeEach(stubDom);

const BAD = [
  { relPath: 'Bag/broken.png', reason: 'not a PNG or JPEG image (it is an unknown format)' },
  { relPath: 'Coat/cut.png', reason: 'truncated file' },
  { relPath: 'Shirt/zero.jpg', reason: 'empty file' },
];
const GOOD = fakeImages(45); // two pages of 40

/** An engine that holds /corrupt until skipUnreadable, lists /good, and cannot read /missing. */
function corruptFolderBridge(): FakeBridge {
  return new FakeBridge().handle('images:list', (req: RequestOf<'images:list'>) => {
    const path = req.source.kind === 'path' ? req.source.path : '/fake/samples';
    if (path === '/missing') throw Object.assign(new Error('/missing: folder not found'), { code: 'bad-dataset' });
    const { offset = 0, limit = 40 } = req.page ?? {};
    const base = { root: path, total: GOOD.length, labels: [...FAKE_LABELS] };
    if (path !== '/corrupt') return { ...base, items: GOOD.slice(offset, offset + limit) };
    if (!req.skipUnreadable) return { ...base, items: [], unreadable: BAD };
    return { ...base, items: GOOD.slice(offset, offset + limit), unreadable: BAD };
  });
}

describe('images store: a corrupt folder', () => {
  it('lists every bad file and loads nothing until the user agrees; then pages keep them out', async () => {
    const { fake } = storeContext(corruptFolderBridge());
    const images = useImagesStore();
    await images.list({ kind: 'path', path: '/good' });
    expect(images.items).toHaveLength(40);

    expect(await images.list({ kind: 'path', path: '/corrupt' })).toBe(true);
    expect(images.held).toMatchObject({ root: '/corrupt', readable: 45, unreadable: BAD });
    // The old folder's listing is gone, not left under the new folder's problem.
    expect([images.items.length, images.root, images.total]).toEqual([0, null, 0]);

    await images.loadReadable();
    expect(images.held).toBeNull();
    expect([images.items.length, images.root, images.total, images.pages]).toEqual([40, '/corrupt', 45, 2]);
    expect(images.leftOut.map((u) => u.relPath)).toEqual(BAD.map((u) => u.relPath));
    await images.goTo(2);
    expect(images.items.map((i) => i.relPath)).toEqual(GOOD.slice(40).map((i) => i.relPath));
    expect(fake.callsOf('images:list').map((c) => c.skipUnreadable ?? false)).toEqual([false, false, true, true]);
  });

  it('clears the old listing when a new folder fails, and names the failed folder as the source', async () => {
    storeContext(corruptFolderBridge());
    const images = useImagesStore();
    await images.list({ kind: 'path', path: '/good' });
    expect(await images.list({ kind: 'path', path: '/missing' })).toBe(false);
    expect(images.error).toMatchObject({ code: 'bad-dataset', message: '/missing: folder not found' });
    expect([images.items.length, images.root, images.total]).toEqual([0, null, 0]);
    expect(images.source).toEqual({ kind: 'path', path: '/missing' });
  });
});

describe('ImagesView: a corrupt folder', () => {
  it('shows every bad file with its reason and a Fix line, and loads the good images on request', async () => {
    const { wrapper } = mountWith(ImagesView, corruptFolderBridge());
    await useModelStore().load({ kind: 'bundled' });
    await useImagesStore().list({ kind: 'path', path: '/corrupt' });
    await flushPromises();
    const note = wrapper.get('[data-testid="images-unreadable"]');
    expect(note.findAll('li').map((li) => li.text())).toEqual(BAD.map((u) => `${u.relPath}: ${u.reason}`));
    expect(note.get('.title').text()).toBe('An image cannot be read: 3 of the 48 files in this folder are damaged or not PNG/JPEG images, so nothing was loaded yet');
    expect(note.get('.file').text()).toBe('File: /corrupt');
    expect(note.get('.hint').text()).toMatch(/^Fix: replace or remove those files/);
    expect(wrapper.findAll('ul.grid li')).toHaveLength(0);

    await note.findAll('button').find((b) => b.text() === 'Load the 45 good images')!.trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="images-unreadable"]').exists()).toBe(false);
    expect(wrapper.findAll('ul.grid li')).toHaveLength(40);
    expect(wrapper.get('[data-testid="images-summary"]').text()).toContain('3 unreadable file(s) left out: Bag/broken.png, Coat/cut.png, Shirt/zero.jpg');
    wrapper.unmount();
  });
});

describe('PngImage', () => {
  it('shows a placeholder that says why instead of a broken image when the bytes cannot be decoded', async () => {
    const w = mount(PngImage, { props: { bytes: new Uint8Array([1, 2, 3]), alt: 'photo x.jpg', type: 'image/jpeg' } });
    expect(w.find('img').exists()).toBe(true);
    await w.get('img').trigger('error');
    const ph = w.get('[data-testid="image-unreadable"]');
    expect(ph.text()).toBe('Cannot show this image: the file is damaged or not a JPEG');
    expect(ph.attributes('aria-label')).toBe('photo x.jpg (cannot be shown: not a readable JPEG image)');
    // New bytes get a fresh try.
    await w.setProps({ bytes: new Uint8Array([4, 5, 6]) });
    expect(w.find('img').exists()).toBe(true);
  });
});
