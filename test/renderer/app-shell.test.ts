// @vitest-environment jsdom
/**
 * The renderer shell against FakeBridge: the Model view loads the bundled model through the
 * bridge, and an engine crash shows a banner whose button restarts the engine.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.vue';
import { BridgeKey } from '../../renderer/src/bridge';
import { FakeBridge } from '../../renderer/src/bridge/fake';

function mountApp(fake = new FakeBridge()) {
  const wrapper = mount(App, { global: { plugins: [createPinia()], provide: { [BridgeKey as symbol]: fake } } });
  return { wrapper, fake };
}

describe('App shell', () => {
  it('lists the bundled model after loading it through the bridge', async () => {
    const { wrapper, fake } = mountApp();
    await flushPromises();
    expect(wrapper.text()).toContain('No model loaded yet');
    await wrapper.get('[data-testid="model-view"] button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'bundled' } }]);
    expect(wrapper.get('[data-testid="model-info"]').text()).toContain('fashion-cnn');
    expect(wrapper.get('[data-testid="model-info"]').text()).toContain('28×28×1');
  });

  it('shows an engine crash and restarts the engine from the banner', async () => {
    const { wrapper, fake } = mountApp();
    await flushPromises();
    fake.emit('engine:crashed', { reason: 'exit code 134', exitCode: 134, interrupted: [], restartable: true });
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('exit code 134');
    await wrapper.get('[role="alert"] button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('engine:restart')).toHaveLength(1);
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
  });

  it('shows a bridge error with its hint where it happened', async () => {
    const fake = new FakeBridge().fail('model:load', { code: 'bad-model', message: 'model directory not found', hint: 'run npm run train:default' });
    const { wrapper } = mountApp(fake);
    await flushPromises();
    await wrapper.get('[data-testid="model-view"] button').trigger('click');
    await flushPromises();
    expect(wrapper.get('.error').text()).toContain('model directory not found — run npm run train:default');
  });
});
