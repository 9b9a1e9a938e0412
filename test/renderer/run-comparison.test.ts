// @vitest-environment jsdom
/**
 * The run comparison in the Report view against FakeBridge (issue 17): read from the newest JSON
 * report of the experiment (so it shows again after a reload), built on demand by exporting a
 * fresh one; every run's success and accuracy against eps on one chart each (the report's own
 * comparisonPanels), and the Fig. 6 sweeps with the methods overlaid, top-1 solid, top-5 dashed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Fig6Panel, ReportTable } from '../../src/reports';
import { comparisonPanels } from '../../src/reports/run-comparison';
import { ratioCell } from '../../src/reports/stats';
import { fakeExperiment } from '../support/fake-bridge/fake-data';
import { robustnessChart } from '../../renderer/src/lib/robustness-chart';
import { latestJsonReport, parseRunComparison } from '../../renderer/src/lib/run-comparison';
import { useAppStore } from '../../renderer/src/stores/app';
import ReportView from '../../renderer/src/views/ReportView.vue';
import { FakeBridge, finishJob, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const row = (method: string, eps: number, success: number, adv: number) => ({ key: `${method}${eps}`, label: `${method} eps=${eps}`, run: `${method}-${eps}`, method, eps, cells: { success: ratioCell(success, 8), adv1: ratioCell(adv, 10) } });
const DIGITAL: ReportTable = { id: 'digital', number: 'Digital', title: 'digital', columns: [], rows: [row('fgsm', 16, 6, 3), row('fgsm', 4, 2, 7), row('bim', 16, 8, 1)] };
const JPEG: Fig6Panel = {
  transform: 'jpeg',
  title: 'JPEG compression',
  param: 'quality',
  paperRange: { min: 10, max: 100 },
  series: ['fgsm', 'bim'].flatMap((method, m) =>
    (['top1', 'top5'] as const).map((k) => ({ run: `${method}-16`, method, eps: 16, k, points: [10, 50, 90].map((x, i) => ({ x, rate: ratioCell(m + i + (k === 'top5' ? 1 : 0), 6) })) })),
  ),
};

function reportJson(generatedAt: string, withComparison = true): Uint8Array {
  const data = { schemaVersion: 1, generatedAt, tables: [DIGITAL], fig6: { eps: 16, panels: [JPEG] }, ...(withComparison ? { comparison: { panels: comparisonPanels(DIGITAL) } } : {}) };
  return new TextEncoder().encode(JSON.stringify(data));
}

const OLD = 'reports/report-2026-01-01T10-00-00-000Z.json';
const NEW = 'reports/report-2026-01-02T10-00-00-000Z.json';

describe('run comparison', () => {
  it('reads the newest JSON report: success and accuracy against eps, then Fig. 6 with the methods overlaid', async () => {
    const fake = new FakeBridge()
      .handle('experiment:current', () => ({ ...fakeExperiment(), files: [OLD, 'reports/report-2026-01-03T00-00-00-000Z.pdf', NEW] }))
      .handle('file:read', (req) => ({ name: 'r.json', mime: 'application/json', bytes: reportJson(req.path === NEW ? '2026-01-02T10:00:00.000Z' : 'old') }));
    const { wrapper } = mountWith(ReportView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(fake.callsOf('file:read')).toEqual([{ path: NEW }]);
    const view = wrapper.get('[data-testid="run-comparison"]');
    expect(view.attributes('data-file')).toBe(NEW);
    const eps = view.findAll('[data-testid="run-comparison-eps"] figure');
    expect(eps.map((f) => f.attributes('data-panel'))).toEqual(['runs-success', 'runs-accuracy']);
    // Points in eps order with the table's own rates: FGSM succeeded on 2/8 at eps 4 and 6/8 at eps 16.
    expect(eps[0].get('figcaption').text()).toContain('fast: eps 4 25.0 %, eps 16 75.0 %');
    expect(eps[1].get('figcaption').text()).toContain('iter. basic: eps 16 10.0 %');
    const fig6 = view.findAll('[data-testid="run-comparison-fig6"] figure');
    expect(fig6.map((f) => f.attributes('data-panel'))).toEqual(['jpeg']);
    expect(fig6[0].get('figcaption').text()).toContain('bim top-5: quality 10 33.3 %, quality 50 50.0 %, quality 90 66.7 %');
    expect(wrapper.text()).toContain('(eps 16)');
    wrapper.unmount();
  });

  it('builds it by exporting a JSON report, and says so when an older report has no comparison', async () => {
    let files = [OLD];
    const fake = new FakeBridge()
      .handle('experiment:current', () => ({ ...fakeExperiment(), runs: [{ id: 'fgsm-16', status: 'complete' }] as never, files }))
      .handle('file:read', (req) => ({ name: 'r.json', mime: 'application/json', bytes: reportJson('x', req.path === NEW) }));
    const { wrapper } = mountWith(ReportView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(wrapper.get('[data-testid="run-comparison-no-eps"]').text()).toContain('build it again');
    await wrapper.get('[data-testid="run-comparison-build"]').trigger('click');
    await flushPromises();
    expect(fake.callsOf('report:export')).toEqual([{ format: 'json' }]);
    files = [OLD, NEW];
    await finishJob(fake, 'report', { kind: 'report', files: [NEW] });
    await flushPromises();
    expect(wrapper.get('[data-testid="run-comparison"]').attributes('data-file')).toBe(NEW);
    expect(wrapper.findAll('[data-testid="run-comparison-eps"] figure')).toHaveLength(2);
    wrapper.unmount();
  });

  it('draws a Fig. 6 panel like the report: a colour per method, top-5 dashed, its x range', () => {
    const config = robustnessChart(JPEG);
    const sets = config.data.datasets as { label: string; borderColor: string; borderDash?: number[] }[];
    expect(sets.map((s) => s.label)).toEqual(['fgsm top-1', 'fgsm top-5', 'bim top-1', 'bim top-5']);
    expect(sets.map((s) => !!s.borderDash)).toEqual([false, true, false, true]);
    expect(sets[1].borderColor).toBe(sets[0].borderColor);
    expect(sets[2].borderColor).not.toBe(sets[0].borderColor);
    expect((config.options!.scales!.x as { max: number }).max).toBe(100);
  });

  it('picks the newest JSON report and refuses a file without chart panels', () => {
    expect(latestJsonReport([NEW, 'reports/a.pdf', OLD, 'results/x.json'])).toBe(NEW);
    expect(latestJsonReport(['reports/a.pdf'])).toBeNull();
    expect(() => parseRunComparison('reports/x.json', '{"tables": []}')).toThrow('not a Printshot JSON report');
  });
});
