// @vitest-environment jsdom
/**
 * The Defences view's masking warnings (issue 14, deliverable 5): a visible block beside each
 * chart whose model tripped a check, a summary line above the charts, nothing beside a model that
 * tripped none, and a plain statement when a saved comparison predates the checks.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RobustnessReportDto, type MaskingWarningDto } from '../../src/contract';
import { fakeRobustnessReport } from '../support/fake-bridge/fake-robustness';
import { maskingSummary, panelWarnings } from '../../renderer/src/lib/robustness-chart';
import { useAppStore } from '../../renderer/src/stores/app';
import { useModelStore } from '../../renderer/src/stores/model';
import { useRobustnessStore } from '../../renderer/src/stores/robustness';
import DefencesView from '../../renderer/src/views/DefencesView.vue';
import { FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

/** What the engine sends for the bundled models on the default grid (the CLI test's numbers). */
const HARDENED_RISE: MaskingWarningDto = {
  code: 'accuracy-rises-with-eps',
  model: 'fashion-cnn-hardened',
  method: 'fgsm',
  eps: 25,
  message: 'fashion-cnn-hardened: accuracy rises with eps, fgsm eps=8 13/16 (81.3 %) → fgsm eps=25 15/16 (93.8 %) correct',
  advice: 'a larger eps allows every smaller perturbation, so the attack is failing, not the model resisting',
};

async function mounted() {
  const fake = new FakeBridge();
  const app = mountWith(DefencesView, fake);
  await useModelStore().load({ kind: 'bundled' });
  await useAppStore().newExperiment({ kind: 'scratch' });
  await flushPromises();
  return app;
}

describe('DefencesView masking warnings', () => {
  it('shows each model’s warnings beside its chart after a comparison, none beside the plain model', async () => {
    const { wrapper, fake } = await mounted();
    const report = fakeRobustnessReport();
    report.masking = [HARDENED_RISE, ...(report.masking ?? [])];
    const running = useRobustnessStore().run();
    await flushPromises();
    await finishJob(fake, 'robustness', { kind: 'robustness', file: 'results/robustness.json', report });
    await running;
    const cells = wrapper.findAll('[data-testid="defences-charts"] .chart-cell');
    expect(cells).toHaveLength(3);
    // Plain model: chart only.
    expect(cells[0].find('[data-testid="defences-masking"]').exists()).toBe(false);
    const hardened = cells[1].get('[data-testid="defences-masking"]');
    expect(hardened.attributes('data-model')).toBe('fashion-cnn-hardened');
    expect(hardened.text()).toContain('Possible gradient masking');
    expect(hardened.text()).toContain('accuracy rises with eps, fgsm eps=8 13/16 (81.3 %) → fgsm eps=25 15/16 (93.8 %)');
    expect(hardened.text()).toContain('the attack is failing');
    const distilled = cells[2].get('[data-testid="defences-masking"]');
    expect(distilled.findAll('li').map((li) => li.attributes('data-code'))).toEqual(['vanishing-gradients', 'unbounded-not-broken']);
    expect(distilled.text()).toContain('fashion-cnn-distilled: the loss gradient is ~0 (max |∂L/∂x| < 1e-12) at 84/100 (84.0 %) clean images');
    // The block sits in the chart's own cell, next to its canvas, not in a tooltip.
    expect(cells[2].find('figure').attributes('data-panel')).toBe('robustness-fashion-cnn-distilled');
    expect(wrapper.get('[data-testid="defences-masking-summary"]').text()).toBe(
      'Masking checks (Carlini et al. 2019; Croce & Hein 2020): 3 warning(s) on 2 model(s). Their accuracy under attack may overstate robustness.',
    );
    wrapper.unmount();
  });

  it('says none fired, or that a comparison saved before the checks never ran them', async () => {
    const { wrapper } = await mounted();
    const rob = useRobustnessStore();
    rob.report = { ...fakeRobustnessReport(), masking: [] };
    await flushPromises();
    expect(wrapper.get('[data-testid="defences-masking-summary"]').text()).toBe('Masking checks (Carlini et al. 2019; Croce & Hein 2020): none fired.');
    expect(wrapper.find('[data-testid="defences-masking"]').exists()).toBe(false);
    // An old results/robustness.json has no masking field: it parses, and the view says so.
    const { masking: _dropped, ...old } = fakeRobustnessReport();
    rob.report = RobustnessReportDto.parse(JSON.parse(JSON.stringify(old)));
    await flushPromises();
    expect(rob.report.masking).toBeNull();
    expect(wrapper.get('[data-testid="defences-masking-summary"]').text()).toMatch(/^Masking checks did not run for this comparison/);
    wrapper.unmount();
  });

  it('matches warnings to panels by model name', () => {
    const report = fakeRobustnessReport();
    expect(report.panels.map((p) => panelWarnings(p, report.masking).length)).toEqual([0, 0, 2]);
    expect(panelWarnings(report.panels[2], null)).toEqual([]);
    expect(maskingSummary([HARDENED_RISE])).toContain('1 warning(s) on 1 model(s)');
  });
});
