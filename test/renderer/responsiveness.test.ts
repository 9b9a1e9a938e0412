// @vitest-environment jsdom
/**
 * What keeps the page responsive during a job (docs/workbench.md, "Keeping the page
 * responsive"), at the component level: views kept alive across navigation are not rebuilt, and
 * image bytes become data: URLs (no Blob or object URL, each a synchronous round trip to
 * Chromium's browser process) unless they are large. The timings themselves are measured by the
 * E2E test "responsiveness during a BIM job".
 */
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.vue';
import PngImage from '../../renderer/src/components/PngImage.vue';
import { DATA_URL_MAX_BYTES, toImageUrl } from '../../renderer/src/composables/object-url';
import { flushPromises, mountWith, stubDom } from './helpers';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

beforeEach(() => {
  stubDom();
  history.replaceState(null, '', '#/model');
});

describe('keeping the page responsive', () => {
  it('keeps Model, Images and Attack mounted when the user leaves them, so coming back rebuilds nothing', async () => {
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    await wrapper.get('[data-testid="model-view"] button').trigger('click');
    await flushPromises();
    await wrapper.get('nav a[data-view="images"]').trigger('click');
    await flushPromises();
    const imagesList = wrapper.get('[data-testid="images-view"] ul.grid').element;
    expect(fake.callsOf('images:list')).toHaveLength(1);

    await wrapper.get('nav a[data-view="model"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="images-view"]').exists()).toBe(false);
    await wrapper.get('nav a[data-view="images"]').trigger('click');
    await flushPromises();
    // The same DOM, re-inserted; no second request.
    expect(wrapper.get('[data-testid="images-view"] ul.grid').element).toBe(imagesList);
    expect(fake.callsOf('images:list')).toHaveLength(1);

    // Views that own cameras, canvases or charts are still rebuilt on each visit.
    await wrapper.get('nav a[data-view="report"]').trigger('click');
    await flushPromises();
    const report = wrapper.get('[data-testid="report-view"]').element;
    await wrapper.get('nav a[data-view="model"]').trigger('click');
    await wrapper.get('nav a[data-view="report"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="report-view"]').element).not.toBe(report);
    wrapper.unmount();
  });

  it('shows small images as data: URLs, with no Blob or object URL', () => {
    const bytes = new Uint8Array([...PNG_SIGNATURE, 1, 2, 3]);
    const wrapper = mount(PngImage, { props: { bytes, alt: 'a thumbnail' } });
    const src = wrapper.get('img').attributes('src');
    expect(src).toBe(`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`);
    expect(URL.createObjectURL).not.toHaveBeenCalled();
    wrapper.unmount();
  });

  it('uses an object URL, revoked later, only above the data: URL limit', () => {
    const big = new Uint8Array(DATA_URL_MAX_BYTES + 1);
    const made = toImageUrl(big, 'image/jpeg');
    expect(made.url).toMatch(/^blob:/);
    made.revoke();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(made.url);
    expect(toImageUrl(big.subarray(0, DATA_URL_MAX_BYTES)).url).toMatch(/^data:image\/png;base64,/);
  });
});
