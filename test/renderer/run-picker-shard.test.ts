// @vitest-environment jsdom
/**
 * An unmerged shard run (RunDto.shard, `printshot attack --shard k/N`) is complete but holds only
 * its own batches of the job: the run pickers show it disabled as "shard k/N, not merged", and
 * the store's completeRuns (what Print, Evaluate and Report offer) leaves it out.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { isComplete, runChoiceText } from '../../renderer/src/lib/run-choice';
import { useAppStore } from '../../renderer/src/stores/app';
import EvaluateView from '../../renderer/src/views/EvaluateView.vue';
import PrintView from '../../renderer/src/views/PrintView.vue';
import { experimentWithRun, FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const shardRun = { id: 'run-2', method: 'bim', eps: 8, dir: 'adversarial/bim-eps8', status: 'complete' as const, counts: { done: 4, total: 4 }, createdAt: '2026-01-02T00:00:00.000Z', shard: { index: 2, count: 4 } };

describe('run pickers and unmerged shards', () => {
  it('say shard k/N, not merged, and never count a shard as complete', () => {
    expect(isComplete(shardRun)).toBe(false);
    expect(isComplete({ ...shardRun, shard: undefined })).toBe(true);
    expect(runChoiceText(shardRun, '4 images')).toBe('adversarial/bim-eps8 (shard 2/4, not merged, 4/4 images)');
    expect(runChoiceText({ ...shardRun, status: 'cancelled', counts: { done: 2, total: 4 } })).toBe('adversarial/bim-eps8 (cancelled, shard 2/4, not merged, 2/4 images)');
  });

  it('show the shard disabled in Print and Evaluate, and leave it out of completeRuns', async () => {
    const exp = experimentWithRun();
    const fake = new FakeBridge().handle('experiment:current', () => ({ ...exp, runs: [...exp.runs, shardRun] })).handle('job:list', () => []);
    for (const [view, id] of [
      [PrintView, '#print-run'],
      [EvaluateView, '#evaluate-run'],
    ] as const) {
      const { wrapper } = mountWith(view, fake);
      await useAppStore().init();
      await flushPromises();
      expect(useAppStore().completeRuns.map((r) => r.id)).toEqual(['run-1']);
      const options = wrapper.get(id).findAll('option').filter((o) => o.attributes('value'));
      expect(options.map((o) => [o.attributes('value'), o.attributes('disabled') !== undefined])).toEqual([
        ['run-1', false],
        ['run-2', true],
      ]);
      expect(options[1].text()).toBe('adversarial/bim-eps8 (shard 2/4, not merged, 4/4 images)');
      wrapper.unmount();
    }
  });
});
