// @vitest-environment jsdom
/**
 * PageToc, the "On this page" contents built from the current view's h3 headings: ids given to
 * the headings (unique, existing ids kept), shown only on long views with two or more sections,
 * re-scanned when the view's DOM changes, and a link moves focus to its section.
 */
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import PageToc from '../../renderer/src/components/PageToc.vue';
import { flushPromises } from './helpers';

let main: HTMLElement;

function pageHeight(px: number): void {
  Object.defineProperty(document.documentElement, 'scrollHeight', { configurable: true, get: () => px });
}

beforeEach(() => {
  main = Object.assign(document.createElement('main'), { id: 'main' });
  main.innerHTML = '<h2>Evaluate</h2><h3>Photos (print and photograph)</h3><p>…</p><h3 id="kept">Synthetic transforms</h3><h3>Photos (print and photograph)</h3>';
  document.body.append(main);
  Object.defineProperty(window, 'innerHeight', { configurable: true, value: 768 });
  pageHeight(3255);
});
afterEach(() => main.remove());

describe('PageToc', () => {
  it('lists the h3 headings of a long view and gives them unique ids', async () => {
    const wrapper = mount(PageToc, { props: { view: 'evaluate' }, attachTo: document.body });
    await flushPromises();
    const links = wrapper.findAll('a');
    expect(links.map((a) => a.text())).toEqual(['Photos (print and photograph)', 'Synthetic transforms', 'Photos (print and photograph)']);
    const ids = [...main.querySelectorAll('h3')].map((h) => h.id);
    expect(ids).toEqual(['toc-photos-print-and-photograph', 'kept', 'toc-photos-print-and-photograph-2']);
    expect(links.map((a) => a.attributes('href'))).toEqual(ids.map((id) => `#${id}`));
    await links[1]!.trigger('click');
    expect(document.activeElement).toBe(main.querySelector('#kept'));
    wrapper.unmount();
  });

  it('hides on short views and on views with fewer than two sections', async () => {
    pageHeight(900);
    const wrapper = mount(PageToc, { props: { view: 'evaluate' }, attachTo: document.body });
    await flushPromises();
    expect(wrapper.find('[data-testid="page-toc"]').exists()).toBe(false);
    pageHeight(3000);
    main.innerHTML = '<h3>Only one</h3>';
    await wrapper.setProps({ view: 'report' });
    await flushPromises();
    expect(wrapper.find('[data-testid="page-toc"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('re-scans when results add a section', async () => {
    vi.useFakeTimers();
    try {
      main.innerHTML = '<h3>Models</h3>';
      const wrapper = mount(PageToc, { props: { view: 'defences' }, attachTo: document.body });
      await flushPromises();
      expect(wrapper.find('[data-testid="page-toc"]').exists()).toBe(false);
      main.insertAdjacentHTML('beforeend', '<section><h3>Robustness</h3></section>');
      await flushPromises(); // the MutationObserver's callback
      vi.advanceTimersByTime(100);
      await flushPromises();
      expect(wrapper.findAll('a').map((a) => a.text())).toEqual(['Models', 'Robustness']);
      wrapper.unmount();
    } finally {
      vi.useRealTimers();
    }
  });
});
