// @vitest-environment jsdom
/**
 * Picking folders in the browser workbench (FolderField + FolderBrowser against FakeBridge's
 * canned tree): browse from a root to a model folder and load it, a folder of the wrong kind gets
 * the suggestion with a button that opens it in the right step, a path outside the roots is
 * refused with its Fix line, recent folders are offered, and a dropped folder is explained, not
 * pretended.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import FolderField from '../../renderer/src/components/FolderField.vue';
import ModelView from '../../renderer/src/views/ModelView.vue';
import { useAppStore } from '../../renderer/src/stores/app';
import { useModelStore } from '../../renderer/src/stores/model';
import { fakeFolderListing } from '../support/fake-bridge/fake-folders';
import { FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(() => {
  stubDom();
  location.hash = '#/model';
});

const button = (w: ReturnType<typeof mountWith>['wrapper'], text: string) => {
  const b = w.findAll('button').find((x) => x.text().trim() === text || x.attributes('aria-label') === text);
  if (!b) throw new Error(`no button '${text}' in: ${w.findAll('button').map((x) => x.text()).join(' | ')}`);
  return b;
};

async function mountModelView(fake = new FakeBridge()) {
  const m = mountWith(ModelView, fake);
  await useAppStore().init();
  await flushPromises();
  return m;
}

describe('FolderField in the browser workbench', () => {
  it('Browse… walks from the bundled assets root to a model folder and loads it', async () => {
    const { wrapper, fake } = await mountModelView();
    await button(wrapper, 'Browse…').trigger('click');
    await flushPromises();
    expect(fake.callsOf('fs:list')).toEqual([{}]);
    await button(wrapper, 'Bundled assets (read-only)').trigger('click');
    await flushPromises();
    await button(wrapper, 'models/').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="folder-current"]').text()).toBe('/fake/assets/models');
    await button(wrapper, 'Choose fashion-cnn-hardened').trigger('click');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'path', path: '/fake/assets/models/fashion-cnn-hardened' } }]);
    expect(wrapper.find('[data-testid="folder-browser"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('an image folder chosen for the model: "this is an image folder: open it in Images", and the button goes there and lists it', async () => {
    const { wrapper, fake } = await mountModelView();
    await button(wrapper, 'Browse…').trigger('click');
    await flushPromises();
    await wrapper.get('#model-folder-goto').setValue('/fake/assets');
    await wrapper.get('[data-testid="folder-browser"] form').trigger('submit');
    await flushPromises();
    await button(wrapper, 'Choose samples').trigger('click');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([]);
    expect(wrapper.get('[data-testid="folder-suggestion"]').text()).toContain('/fake/assets/samples is an image folder, not a model folder: open it in Images.');
    await useModelStore().load({ kind: 'bundled' }); // Images needs a model
    await button(wrapper, 'Open it in Images').trigger('click');
    await flushPromises();
    expect(location.hash).toBe('#/images');
    expect(fake.callsOf('images:list').at(-1)?.source).toEqual({ kind: 'path', path: '/fake/assets/samples' });
    wrapper.unmount();
  });

  it('a typed model folder in the Images field gets the converse suggestion; "Use it here anyway" still sends it', async () => {
    const { wrapper, fake } = mountWith(FolderField, new FakeBridge());
    await wrapper.setProps({ nativeDialogs: false, label: 'Image folder', idPrefix: 'images-folder', expect: 'images' });
    await wrapper.get('#images-folder-path').setValue('/fake/assets/models/fashion-cnn');
    await wrapper.get('form.folder').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="folder-suggestion"]').text()).toContain('is a model folder, not an image folder: open it in Model.');
    expect(wrapper.emitted('pick')).toBeUndefined();
    await button(wrapper, 'Use it here anyway').trigger('click');
    expect(wrapper.emitted('pick')).toEqual([[{ kind: 'path', path: '/fake/assets/models/fashion-cnn' }]]);
    expect(fake.callsOf('fs:list')).toEqual([{ path: '/fake/assets/models/fashion-cnn' }]);
    wrapper.unmount();
  });

  it('a path outside the roots is refused in the browser with a Fix line; typed, it still goes to the loader as before', async () => {
    const { wrapper, fake } = await mountModelView();
    await button(wrapper, 'Browse…').trigger('click');
    await flushPromises();
    await wrapper.get('#model-folder-goto').setValue('/etc');
    await wrapper.get('[data-testid="folder-browser"] form').trigger('submit');
    await flushPromises();
    const alert = wrapper.get('[data-testid="folder-browser"] [role="alert"]');
    expect(alert.text()).toContain('/etc is outside the folders this workbench may open');
    expect(alert.text()).toContain('Fix: choose a folder under one of those, or restart with printshot serve --allow /etc');
    await wrapper.get('#model-folder-path').setValue('/srv/models/mine');
    await wrapper.get('form.folder').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'path', path: '/srv/models/mine' } }]);
    wrapper.unmount();
  });

  it('offers recent folders, the expected kind first, as the typed field suggestions and in the browser', async () => {
    const recent = [
      { path: '/fake/assets/samples', name: 'samples', kind: 'images' as const, usedAt: '2026-01-02T00:00:00Z' },
      { path: '/fake/assets/models/fashion-cnn', name: 'fashion-cnn', kind: 'model' as const, usedAt: '2026-01-01T00:00:00Z' },
    ];
    const fake = new FakeBridge().handle('fs:list', (req) => fakeFolderListing(req, recent));
    const { wrapper } = await mountModelView(fake);
    await wrapper.get('#model-folder-path').trigger('focus');
    await flushPromises();
    expect(wrapper.findAll('#model-folder-recent option').map((o) => o.attributes('value'))).toEqual(['/fake/assets/models/fashion-cnn', '/fake/assets/samples']);
    await button(wrapper, 'Browse…').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="folder-recent"]').findAll('button')[1].trigger('click');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'path', path: '/fake/assets/models/fashion-cnn' } }]);
    wrapper.unmount();
  });

  it('a dropped folder in a browser is explained (no path reaches the page), nothing is loaded', async () => {
    const { wrapper, fake } = await mountModelView();
    const file = new File([''], 'my-model');
    await wrapper.get('.field').trigger('drop', { dataTransfer: { files: [file] } });
    expect(wrapper.get('[data-testid="folder-drop-note"]').text()).toContain('use Browse…');
    expect(fake.callsOf('model:load')).toEqual([]);
    wrapper.unmount();
  });

  it('in the desktop app a dropped folder is used (its path from the preload), and a refused drop shows its Fix', async () => {
    const fake = new FakeBridge();
    const dropped: File[] = [];
    Object.assign(fake, {
      droppedFolder: async (f: File) => {
        dropped.push(f);
        if (f.name === 'notes.txt') throw Object.assign(new Error('notes.txt is a file: drop its folder instead'), { code: 'bad-request', hint: 'drag the folder from your file manager, or use the Open… button' });
        return `/home/me/${f.name}`;
      },
    });
    const { wrapper } = mountWith(FolderField, fake);
    await wrapper.setProps({ nativeDialogs: true, label: 'Open a TF.js model folder', idPrefix: 'model-folder', expect: 'model' });
    await wrapper.get('.field').trigger('drop', { dataTransfer: { files: [new File([''], 'my-model')] } });
    await flushPromises();
    expect(wrapper.emitted('pick')).toEqual([[{ kind: 'path', path: '/home/me/my-model' }]]);
    await wrapper.get('.field').trigger('drop', { dataTransfer: { files: [new File([''], 'notes.txt')] } });
    await flushPromises();
    expect(wrapper.get('[data-testid="folder-drop-note"]').text()).toBe('notes.txt is a file: drop its folder instead. Fix: drag the folder from your file manager, or use the Open… button.');
    expect(wrapper.emitted('pick')).toHaveLength(1);
    expect(dropped.map((f) => f.name)).toEqual(['my-model', 'notes.txt']);
    wrapper.unmount();
  });
});
