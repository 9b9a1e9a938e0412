// @vitest-environment jsdom
/**
 * One crash, one message (issue 22): while the engine is down the banner is the only alert and
 * the only thing to act on (the step's content and the experiment bar are inert, Start attack
 * included); the attack the crash interrupted adds no error note of its own, neither while the
 * banner shows nor after the restart.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.vue';
import { useAppStore } from '../../renderer/src/stores/app';
import { useModelStore } from '../../renderer/src/stores/model';
import { experimentWithRun, FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const isInert = (el: Element) => el.hasAttribute('inert') || (el as HTMLElement & { inert?: boolean }).inert === true;

describe('engine down', () => {
  it('shows the banner as the single message, makes the actions inert, and adds no duplicate note', async () => {
    history.replaceState(null, '', '#/attack');
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithRun([]));
    const { wrapper } = mountWith(App, fake);
    await flushPromises();
    await useModelStore().load({ kind: 'bundled' });
    await flushPromises();
    await wrapper.get('form.attack-form').trigger('submit');
    await flushPromises();
    const job = fake.lastJob('attack');
    const main = wrapper.get('main');
    expect(isInert(main.element)).toBe(false);

    // What the host sends for one crash: the event, then the interrupted job's end with an engine-down error.
    fake.emit('engine:crashed', { reason: 'exit code 134', exitCode: 134, interrupted: [job.id], restartable: true });
    fake.completeJob(job.id, { state: 'interrupted', error: { code: 'engine-down', message: 'the engine stopped (exit code 134)', hint: 'resume it: finished batches are kept' } });
    await flushPromises();

    const alerts = wrapper.findAll('[role="alert"]');
    expect(alerts.map((a) => a.attributes('data-testid'))).toEqual(['engine-banner']);
    expect(wrapper.find('[data-testid="error-note"]').exists()).toBe(false);
    expect(isInert(main.element)).toBe(true);
    expect(main.find('form.attack-form').exists()).toBe(true); // still there, but inside the inert main
    expect(isInert(wrapper.get('[data-testid="engine-banner"]').element)).toBe(false);
    // The start shortcut presses the view's own button: an inert one is not pressed.
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    await flushPromises();
    expect(fake.callsOf('attack:start')).toHaveLength(1);

    await useAppStore().restartEngine();
    await flushPromises();
    expect(wrapper.find('[data-testid="engine-banner"]').exists()).toBe(false);
    expect(isInert(main.element)).toBe(false);
    // The interrupted attack's engine-down error belonged to that crash: it does not surface now.
    expect(wrapper.find('[data-testid="error-note"]').exists()).toBe(false);
    wrapper.unmount();
    history.replaceState(null, '', '#/model');
  });
});
