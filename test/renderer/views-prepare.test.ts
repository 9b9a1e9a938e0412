// @vitest-environment jsdom
/**
 * The Model, Images and Attack views against FakeBridge: empty states, the generated attack
 * form, a job's progress and cancel, and the results grid.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { TINY_PNG } from '../support/fake-bridge/fake-data';
import { useModelStore } from '../../renderer/src/stores/model';
import AttackView from '../../renderer/src/views/AttackView.vue';
import ImagesView from '../../renderer/src/views/ImagesView.vue';
import ModelView from '../../renderer/src/views/ModelView.vue';
import { useAppStore } from '../../renderer/src/stores/app';
import { experimentWithRun, FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

describe('ModelView', () => {
  it('loads a typed model folder in the browser workbench and shows its assumptions', async () => {
    const fake = new FakeBridge().handle('model:load', (req) => ({ ...fakeModelInfo(), dir: req.source.kind === 'path' ? req.source.path : '?', assumptions: ['range 0-1 (no model-card.json)'] }));
    const { wrapper } = mountWith(ModelView, fake);
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('#model-folder-path').setValue('/models/mine');
    await wrapper.get('form.folder').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('model:load')).toEqual([{ source: { kind: 'path', path: '/models/mine' } }]);
    expect(wrapper.get('[aria-label="Assumptions"]').text()).toContain('range 0-1');
    wrapper.unmount();
  });

  it('edits the card and tests on samples with top-5 bars', async () => {
    const { wrapper, fake } = mountWith(ModelView);
    await useModelStore().load({ kind: 'bundled' });
    await flushPromises();
    await wrapper.get('details.card summary').trigger('click');
    const form = wrapper.get('details.card form');
    await form.get('textarea').setValue('cat\ndog');
    await form.findAll('select')[1].setValue('0-255');
    await form.trigger('submit');
    await flushPromises();
    expect(fake.callsOf('model:setCard')[0].card).toMatchObject({ labels: ['cat', 'dog'], range: '0-255', input: { width: 28, height: 28, channels: 1 } });
    expect(wrapper.text()).toContain('card edited');
    await form.get('textarea').setValue('only-one');
    await form.trigger('submit');
    expect(wrapper.text()).toContain('at least two class names');
    expect(fake.callsOf('model:setCard')).toHaveLength(1);
    await wrapper.findAll('button').find((b) => b.text().startsWith('Classify one sample'))!.trigger('click');
    await flushPromises();
    const samples = wrapper.get('[data-testid="model-samples"]');
    expect(samples.findAll(':scope > li')).toHaveLength(6);
    expect(samples.text()).toContain('90.0 %');
    wrapper.unmount();
  });
});

function fakeModelInfo() {
  return {
    name: 'mine', source: 'folder' as const, dir: '/m', format: 'layers', fingerprint: 'f'.repeat(64), labels: ['a', 'b'],
    input: { height: 28, width: 28, channels: 1 as const }, range: '0-1' as const, assumptions: [], cardEdited: false, backend: { name: 'wasm', reason: 'fake' },
  };
}

describe('ImagesView', () => {
  it('asks for a model first', () => {
    const { wrapper } = mountWith(ImagesView);
    expect(wrapper.text()).toContain('Load a model first');
    wrapper.unmount();
  });

  it('shows the samples as thumbnails with labels, then clean predictions', async () => {
    const fake = new FakeBridge();
    const { wrapper } = mountWith(ImagesView, fake);
    await useModelStore().load({ kind: 'bundled' });
    await wrapper.findAll('button').find((b) => b.text() === 'Sample images')!.trigger('click');
    await flushPromises();
    expect(wrapper.findAll('ul.grid li')).toHaveLength(6);
    expect(wrapper.get('[data-testid="images-summary"]').text()).toContain('6 image(s) in the bundled samples');
    await wrapper.findAll('button').find((b) => b.text() === 'Show clean predictions')!.trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="images-accuracy"]').text()).toContain('Top-1 100.0 % (6/6)');
    expect(wrapper.findAll('ul.grid .badge.ok')).toHaveLength(6);
    expect(wrapper.get('ul.grid img').attributes('alt')).toContain('T-shirt/top');
    wrapper.unmount();
  });
});

describe('AttackView', () => {
  it('asks for a model, then for an experiment', async () => {
    const { wrapper, fake } = mountWith(AttackView);
    await flushPromises();
    expect(wrapper.text()).toContain('Load a model first');
    await useModelStore().load({ kind: 'bundled' });
    await flushPromises();
    expect(wrapper.text()).toContain('Attacks are saved into an experiment folder');
    await wrapper.findAll('button').find((b) => b.text() === 'New experiment')!.trigger('click');
    await flushPromises();
    expect(fake.callsOf('experiment:new')).toEqual([{ location: { kind: 'scratch' } }]);
    expect(wrapper.find('form.attack-form').exists()).toBe(true);
    wrapper.unmount();
  });

  it('generates the parameter form from the schema, runs the job with progress and shows the results grid', async () => {
    const fake = new FakeBridge()
      .handle('experiment:current', () => experimentWithRun([]))
      .handle('run:images', () => ({
        total: 1,
        labels: ['a'],
        items: [{ relPath: 'Coat/1.png', label: 4, labelName: 'Coat', clean: TINY_PNG, adversarial: TINY_PNG, cleanTop5: [{ label: 4, name: 'Coat', prob: 0.97 }], advTop5: [{ label: 6, name: 'Shirt', prob: 0.8 }], success: true, linf: 16, l2: 301.2, steps: 10 }],
      }));
    const { wrapper } = mountWith(AttackView, fake);
    await useModelStore().load({ kind: 'bundled' });
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('#attack-method').setValue('bim');
    expect(wrapper.find('#param-bim-alpha').exists()).toBe(true);
    expect(wrapper.get('#param-bim-iterations').attributes('placeholder')).toBe('auto');
    await wrapper.get('#param-bim-iterations').setValue('5');
    await wrapper.get('#attack-eps').setValue('16');
    await wrapper.get('form.attack-form').trigger('submit');
    await flushPromises();
    const job = fake.lastJob('attack');
    expect(fake.callsOf('attack:start')[0]).toMatchObject({ method: 'bim', params: { eps: 16, alpha: 1, iterations: 5 }, limit: 8 });
    fake.progress(job.id, 0.4, '3/8 images · step 2/5');
    await flushPromises();
    const progress = wrapper.get('[data-testid="job-progress"]');
    expect(progress.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('40');
    expect(progress.text()).toContain('3/8 images');
    expect(progress.get('[data-testid="eta"]').text()).toBe('ETA 1 s');
    await finishJob(fake, 'attack', { kind: 'attack', experimentDir: '/fake', runId: 'run-1', runDir: 'adversarial/fgsm-eps16', method: 'fgsm', eps: 16, summary: experimentWithRun().runs[0].summary });
    fake.handle('experiment:current', () => experimentWithRun());
    await useAppStore().refreshExperiment();
    await flushPromises();
    const results = wrapper.get('[data-testid="attack-results"]');
    expect(results.text()).toContain('success 80.0 % (4/5) [38–96 %] of the images right before the attack');
    expect(results.text()).toContain('Coat 97 % → Shirt 80 %');
    expect(results.text()).toContain('fooled');
    expect(results.findAll('canvas.diff')).toHaveLength(1);
    wrapper.unmount();
  });

  it('shows field errors from the schema bounds without starting a job', async () => {
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithRun([]));
    const { wrapper } = mountWith(AttackView, fake);
    await useModelStore().load({ kind: 'bundled' });
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('#attack-eps').setValue('300');
    await wrapper.get('form.attack-form').trigger('submit');
    await flushPromises();
    expect(wrapper.text()).toContain('between 0 and 255');
    expect(wrapper.get('#attack-eps').attributes('aria-invalid')).toBe('true');
    expect(fake.callsOf('attack:start')).toHaveLength(0);
    wrapper.unmount();
  });

  it('cancels a running attack from the progress panel', async () => {
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithRun([]));
    const { wrapper } = mountWith(AttackView, fake);
    await useModelStore().load({ kind: 'bundled' });
    await useAppStore().init();
    await flushPromises();
    await wrapper.get('form.attack-form').trigger('submit');
    await flushPromises();
    await wrapper.get('[data-testid="job-progress"] button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('job:cancel')).toHaveLength(1);
    expect(wrapper.get('[data-testid="attack-cancelled"]').text()).toContain('cancelled');
    // A new attack starts: the notice about the cancelled one goes away while it runs.
    await wrapper.get('form.attack-form').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('attack:start')).toHaveLength(2);
    expect(wrapper.find('[data-testid="attack-cancelled"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="job-progress"]').attributes('data-state')).toBe('running');
    wrapper.unmount();
  });

  it('offers to resume an attack the engine crash interrupted, once the engine is back', async () => {
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithRun([]));
    const { wrapper } = mountWith(AttackView, fake);
    await useModelStore().load({ kind: 'bundled' });
    const app = useAppStore();
    await app.init();
    await flushPromises();
    await wrapper.get('form.attack-form').trigger('submit');
    await flushPromises();
    const job = fake.lastJob('attack');
    fake.emit('engine:crashed', { reason: 'exit code 137', exitCode: 137, interrupted: [job.id], restartable: true });
    fake.completeJob(job.id, { state: 'interrupted', error: { code: 'engine-down', message: 'the engine stopped', hint: 'resume it: finished batches are kept' } });
    await flushPromises();
    const notice = wrapper.get('[data-testid="attack-interrupted"]');
    expect(notice.text()).toContain('Restart the engine');
    expect(notice.get('button').attributes('disabled')).toBeDefined();
    await app.restartEngine();
    await flushPromises();
    await wrapper.get('[data-testid="attack-interrupted"] button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('job:resume')).toEqual([{ jobId: job.id }]);
    await finishJob(fake, 'attack', { kind: 'attack', experimentDir: '/fake', runId: 'run-1', runDir: 'adversarial/fgsm-eps16', method: 'fgsm', eps: 16, summary: experimentWithRun().runs[0].summary });
    expect(wrapper.find('[data-testid="attack-interrupted"]').exists()).toBe(false);
    wrapper.unmount();
  });
});
