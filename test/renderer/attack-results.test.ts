// @vitest-environment jsdom
/**
 * The workbench's attack summary (issue 14): success among the images the model got right before
 * the attack, with its count and 95 % interval, beside adversarial accuracy; an image already
 * misclassified is never called "fooled".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import AttackResults from '../../renderer/src/components/AttackResults.vue';
import { TINY_PNG } from '../support/fake-bridge/fake-data';
import { useAppStore } from '../../renderer/src/stores/app';
import { useAttackStore } from '../../renderer/src/stores/attack';
import { experimentWithRun, FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const image = (relPath: string, label: number, clean: number, adv: number, success: boolean) => ({
  relPath,
  label,
  labelName: `class ${label}`,
  clean: TINY_PNG,
  adversarial: TINY_PNG,
  cleanTop5: [{ label: clean, name: `class ${clean}`, prob: 1 }],
  advTop5: [{ label: adv, name: `class ${adv}`, prob: 1 }],
  success,
  linf: 16,
  l2: 300,
  steps: 1,
});

async function mountResults(summary = experimentWithRun().runs[0].summary) {
  const exp = experimentWithRun();
  exp.runs[0].summary = summary;
  const fake = new FakeBridge().handle('experiment:current', () => exp).handle('run:images', () => ({
    total: 3,
    labels: [],
    // Ankle boot (9) taken for a Sandal (5) before and after the attack: untargeted "success", yet not fooled.
    items: [image('a/1.png', 9, 5, 5, true), image('b/1.png', 4, 4, 6, true), image('c/1.png', 1, 1, 1, false)],
  }));
  const { wrapper } = mountWith(AttackResults, fake);
  await useAppStore().init();
  await useAttackStore().showRun('run-1');
  await flushPromises();
  return wrapper;
}

let unmount: (() => void) | null = null;
afterEach(() => unmount?.());

describe('AttackResults summary', () => {
  it('shows success among originally correct images with its interval, beside adversarial accuracy', async () => {
    const wrapper = await mountResults();
    unmount = () => wrapper.unmount();
    const text = wrapper.get('[data-testid="attack-summary"]').text().replace(/\s+/g, ' ');
    expect(text).toContain('fgsm eps=16');
    // 4 of the 5 right before the attack; Wilson 95 % [0.3755, 0.9638].
    expect(text).toContain('success 80.0 % (4/5) [38–96 %] of the images right before the attack');
    // 1 of 8 still right; Wilson 95 % [0.0224, 0.4709].
    expect(text).toContain('adversarial accuracy 12.5 % (1/8) [2–47 %]');
    expect(text).toContain('3 already misclassified, raw success 7/8');
    expect(text).not.toContain('87.5');
  });

  it('calls an image wrong before the attack "already misclassified", not "fooled"', async () => {
    const wrapper = await mountResults();
    unmount = () => wrapper.unmount();
    const badges = wrapper.findAll('tbody .badge').map((b) => b.text());
    expect(badges).toEqual(['already misclassified', 'fooled', 'not fooled']);
  });

  it('says so for a run recorded before the honest rates, rather than showing the raw rate', async () => {
    const { images, successes, successRate, cleanTop1Correct, advTop1Correct, meanLinf, meanL2 } = experimentWithRun().runs[0].summary;
    const wrapper = await mountResults({ images, successes, successRate, cleanTop1Correct, advTop1Correct, meanLinf, meanL2 } as never);
    unmount = () => wrapper.unmount();
    const text = wrapper.get('[data-testid="attack-summary"]').text();
    expect(text).toContain('clean top-1 5/8 → adversarial 1/8');
    expect(text).not.toContain('87.5');
  });
});
