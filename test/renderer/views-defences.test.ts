// @vitest-environment jsdom
/**
 * The Defences view and its store against FakeBridge: the model list from the cards (loaded
 * model, bundled defended models, a typed folder), the methods × eps form, a comparison job with
 * progress and cancel, then the robustness tables and one chart per model; the error states with
 * their fix; and the last comparison read back from the experiment after a reload.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeExperiment } from '../support/fake-bridge/fake-data';
import { fakeRobustnessReport } from '../support/fake-bridge/fake-robustness';
import { robustnessChart, robustnessChartText } from '../../renderer/src/lib/robustness-chart';
import { useAppStore } from '../../renderer/src/stores/app';
import { useJobsStore } from '../../renderer/src/stores/jobs';
import { useModelStore } from '../../renderer/src/stores/model';
import { defaultSpec, useRobustnessStore } from '../../renderer/src/stores/robustness';
import DefencesView from '../../renderer/src/views/DefencesView.vue';
import { FakeBridge, finishJob, flushPromises, mountWith, storeContext, stubDom } from './helpers';

beforeEach(stubDom);

const RESULT = { kind: 'robustness' as const, file: 'results/robustness.json', report: fakeRobustnessReport() };

/** The view with a model loaded and an experiment open, as after the earlier steps. */
async function mounted(fake = new FakeBridge()) {
  const app = mountWith(DefencesView, fake);
  await useModelStore().load({ kind: 'bundled' });
  await useAppStore().newExperiment({ kind: 'scratch' });
  await flushPromises();
  return app;
}

describe('robustness store', () => {
  it('lists models from their cards without duplicates, then runs the grid as one job', async () => {
    const { fake } = storeContext();
    const rob = useRobustnessStore();
    await useAppStore().newExperiment({ kind: 'scratch' });
    await rob.loadCatalogue();
    expect(rob.transformsOn).toEqual(['jpeg']);
    await rob.addModels([{ kind: 'bundled' }]);
    await rob.addDefended();
    await rob.addDefended();
    expect(rob.models.map((m) => [m.name, m.defence])).toEqual([
      ['fashion-cnn', null],
      ['fashion-cnn-hardened', 'adversarial-training (method fgsm, eps 25, alpha 0.5)'],
      ['fashion-cnn-distilled', 'defensive-distillation (temperature 100)'],
    ]);
    rob.mode = 'grid';
    rob.eps = [16, 8];
    const running = rob.run();
    await flushPromises();
    expect(fake.callsOf('robustness:run')).toEqual([
      {
        models: [{ kind: 'bundled' }, { kind: 'defended', which: 'hardened' }, { kind: 'defended', which: 'distilled' }],
        methods: ['fgsm', 'bim'],
        eps: [8, 16],
        transforms: ['jpeg:quality=75'],
        photos: false,
        images: { kind: 'bundled' },
        limit: 16,
        sample: 'stratified',
        seed: 0,
      },
    ]);
    expect(rob.running).toBe(true);
    fake.completeJob(fake.lastJob('robustness').id, { result: RESULT });
    await running;
    expect(rob.running).toBe(false);
    expect(rob.report?.models).toHaveLength(3);
    expect(rob.restored).toBe(false);
  });

  it('refuses an empty grid before calling the engine', async () => {
    const { fake } = storeContext();
    const rob = useRobustnessStore();
    rob.mode = 'grid';
    rob.methods = [];
    rob.limit = 'many';
    await rob.run();
    expect(rob.fieldErrors).toMatchObject({ models: 'add at least one model', methods: 'choose at least one attack', limit: expect.stringContaining('whole number') });
    expect(fake.callsOf('robustness:run')).toEqual([]);
  });
});

describe('robustness charts', () => {
  it('draws accuracy under attack against eps, digital solid and photo dashed in the method colour', () => {
    const panel = fakeRobustnessReport().panels[1];
    const config = robustnessChart(panel);
    const sets = config.data.datasets as { label: string; data: { x: number; y: number | null }[]; borderColor: string; borderDash?: number[] }[];
    expect(sets.map((s) => s.label)).toEqual(['fast digital', 'fast photo', 'basic iter. digital', 'basic iter. photo']);
    expect(sets[0].data).toEqual([{ x: 0, y: 90 }, { x: 8, y: 81 }, { x: 16, y: 66 }, { x: 25, y: 52 }]);
    expect(sets[1].borderDash).toEqual([6, 4]);
    expect(sets[0].borderDash).toBeUndefined();
    expect(sets[1].borderColor).toBe(sets[0].borderColor);
    expect(sets[2].borderColor).not.toBe(sets[0].borderColor);
    expect(robustnessChartText(panel)).toContain('fast digital: eps 0 90.0 %, eps 8 81.0 %');
  });

  it('formats transform specs like the engine (keys sorted)', () => {
    expect(defaultSpec({ id: 'jpeg', defaults: { quality: 75 } } as never)).toBe('jpeg:quality=75');
    expect(defaultSpec({ id: 'x', defaults: { b: 2, a: 1 } } as never)).toBe('x:a=1:b=2');
  });
});

describe('DefencesView', () => {
  it('runs the comparison: progress with ETA and cancel, then the tables and one chart per model', async () => {
    const { wrapper, fake } = await mounted();
    // The loaded model starts the list; the preset adds the two defended ones.
    expect(wrapper.get('[data-testid="defences-models"]').text()).toContain('fashion-cnn');
    await wrapper.get('[data-testid="defences-add-defended"]').trigger('click');
    await flushPromises();
    const items = wrapper.findAll('[data-testid="defences-models"] li');
    expect(items.map((li) => li.attributes('data-model'))).toEqual(['fashion-cnn', 'fashion-cnn-hardened', 'fashion-cnn-distilled']);
    expect(items[1].text()).toContain('adversarial-training (method fgsm, eps 25, alpha 0.5)');
    expect(items[0].text()).toContain('no defence');
    expect(wrapper.get('[data-testid="defences-no-results"]').text()).toContain('No comparison');

    await wrapper.get('[data-testid="defences-mode-grid"]').setValue(true);
    await wrapper.get('input[data-method="bim"]').setValue(false);
    await wrapper.get('input[data-eps="25"]').setValue(false);
    await wrapper.get('input[data-eps="4"]').setValue(true);
    await wrapper.get('input[data-transform="jpeg"]').setValue(false);
    await wrapper.get('#defences-photos').setValue(true);
    await wrapper.get('#defences-limit').setValue('8');
    expect(wrapper.text()).toContain('3 model(s) × 3 attack(s) = 9 run(s)');
    await wrapper.get('form:not(.folder)').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('robustness:run')[0]).toMatchObject({ methods: ['fgsm'], eps: [4, 8, 16], transforms: [], photos: true, limit: 8 });
    expect(wrapper.get('[data-testid="defences-run"]').attributes('disabled')).toBeDefined();

    const jobId = fake.lastJob('robustness').id;
    fake.progress(jobId, 0.4, 'fashion-cnn-hardened: fgsm eps=8');
    await flushPromises();
    const progress = wrapper.get('[data-testid="job-progress"]');
    expect(progress.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('40');
    expect(progress.text()).toContain('fashion-cnn-hardened: fgsm eps=8');
    expect(progress.get('[data-testid="eta"]').text()).not.toContain('—');

    await finishJob(fake, 'robustness', RESULT);
    const tables = wrapper.findAll('[data-testid="defences-results"] table.report-table');
    expect(tables.map((t) => t.attributes('data-table'))).toEqual(['robustness-models', 'robustness-digital', 'robustness-photos']);
    expect(tables[1].findAll('tbody tr')).toHaveLength(18);
    expect(tables[1].get('tbody tr').text()).toContain('fashion-cnn · fgsm eps=8');
    const charts = wrapper.findAll('[data-testid="defences-charts"] figure');
    expect(charts.map((c) => c.attributes('data-panel'))).toEqual(['robustness-fashion-cnn', 'robustness-fashion-cnn-hardened', 'robustness-fashion-cnn-distilled']);
    expect(charts[2].get('canvas').attributes('aria-label')).toContain('defensive-distillation');
    expect(charts[2].get('figcaption').text()).toContain('fast digital: eps 0 91.0 %');
    expect(wrapper.get('[data-testid="defences-summary"]').text()).toContain('100 image(s) · 3 model(s)');
    wrapper.unmount();
  });

  it('cancels a running comparison without calling it an error', async () => {
    const { wrapper, fake } = await mounted();
    await wrapper.get('form:not(.folder)').trigger('submit');
    await flushPromises();
    const jobId = fake.lastJob('robustness').id;
    await wrapper.findAll('[data-testid="job-progress"] button').find((b) => b.text() === 'Cancel')!.trigger('click');
    await flushPromises();
    await flushPromises();
    expect(fake.callsOf('job:cancel')).toEqual([{ jobId }]);
    expect(useJobsStore().jobs[jobId].state).toBe('cancelled');
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="defences-run"]').attributes('disabled')).toBeUndefined();
    wrapper.unmount();
  });

  it('says how to make the defended models when they are missing, and shows a failed job where it happened', async () => {
    const fake = new FakeBridge().fail('robustness:models', {
      code: 'bad-model',
      message: 'defended model not found: /app/assets/models/fashion-cnn-hardened',
      hint: 'make them with printshot harden and printshot distill (see docs/defended-models.md)',
    });
    const { wrapper } = await mounted(fake);
    expect(wrapper.get('[data-testid="defences-no-models"]').text()).toContain('No models to compare');
    await wrapper.get('[data-testid="defences-add-defended"]').trigger('click');
    await flushPromises();
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('defended model not found');
    expect(alert.text()).toContain('Fix: make them with printshot harden and printshot distill');

    // A typed folder (browser workbench) still works.
    fake.handle('robustness:models', (req) => req.models.map((r) => ({ ref: r, name: 'mine', defence: null, dir: r.kind === 'path' ? r.path : '?' })));
    await wrapper.get('#defences-model-path').setValue('/models/mine');
    await wrapper.get('form.folder').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('robustness:models').at(-1)).toEqual({ models: [{ kind: 'path', path: '/models/mine' }] });
    expect(wrapper.findAll('[data-testid="defences-models"] li')).toHaveLength(1);

    await wrapper.get('form:not(.folder)').trigger('submit');
    await flushPromises();
    fake.completeJob(fake.lastJob('robustness').id, { state: 'error', error: { code: 'unknown-method', message: "unknown attack method 'x'", hint: 'choose one from the list' } });
    await flushPromises();
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain("unknown attack method 'x'");
    expect(wrapper.find('[data-testid="defences-results"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('shows the last comparison of the experiment after a reload, read back from results/robustness.json', async () => {
    const saved = new TextEncoder().encode(JSON.stringify(fakeRobustnessReport()));
    const fake = new FakeBridge()
      .handle('experiment:current', () => ({ ...fakeExperiment(), files: ['results/robustness.json'] }))
      .handle('file:read', (req) => ({ name: 'robustness.json', mime: 'application/json', bytes: req.path === 'results/robustness.json' ? saved : new Uint8Array() }));
    const { wrapper } = mountWith(DefencesView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(fake.callsOf('file:read')).toEqual([{ path: 'results/robustness.json' }]);
    expect(wrapper.get('[data-testid="defences-summary"]').text()).toContain('saved 2026-01-01 12:00');
    expect(wrapper.findAll('[data-testid="defences-charts"] figure')).toHaveLength(3);
    wrapper.unmount();
  });

  it('without an experiment, offers to create one instead of running', async () => {
    const { wrapper } = mountWith(DefencesView);
    await useModelStore().load({ kind: 'bundled' });
    await flushPromises();
    expect(wrapper.get('[data-testid="defences-no-experiment"]').text()).toContain('saved into the open experiment');
    expect(wrapper.get('[data-testid="defences-run"]').attributes('disabled')).toBeDefined();
    wrapper.unmount();
  });
});
