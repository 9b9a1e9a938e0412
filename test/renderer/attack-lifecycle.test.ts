// @vitest-environment jsdom
/**
 * The run lifecycle in the workbench against FakeBridge: after a reload (fresh stores, no job
 * known to the page) the Attack view lists the experiment's cancelled and interrupted runs from
 * job:list and resumes one; run pickers list every run but only complete runs can be chosen.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { JobDto } from '../../src/contract';
import { useAppStore } from '../../renderer/src/stores/app';
import { useModelStore } from '../../renderer/src/stores/model';
import AttackView from '../../renderer/src/views/AttackView.vue';
import PrintView from '../../renderer/src/views/PrintView.vue';
import { experimentWithRun, FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

/** The fixture experiment plus a BIM run cancelled after 2 of 8 images. */
function experimentWithStoppedRun() {
  const exp = experimentWithRun();
  const stopped = { id: 'run-2', method: 'bim', eps: 16, dir: 'adversarial/bim-eps16', status: 'cancelled' as const, reason: 'cancelled by the user', counts: { done: 2, total: 8 }, createdAt: '2026-01-02T00:00:00.000Z' };
  return { ...exp, runs: [...exp.runs, stopped] };
}

/** What the host lists for that run after a restart (src/engine/host-runs.ts). */
function stoppedRunJob(state: JobDto['state'] = 'cancelled'): JobDto {
  return {
    id: 'run:run-2',
    kind: 'attack',
    label: 'bim eps=16 (bim-eps16)',
    state,
    progress: { done: 2, total: 8, fraction: 0.25, stage: '2/8 images', elapsedMs: 0, etaMs: null },
    startedAt: Date.parse('2026-01-02T00:00:00.000Z'),
    resumable: state !== 'done',
    error: { code: 'cancelled', message: 'cancelled by the user', hint: 'resume it: finished batches are kept' },
    run: { id: 'run-2', experimentDir: '/fake/experiments/demo', dir: 'adversarial/bim-eps16', status: 'cancelled' },
  };
}

describe('stopped runs after a reload', () => {
  it('lists a cancelled run from job:list with its state and counts, and resumes it to a complete run', async () => {
    let listed: JobDto[] = [stoppedRunJob()];
    let experiment = experimentWithStoppedRun();
    const fake = new FakeBridge()
      .handle('experiment:current', () => experiment)
      .handle('job:list', () => listed)
      .handle('job:resume', (req) => ({ ...stoppedRunJob(), id: req.jobId, state: 'running' as const, resumable: false }));
    const { wrapper } = mountWith(AttackView, fake);
    await useModelStore().load({ kind: 'bundled' });
    await useAppStore().init();
    await flushPromises();

    const item = wrapper.get('[data-testid="attack-stopped"] li');
    expect(item.attributes('data-state')).toBe('cancelled');
    expect(item.text()).toContain('bim eps=16');
    expect(item.text()).toContain('cancelled, 2/8 images');
    await item.get('button').trigger('click');
    await flushPromises();
    expect(fake.callsOf('job:resume')).toEqual([{ jobId: 'run:run-2' }]);
    expect(wrapper.find('[data-testid="attack-stopped"]').exists()).toBe(false); // now the running job

    const done = { ...stoppedRunJob('done'), result: { kind: 'attack' as const, experimentDir: '/fake/experiments/demo', runId: 'run-2', runDir: 'adversarial/bim-eps16', method: 'bim', eps: 16, summary: experimentWithRun().runs[0].summary } };
    experiment = { ...experiment, runs: experiment.runs.map((r) => (r.id === 'run-2' ? { ...experimentWithRun().runs[0], ...r, status: 'complete' as const, counts: { done: 8, total: 8 } } : r)) };
    listed = [];
    fake.emit('job:done', { job: done });
    await flushPromises();
    await flushPromises();
    expect(wrapper.find('[data-testid="attack-stopped"]').exists()).toBe(false);
    expect(fake.callsOf('run:images').at(-1)).toMatchObject({ runId: 'run-2' });
    wrapper.unmount();
  });

  it("does not list a stopped job of another experiment the host still holds", async () => {
    const elsewhere: JobDto = { ...stoppedRunJob('interrupted'), id: 'job-9', run: { id: 'run-9', experimentDir: '/fake/experiments/other' } };
    const fake = new FakeBridge()
      .handle('experiment:current', () => experimentWithStoppedRun())
      .handle('job:list', () => [elsewhere, stoppedRunJob()]);
    const { wrapper } = mountWith(AttackView, fake);
    await useModelStore().load({ kind: 'bundled' });
    await useAppStore().init();
    await flushPromises();
    const items = wrapper.findAll('[data-testid="attack-stopped"] li');
    expect(items.map((i) => i.text().split(':')[0])).toEqual(['bim eps=16 (bim-eps16)']);
    expect(items[0].find('button').exists()).toBe(true);
    expect(wrapper.text()).not.toContain('run-9');
    wrapper.unmount();
  });
});

describe('run pickers', () => {
  it('show a stopped run disabled with its state; only complete runs can be chosen', async () => {
    const fake = new FakeBridge().handle('experiment:current', () => experimentWithStoppedRun()).handle('job:list', () => []);
    for (const [view, id] of [
      [AttackView, '#attack-run'],
      [PrintView, '#print-run'],
    ] as const) {
      const { wrapper } = mountWith(view, fake);
      await useModelStore().load({ kind: 'bundled' });
      await useAppStore().init();
      await flushPromises();
      const options = wrapper.get(id).findAll('option').filter((o) => o.attributes('value'));
      expect(options.map((o) => [o.attributes('value'), o.attributes('disabled') !== undefined])).toEqual([
        ['run-1', false],
        ['run-2', true],
      ]);
      expect(options[1].text()).toBe('adversarial/bim-eps16 (cancelled, 2/8 images)');
      expect((wrapper.get(id).element as HTMLSelectElement).value).toBe('run-1');
      wrapper.unmount();
    }
  });
});
