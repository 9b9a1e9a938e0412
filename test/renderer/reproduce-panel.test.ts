// @vitest-environment jsdom
/**
 * The Reproduce panel (in the Report step): all five paper templates listed with paper, what
 * they compute and cost; Run starts a reproduce:run job whose progress shows with a Cancel
 * button; the finished job's summary and report files appear, and a file link reads it through
 * file:read into a new tab; a bad image count is refused before any call; a failed job shows its
 * error; a cancelled one shows none; nothing runs without an experiment.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { REPRODUCE_TEMPLATES } from '../../src/contract';
import ReproducePanel from '../../renderer/src/views/ReproducePanel.vue';
import ReportView from '../../renderer/src/views/ReportView.vue';
import { useAppStore } from '../../renderer/src/stores/app';
import { experimentWithRun, FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

async function open(fake = new FakeBridge().handle('experiment:current', () => experimentWithRun())) {
  const { wrapper } = mountWith(ReproducePanel, fake);
  await useAppStore().init();
  await flushPromises();
  const item = (t: string) => wrapper.get(`[data-testid="reproduce-${t}"]`);
  return { wrapper, fake, item };
}

const spectral = {
  kind: 'reproduce' as const,
  template: 'szegedy-spectral' as const,
  dir: 'reproduce/szegedy-spectral',
  files: ['reproduce/szegedy-spectral/reports/szegedy-spectral.html', 'reproduce/szegedy-spectral/reports/szegedy-spectral.csv'],
  summary: ['product of the layer bounds 3763', 'largest measured gradient norm 29.80 (0.79% of the product)'],
  seconds: 4,
};

describe('Reproduce panel', () => {
  it('lists every template with its paper, what it computes, its cost and what it needs', async () => {
    const { wrapper, item } = await open();
    expect(wrapper.findAll('[data-testid^="reproduce-run-"]')).toHaveLength(REPRODUCE_TEMPLATES.length);
    for (const t of ['kurakin-table', 'kurakin-fig6', 'szegedy-spectral', 'szegedy-cross-training', 'ilyas-features']) expect(item(t).text()).toContain('Cost:');
    expect(item('kurakin-fig6').text()).toContain('arXiv 1607.02533');
    expect(item('szegedy-cross-training').text()).toContain('disjoint halves');
    expect(item('szegedy-cross-training').text()).toContain('Needs PyTorch');
    expect(item('ilyas-features').text()).toContain('arXiv 1905.02175');
    expect(item('szegedy-spectral').text()).toContain('Uses the loaded model');
    wrapper.unmount();
  });

  it('runs a template as a job with progress, one at a time, then links its report files', async () => {
    const { wrapper, fake, item } = await open();
    await item('szegedy-spectral').get('input').setValue('20');
    await item('szegedy-spectral').get('[data-testid="reproduce-run-szegedy-spectral"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('reproduce:run')).toEqual([{ template: 'szegedy-spectral', limit: 20, seed: 0 }]);
    fake.progress(fake.lastJob('reproduce').id, 0.5, 'gradient norms');
    await flushPromises();
    expect(item('szegedy-spectral').get('[data-testid="job-progress"]').text()).toContain('gradient norms');
    expect(item('szegedy-spectral').get('button.primary').text()).toBe('Running…');
    // One template at a time: every Run button waits.
    expect(wrapper.findAll('[data-testid^="reproduce-run-"]').every((b) => b.attributes('disabled') !== undefined)).toBe(true);
    await finishJob(fake, 'reproduce', spectral);
    const result = item('szegedy-spectral').get('[data-testid="reproduce-result-szegedy-spectral"]');
    expect(result.text()).toContain('product of the layer bounds 3763');
    const links = result.findAll('[data-testid="reproduce-file-szegedy-spectral"]');
    expect(links.map((l) => l.text())).toEqual(spectral.files);
    const opened = vi.spyOn(window, 'open').mockReturnValue(null);
    await links[0].trigger('click');
    await flushPromises();
    expect(fake.callsOf('file:read').at(-1)).toEqual({ path: spectral.files[0] });
    expect(opened).toHaveBeenCalledWith(expect.stringMatching(/^blob:/), '_blank', 'noopener');
    expect(item('szegedy-spectral').get('button.primary').text()).toBe('Run again');
    wrapper.unmount();
  });

  it('refuses a bad image count before calling, shows a failed job\'s error, and a job cancelled with its Cancel button quietly', async () => {
    const { wrapper, fake, item } = await open();
    await item('kurakin-fig6').get('input').setValue('zero');
    await item('kurakin-fig6').get('button.primary').trigger('click');
    await flushPromises();
    expect(fake.callsOf('reproduce:run')).toEqual([]);
    expect(item('kurakin-fig6').get('[role="alert"]').text()).toContain('a whole number from 1 to 60000');
    await item('kurakin-fig6').get('input').setValue('');
    await item('szegedy-cross-training').get('button.primary').trigger('click');
    await flushPromises();
    expect(fake.callsOf('reproduce:run')).toEqual([{ template: 'szegedy-cross-training', seed: 0 }]);
    fake.completeJob(fake.lastJob('reproduce').id, { state: 'error', error: { code: 'io', message: '/usr/bin/python3 cannot import PyTorch', hint: 'install python3-torch' } });
    await flushPromises();
    await flushPromises();
    expect(item('szegedy-cross-training').text()).toContain('cannot import PyTorch');
    await item('kurakin-fig6').get('button.primary').trigger('click');
    await flushPromises();
    const id = fake.lastJob('reproduce').id;
    await item('kurakin-fig6').get('[data-testid="job-progress"] button').trigger('click');
    await flushPromises();
    await flushPromises();
    expect(fake.callsOf('job:cancel')).toEqual([{ jobId: id }]);
    expect(item('kurakin-fig6').text()).not.toContain('cancelled by the user');
    expect(item('kurakin-fig6').get('button.primary').text()).toBe('Run');
    wrapper.unmount();
  });

  it('needs an experiment, and sits in the Report step', async () => {
    const { wrapper } = mountWith(ReproducePanel);
    await useAppStore().init();
    await flushPromises();
    expect(wrapper.text()).toContain('Open or create an experiment first: the templates write into it');
    expect(wrapper.findAll('[data-testid^="reproduce-run-"]').every((b) => b.attributes('disabled') !== undefined)).toBe(true);
    wrapper.unmount();
    const report = mountWith(ReportView, new FakeBridge().handle('experiment:current', () => experimentWithRun()));
    await useAppStore().init();
    await flushPromises();
    expect(report.wrapper.find('[data-testid="reproduce-panel"]').exists()).toBe(true);
    report.wrapper.unmount();
  });
});
