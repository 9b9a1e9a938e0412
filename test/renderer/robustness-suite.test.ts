// @vitest-environment jsdom
/**
 * The robustness suite in the Defences view against FakeBridge (issue 18): the suite is the
 * default comparison and sends robustness:suite with the eps list parsed; a bad list is refused
 * beside its field; the result shows one curve chart per model (the report's own panels, built
 * here by src/reports/robustness-table.ts as the engine does), the suite table with who broke
 * what, and the curves CSV download; the chart builder draws the worst-case curve's numbers.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RobustnessReportDto } from '../../src/contract';
import { rateOf } from '../../src/metrics/attack-summary';
import { robustnessPanels, robustnessTables, type RobustnessComparison } from '../../src/reports/robustness-table';
import { robustnessChart, robustnessChartText } from '../../renderer/src/lib/robustness-chart';
import { useAppStore } from '../../renderer/src/stores/app';
import { useModelStore } from '../../renderer/src/stores/model';
import { useRobustnessStore } from '../../renderer/src/stores/robustness';
import DefencesView from '../../renderer/src/views/DefencesView.vue';
import { FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const N = 10;
const ATTACKS = ['apgd-ce', 'apgd-t', 'square'];
/** Robust images out of 10 at eps 4 and 16, and FGSM's correct count beside them. */
const MODELS = [
  { name: 'fashion-cnn', defence: null, robust: [4, 0], fgsm: [6, 1] },
  { name: 'fashion-cnn-distilled', defence: 'defensive-distillation (temperature 100)', robust: [7, 1], fgsm: [9, 9] },
];
const acc = (k: number) => ({ correct: k, total: N, accuracy: k / N, ci: null });

/** A suite result in the service's shape, laid out by the report code as robustness:suite does. */
function suiteReport(): RobustnessReportDto {
  const models = MODELS.map((m) => ({
    name: m.name,
    source: m.name,
    fingerprint: m.name.padEnd(64, '0'),
    defence: m.defence,
    experiment: null,
    clean: { top1: acc(9), top5: acc(10) },
    cells: [4, 16].flatMap((eps, i) => [
      { method: 'fgsm', eps, params: { eps }, run: null, attack: { images: N, successes: N - m.fgsm[i], successRate: 0, cleanTop1Correct: 9, advTop1Correct: m.fgsm[i], meanLinf: eps, meanL2: 0 }, error: 0, transforms: [], photo: null },
      { method: 'suite-standard', eps, params: { eps }, run: null, attack: { images: N, successes: N - m.robust[i], successRate: 0, cleanTop1Correct: 9, advTop1Correct: m.robust[i], meanLinf: eps, meanL2: 0 }, error: 0, transforms: [], photo: null },
    ]),
    suite: {
      name: 'standard' as const,
      attacks: ATTACKS,
      points: [4, 16].map((eps, i) => ({
        eps,
        clean: rateOf(9, N),
        robust: rateOf(m.robust[i], N),
        fgsm: rateOf(m.fgsm[i], N),
        brokenBy: { clean: 1, 'apgd-ce': 9 - m.robust[i] - 1, square: 1 },
        attacks: ATTACKS.map((method) => ({ method, attacked: 9, broken: 1, seconds: 2, queries: method === 'square' ? 500 : null })),
      })),
    },
  }));
  const data = { images: { source: 'samples', count: N }, models } as unknown as RobustnessComparison;
  return RobustnessReportDto.parse({
    schemaVersion: 1,
    createdAt: '2026-01-01T12:00:00.000Z',
    request: { methods: ATTACKS, eps: [4, 16], transforms: [], photos: false, limit: N, suite: 'standard' },
    images: data.images,
    seed: 0,
    backend: 'wasm',
    seconds: 30,
    outDir: 'robustness/suite-0123456789ab',
    models,
    tables: robustnessTables(data),
    panels: robustnessPanels(data),
    masking: [],
    curvesFile: 'robustness/suite-0123456789ab/results/robustness-curves.csv',
  });
}

async function mounted(fake = new FakeBridge()) {
  const app = mountWith(DefencesView, fake);
  await useModelStore().load({ kind: 'bundled' });
  await useAppStore().newExperiment({ kind: 'scratch' });
  await flushPromises();
  return app;
}

describe('the robustness suite in the Defences view', () => {
  it('is the default: sends robustness:suite with the eps list, then shows a curve chart per model, the suite table and the CSV', async () => {
    const csv = new TextEncoder().encode('model,eps\n');
    const fake = new FakeBridge().handle('file:read', (req) => ({ name: req.path.split('/').pop()!, mime: 'text/csv', bytes: csv }));
    const { wrapper } = await mounted(fake);
    expect((wrapper.get('[data-testid="defences-mode-suite"]').element as HTMLInputElement).checked).toBe(true);
    expect((wrapper.get('#defences-suite-eps').element as HTMLInputElement).value).toBe('4, 8, 16, 25');
    await wrapper.get('#defences-suite-eps').setValue('16; 4 4');
    await wrapper.get('#defences-limit').setValue('10');
    await wrapper.get('form:not(.folder)').trigger('submit');
    await flushPromises();
    expect(fake.callsOf('robustness:run')).toEqual([]);
    expect(fake.callsOf('robustness:suite')).toEqual([{ models: [{ kind: 'loaded' }], suite: 'standard', eps: [4, 16], images: { kind: 'bundled' }, limit: 10, sample: 'stratified', seed: 0 }]);

    await finishJob(fake, 'robustness', { kind: 'robustness', file: 'results/robustness.json', report: suiteReport() });
    const results = wrapper.get('[data-testid="defences-results"]');
    expect(results.attributes('data-suite')).toBe('standard');
    expect(wrapper.get('[data-testid="defences-summary"]').text()).toContain('apgd-ce → apgd-t → square');
    const charts = results.findAll('[data-testid="defences-charts"] figure');
    expect(charts.map((c) => c.attributes('data-panel'))).toEqual(['robustness-fashion-cnn', 'robustness-fashion-cnn-distilled']);
    expect(charts[1].get('figcaption').text()).toContain('standard suite (worst case): eps 0 90.0 %, eps 4 70.0 %, eps 16 10.0 %');
    const suite = results.get('table[data-table="robustness-suite"]');
    expect(suite.findAll('tbody tr')).toHaveLength(4);
    expect(suite.get('thead').text()).toContain('square');
    // The distilled model at eps 16: robust 1/10 with its interval, against FGSM's 9/10.
    expect(suite.findAll('tbody tr')[3].text()).toMatch(/10\.0 % \(1\/10\).*\[/);

    await results.get('[data-testid="defences-curves-csv"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('file:read')).toContainEqual({ path: 'robustness/suite-0123456789ab/results/robustness-curves.csv' });
    expect(wrapper.text()).toContain('Downloading robustness-curves.csv');
    wrapper.unmount();
  });

  it('refuses an eps list that is not numbers in (0, 255] beside its field', async () => {
    const { wrapper, fake } = await mounted();
    for (const bad of ['', 'eight', '0, 8', '300']) {
      await wrapper.get('#defences-suite-eps').setValue(bad);
      await wrapper.get('form:not(.folder)').trigger('submit');
      await flushPromises();
      expect(useRobustnessStore().fieldErrors.suiteEps).toContain('e.g. 4, 8, 16, 25');
    }
    expect(wrapper.get('[aria-invalid="true"] .invalid').text()).toContain('separated by commas');
    expect(fake.callsOf('robustness:suite')).toEqual([]);
    wrapper.unmount();
  });

  it('draws the worst-case curve beside FGSM in the method colours, with the numbers as text', () => {
    const panel = suiteReport().panels[0];
    const config = robustnessChart(panel);
    const sets = config.data.datasets as { label: string; data: { x: number; y: number | null }[]; borderColor: string }[];
    expect(sets.map((s) => s.label)).toEqual(['fast digital', 'standard suite (worst case)']);
    expect(sets[1].data).toEqual([
      { x: 0, y: 90 },
      { x: 4, y: 40 },
      { x: 16, y: 0 },
    ]);
    expect(sets[1].borderColor).not.toBe(sets[0].borderColor);
    expect(robustnessChartText(panel)).toContain('standard suite (worst case): eps 0 90.0 %, eps 4 40.0 %, eps 16 0.0 %');
  });
});
