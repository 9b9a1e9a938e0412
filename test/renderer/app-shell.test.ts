// @vitest-environment jsdom
/**
 * The renderer shell against FakeBridge: navigation between the steps (hash routes), the Model
 * view loading the bundled model, an engine crash banner whose button restarts the engine,
 * errors with their fix, and application-menu commands from Electron.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.vue';
import { FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(() => {
  stubDom();
  history.replaceState(null, '', '#/model');
});

describe('App shell', () => {
  it('lists the bundled model after loading it through the bridge', async () => {
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    expect(wrapper.text()).toContain('No model loaded yet');
    await wrapper.get('[data-testid="model-view"] button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'bundled' } }]);
    expect(wrapper.get('[data-testid="model-info"]').text()).toContain('fashion-cnn');
    expect(wrapper.get('[data-testid="model-info"]').text()).toContain('28×28×1');
    expect(wrapper.get('[data-testid="app-mode"]').text()).toContain('Browser workbench');
    wrapper.unmount();
  });

  it('navigates between the steps with links that say which one is current', async () => {
    const { wrapper } = mountWith(App);
    await flushPromises();
    const links = wrapper.findAll('nav a');
    expect(links.map((l) => l.text().replace(/^\d\s*/, ''))).toEqual(['Model', 'Images', 'Attack', 'Patch', 'Print', 'Capture', 'Evaluate', 'Defences', 'Report']);
    expect(wrapper.get('nav a[data-view="model"]').attributes('aria-current')).toBe('page');
    await wrapper.get('nav a[data-view="report"]').trigger('click');
    expect(wrapper.find('[data-testid="report-view"]').exists()).toBe(true);
    expect(location.hash).toBe('#/report');
    expect(wrapper.get('nav a[data-view="report"]').attributes('aria-current')).toBe('page');
    history.replaceState(null, '', '#/print');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await flushPromises();
    expect(wrapper.find('[data-testid="print-view"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('shows an engine crash and restarts the engine from the banner', async () => {
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    fake.emit('engine:crashed', { reason: 'exit code 134', exitCode: 134, interrupted: ['j1'], restartable: true });
    await flushPromises();
    const banner = wrapper.get('[data-testid="engine-banner"]');
    expect(banner.text()).toContain('exit code 134');
    expect(banner.text()).toContain('1 interrupted job(s) can be resumed');
    await banner.get('button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('engine:restart')).toHaveLength(1);
    expect(wrapper.find('[data-testid="engine-banner"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('shows a bridge error with its fix where it happened', async () => {
    const fake = new FakeBridge().fail('model:load', { code: 'bad-model', message: 'model directory not found', hint: 'run npm run train:default' });
    const { wrapper } = mountWith(App, fake);
    await flushPromises();
    await wrapper.get('[data-testid="model-view"] button').trigger('click');
    await flushPromises();
    const alert = wrapper.get('[data-testid="model-view"] [role="alert"]');
    expect(alert.text()).toContain('model directory not found');
    expect(alert.text()).toContain('Fix: run npm run train:default');
    wrapper.unmount();
  });

  it('acts on application-menu commands', async () => {
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    fake.emit('menu:command', { command: 'model:open' });
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'dialog' } }]);
    fake.emit('menu:command', { command: 'experiment:open' });
    await flushPromises();
    expect(fake.callsOf('experiment:open')).toEqual([{ location: { kind: 'dialog' } }]);
    expect(wrapper.get('[data-testid="experiment-name"]').text()).toBe('demo');
    fake.emit('menu:command', { command: 'images:open' });
    await flushPromises();
    expect(wrapper.find('[data-testid="images-view"]').exists()).toBe(true);
    wrapper.unmount();
  });

  it('creates and opens experiments from the experiment bar (typed path in the browser)', async () => {
    const { wrapper, fake } = mountWith(App);
    await flushPromises();
    const bar = wrapper.get('[data-testid="experiment-bar"]');
    expect(bar.text()).toContain('No experiment open');
    await bar.findAll('button').find((b) => b.text() === 'Open experiment…')!.trigger('click');
    await bar.get('#open-experiment-path').setValue('/data/exp-1');
    await bar.get('form').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('experiment:open')).toEqual([{ location: { kind: 'path', path: '/data/exp-1' } }]);
    expect(wrapper.get('[data-testid="experiment-name"]').text()).toBe('demo');
    wrapper.unmount();
  });
});
