// @vitest-environment jsdom
/**
 * The attack form's sampling: stratified by default (the samples are sorted by class, so "first
 * 8" would be eight ankle boots), sent with the limit and the seed; no limit sends no sampling.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { useAttackStore } from '../../renderer/src/stores/attack';
import { experimentWithRun, FakeBridge, finishJob, storeContext, stubDom } from './helpers';

beforeEach(stubDom);

const result = { kind: 'attack' as const, experimentDir: '/fake/experiments/demo', runId: 'run-16', runDir: 'adversarial/fgsm-eps16', method: 'fgsm', eps: 16, summary: { images: 8, successes: 7, successRate: 0.875, cleanTop1Correct: 5, advTop1Correct: 1, meanLinf: 16, meanL2: 300 } };

async function startWith(set: (a: ReturnType<typeof useAttackStore>) => void) {
  const fake = new FakeBridge();
  fake.handle('experiment:current', () => experimentWithRun());
  storeContext(fake);
  const attack = useAttackStore();
  await attack.loadCatalogue();
  set(attack);
  const done = attack.start();
  await finishJob(fake, 'attack', result);
  await done;
  return fake.callsOf('attack:start')[0];
}

describe('attack sampling', () => {
  it('defaults to stratified and sends it with N and the seed', async () => {
    const req = await startWith((a) => ((a.epsList = '16'), (a.limit = '8'), (a.seed = '42')));
    expect(req).toMatchObject({ limit: 8, sample: 'stratified', seed: 42 });
  });

  it('sends the chosen mode; all images (no N) sends no sampling', async () => {
    expect(await startWith((a) => ((a.limit = '8'), (a.sample = 'random')))).toMatchObject({ limit: 8, sample: 'random' });
    const all = await startWith((a) => (a.limit = ''));
    expect(all.limit).toBeUndefined();
    expect(all.sample).toBeUndefined();
  });
});
