// @vitest-environment jsdom
/**
 * The Patch view and its store against FakeBridge: the parameter form (labels, validation, the
 * request it sends), live loss and hit-rate curves from the job's progress metrics (one point
 * per step, heartbeats not repeated), cancel and resume, the held-out evaluation with counts and
 * Wilson intervals, the patch image and the pasted preview (engine-made), "Make a run from this
 * patch" leading to Print with that run chosen, and the last training read back after a reload.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { PATCH_RESULT_FILE, type ExperimentDto } from '../../src/contract';
import { fakeExperiment } from '../support/fake-bridge/fake-data';
import { fakePatchReport } from '../support/fake-bridge/fake-patch';
import { curvesFromHistory, patchChart, patchChartText, sampled } from '../../renderer/src/lib/patch-chart';
import { useAppStore } from '../../renderer/src/stores/app';
import { useModelStore } from '../../renderer/src/stores/model';
import { PATCH_FORM_DEFAULTS, patchRequest, usePatchStore } from '../../renderer/src/stores/patch';
import { usePrintStore } from '../../renderer/src/stores/print';
import PatchView from '../../renderer/src/views/PatchView.vue';
import { FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const RESULT = { kind: 'patch' as const, file: PATCH_RESULT_FILE, report: fakePatchReport() };

async function mounted(fake = new FakeBridge()) {
  const app = mountWith(PatchView, fake);
  await useModelStore().load({ kind: 'bundled' });
  await useAppStore().newExperiment({ kind: 'scratch' });
  await flushPromises();
  return app;
}

describe('patchRequest', () => {
  it('turns the form into a patch:train request, sizes sorted and without repeats', () => {
    const r = patchRequest({ ...PATCH_FORM_DEFAULTS, target: 'Sandal', sizes: '0.2, 0.05 0.2', steps: '40', lr: '0.1' }, { kind: 'bundled' });
    expect(r).toEqual({
      request: { images: { kind: 'bundled' }, target: 'Sandal', sizes: [0.05, 0.2], steps: 40, batch: 16, lr: 0.1, npsWeight: 0.1, tvWeight: 0.05, channel: 'default', palette: 'default', holdout: 0.25, draws: 5, seed: 0 },
    });
  });

  it('names every field it cannot use, with what it takes', () => {
    const r = patchRequest({ ...PATCH_FORM_DEFAULTS, sizes: '0.7', steps: '1.5', batch: '', lr: '0', holdout: '1', draws: 'x', seed: '-1', target: ' ' }, { kind: 'bundled' });
    expect('errors' in r && Object.keys(r.errors).sort()).toEqual(['batch', 'draws', 'holdout', 'lr', 'seed', 'sizes', 'steps', 'target']);
    expect('errors' in r && r.errors.sizes).toMatch(/\(0, 0\.5\]/);
  });
});

describe('patch curves', () => {
  it('draws a line per size from the saved history, with the same numbers as text', () => {
    const curves = curvesFromHistory(fakePatchReport().patches);
    const loss = patchChart(curves, 'loss');
    expect(loss.data.datasets.map((d) => d.label)).toEqual(['10 % patch', '20 % patch']);
    expect(loss.data.datasets[0].data).toHaveLength(20);
    const hit = patchChart(curves, 'success');
    expect((hit.data.datasets[1].data.at(-1) as { y: number }).y).toBe(90);
    expect(patchChartText(curves)).toBe('10 % patch: step 20, loss 0.600, batch hit rate 50 %; 20 % patch: step 20, loss 0.200, batch hit rate 90 %');
    const s = sampled(curves['0.1'], 5);
    expect(s.map((p) => p.step)).toEqual([1, 6, 11, 15, 20]);
  });
});

describe('Patch view', () => {
  it('trains from the form with live curves, then shows the evaluation, the patch and its preview', async () => {
    const { wrapper, fake } = await mounted();
    const options = wrapper.findAll('#patch-target option').map((o) => o.text());
    expect(options[0]).toMatch(/untargeted/);
    expect(options).toContain('Sandal');
    // Every field has a label (keyboard and screen-reader access).
    for (const input of wrapper.findAll('form input, form select')) expect(input.element.closest('label')).not.toBeNull();
    await wrapper.get('#patch-target').setValue('Sandal');
    await wrapper.get('#patch-sizes').setValue('0.2, 0.1');
    await wrapper.get('#patch-steps').setValue('20');
    await wrapper.get('[data-testid="patch-train"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('patch:train')).toEqual([
      { images: { kind: 'bundled' }, target: 'Sandal', sizes: [0.1, 0.2], steps: 20, batch: 16, lr: 0.03, npsWeight: 0.1, tvWeight: 0.05, channel: 'default', palette: 'default', holdout: 0.25, draws: 5, seed: 0 },
    ]);
    const job = fake.lastJob('patch').id;
    fake.progress(job, 0.05, 'step 1', { size: 0.1, step: 1, steps: 20, loss: 2.3, success: 0 });
    fake.progress(job, 0.1, 'step 2', { size: 0.1, step: 2, steps: 20, loss: 2.1, success: 0.25 });
    fake.progress(job, 0.1, 'step 2', { size: 0.1, step: 2, steps: 20, loss: 2.1, success: 0.25 }); // a heartbeat
    await flushPromises();
    expect(usePatchStore().live['0.1']).toEqual([
      { step: 1, loss: 2.3, success: 0 },
      { step: 2, loss: 2.1, success: 0.25 },
    ]);
    expect(wrapper.get('[data-testid="patch-curves"]').attributes('data-live')).toBe('true');
    expect(wrapper.get('[data-testid="patch-curves-latest"]').text()).toBe('10 % patch: step 2, loss 2.100, batch hit rate 25 %');
    expect(wrapper.findAll('[data-testid="patch-curves"] canvas[role="img"]')).toHaveLength(2);

    await finishJob(fake, 'patch', RESULT);
    await flushPromises();
    const rows = wrapper.findAll('[data-testid="patch-results"] tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0].get('[data-testid="patch-success"]').text()).toBe('40.0 % (90/225) [34–47 %]');
    expect(rows[1].text()).toContain('84.4 % (190/225) [79–88 %]');
    expect(wrapper.get('[data-testid="patch-curves"]').attributes('data-live')).toBe('false');
    expect(fake.callsOf('file:read').map((r) => r.path)).toEqual(RESULT.report.patches.map((p) => p.png));
    expect(fake.callsOf('patch:preview')).toEqual([{ patch: RESULT.report.patches[0].json, images: { kind: 'bundled' }, count: 6, seed: 0 }]);
    expect(wrapper.findAll('[data-testid="patch-preview"] li')).toHaveLength(6);
    expect(wrapper.findAll('[data-testid="patch-preview"] li[data-hit="true"]')).toHaveLength(2);
    expect(wrapper.get('[data-testid="patch-image"] img').classes()).toContain('pixelated');

    // Another size: its image and a fresh preview; "Paste on other images" draws with the next seed.
    await rows[1].get('input[type="radio"]').setValue(true);
    await flushPromises();
    expect(wrapper.get('[data-testid="patch-image"]').text()).toContain('13×13 px');
    await wrapper.get('[data-testid="patch-preview-more"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('patch:preview').map((r) => [r.patch, r.seed])).toEqual([
      [RESULT.report.patches[0].json, 0],
      [RESULT.report.patches[1].json, 0],
      [RESULT.report.patches[1].json, 1],
    ]);
    wrapper.unmount();
  });

  it('cancels, then resumes the same request', async () => {
    const { wrapper, fake } = await mounted();
    await wrapper.get('#patch-sizes').setValue('0.15');
    await wrapper.get('[data-testid="patch-train"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="job-progress"] button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('job:cancel')).toEqual([{ jobId: fake.lastJob('patch').id }]);
    fake.completeJob(fake.lastJob('patch').id, { state: 'cancelled', error: { code: 'cancelled', message: 'cancelled by the user' } });
    await flushPromises();
    expect(wrapper.find('[role="alert"]').exists()).toBe(false); // a cancel is not an error
    await wrapper.get('#patch-sizes').setValue('0.3'); // the form may change; Resume sends what was stopped
    await wrapper.get('[data-testid="patch-resume"]').trigger('click');
    await flushPromises();
    const [first, again] = fake.callsOf('patch:train');
    expect(again).toEqual(first);
    expect(again.sizes).toEqual([0.15]);
    wrapper.unmount();
  });

  it('says what is wrong in the form and sends nothing', async () => {
    const { wrapper, fake } = await mounted();
    await wrapper.get('#patch-sizes').setValue('0.9');
    await wrapper.get('#patch-batch').setValue('0');
    await wrapper.get('[data-testid="patch-train"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('patch:train')).toEqual([]);
    expect(wrapper.get('#patch-sizes').attributes('aria-invalid')).toBe('true');
    expect(wrapper.text()).toContain('a whole number from 1 to 64');
    wrapper.unmount();
  });

  it('makes a run from the patch and opens Print with it chosen', async () => {
    const { wrapper, fake } = await mounted();
    await wrapper.get('[data-testid="patch-train"]').trigger('click');
    await finishJob(fake, 'patch', RESULT);
    const runId = '11111111-2222-4333-8444-555555555555';
    let exp: ExperimentDto = fakeExperiment('/fake/experiments/new');
    fake.handle('experiment:current', () => exp);
    await wrapper.get('#patch-run-limit').setValue('12');
    await wrapper.get('[data-testid="patch-make-run"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('patch:apply')).toEqual([{ patch: RESULT.report.patches[0].json, images: { kind: 'bundled' }, limit: 12, sample: 'stratified', seed: 0 }]);
    const success = { count: 5, total: 11, rate: 5 / 11, ci: { low: 0.213, high: 0.72 } };
    exp = { ...exp, runs: [{ id: runId, method: 'patch', eps: 255, dir: 'adversarial/patch', status: 'complete', createdAt: '2026-12-07T12:00:00.000Z' }] };
    const report = { ...RESULT.report, patches: RESULT.report.patches.map((p, i) => (i === 0 ? { ...p, runId, runSuccess: success } : p)) };
    await finishJob(fake, 'patch', { kind: 'patch', file: PATCH_RESULT_FILE, report, run: { id: runId, success } });
    await flushPromises();
    expect(usePrintStore().runId).toBe(runId);
    expect(wrapper.emitted('navigate')?.at(-1)).toEqual(['print']);
    expect(wrapper.get('[data-testid="patch-run-made"]').text()).toContain('45.5 % (5/11) [21–72 %]');
    wrapper.unmount();
  });

  it("reads the experiment's last training back after a reload", async () => {
    const fake = new FakeBridge();
    const saved = fakePatchReport({ index: null, name: 'untargeted' });
    fake.handle('experiment:new', () => ({ ...fakeExperiment('/fake/experiments/old'), files: [PATCH_RESULT_FILE] }));
    fake.handle('file:read', (req) => ({ name: req.path, mime: 'application/json', bytes: req.path === PATCH_RESULT_FILE ? new TextEncoder().encode(JSON.stringify(saved)) : new Uint8Array([0x89]) }));
    const { wrapper } = await mounted(fake);
    await flushPromises();
    expect(fake.callsOf('patch:train')).toEqual([]);
    expect(wrapper.get('[data-testid="patch-restored"]').text()).toContain('Read back from results/patch.json');
    expect(wrapper.get('[data-testid="patch-restored"]').text()).toContain('fooled (prediction ≠ true class)');
    expect(wrapper.findAll('[data-testid="patch-results"] tbody tr')).toHaveLength(2);
    expect(wrapper.findAll('[data-testid="patch-curves"] canvas')).toHaveLength(2);
    wrapper.unmount();
  });

  it('after a reload, follows a training still running in the engine: curves, then its result', async () => {
    const fake = new FakeBridge();
    const running = { id: 'job-77', kind: 'patch' as const, label: 'patch Sandal × size 0.1, 0.2', state: 'running' as const, progress: { done: 3, total: 40, fraction: 0.075, stage: 'step 3', elapsedMs: 900, etaMs: 11_000 }, startedAt: Date.now(), resumable: false };
    const apply = { ...running, id: 'job-78', label: 'patch run from patch-t5-s10.json' };
    fake.handle('job:list', () => [apply, running]);
    fake.handle('job:status', (req) => (req.jobId === running.id ? running : apply));
    const { wrapper } = await mounted(fake);
    await flushPromises();
    expect(usePatchStore().job).toBe('job-77');
    expect(wrapper.get('[data-testid="patch-train"]').attributes('disabled')).toBeDefined();
    fake.emit('job:progress', { jobId: 'job-77', kind: 'patch', progress: { ...running.progress, done: 4, metrics: { size: 0.1, step: 4, steps: 20, loss: 1.5, success: 0.5 } } });
    await flushPromises();
    expect(wrapper.get('[data-testid="patch-curves-latest"]').text()).toBe('10 % patch: step 4, loss 1.500, batch hit rate 50 %');
    fake.emit('job:done', { job: { ...running, state: 'done', result: RESULT } });
    await flushPromises();
    await flushPromises();
    expect(usePatchStore().job).toBeNull();
    expect(wrapper.findAll('[data-testid="patch-results"] tbody tr')).toHaveLength(2);
    wrapper.unmount();
  });

  it('a saved file it cannot read says so, with a fix', async () => {
    const fake = new FakeBridge();
    fake.handle('experiment:new', () => ({ ...fakeExperiment('/fake/experiments/old'), files: [PATCH_RESULT_FILE] }));
    fake.handle('file:read', (req) => ({ name: req.path, mime: 'application/json', bytes: new TextEncoder().encode('{"patches": 3}') }));
    const { wrapper } = await mounted(fake);
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('train the patch again here');
    wrapper.unmount();
  });
});
