// @vitest-environment jsdom
/**
 * Placeholders say why they are empty (issue 22): the photo chart lists only the series that
 * have a value (one bar, one legend entry, not four), and an all-"—" Table 2 shows the report's
 * reason (no image passed the prefilter) beside it.
 */
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartConfiguration } from 'chart.js';
import ChartCanvas from '../../renderer/src/components/ChartCanvas.vue';
import PhotoResults from '../../renderer/src/components/PhotoResults.vue';
import type { ReportCell, ReportJson, ReportTableData } from '../../renderer/src/lib/report-types';
import { stubDom } from './helpers';

beforeEach(stubDom);

const pct = (numerator: number, denominator: number): ReportCell => ({ value: denominator ? numerator / denominator : null, format: 'pct', numerator, denominator, ci: null });
const EMPTY_NOTE = 'Prefiltered: clean right and adversarial wrong in top-1 and top-5, top prediction confidence ≥ 0.8. Empty: no image passed the prefilter in any run (the attack fooled no correctly classified image with confidence ≥ 0.8), so there is nothing to measure.';

function report(): ReportJson {
  const acc = ['chAdv1', 'chAdv5'].map((key) => ({ key, label: key }));
  const t2: ReportTableData = { id: 'table2-photo', number: 'Table 2', title: 'Accuracy, prefiltered case — photos (%)', channel: 'photo', columns: acc, rows: [{ key: 'r', label: 'fast eps=16', cells: { chAdv1: pct(0, 0), chAdv5: null } }], note: EMPTY_NOTE };
  const t3: ReportTableData = {
    id: 'table3-photo',
    number: 'Table 3',
    title: 'Destruction rate — photos (%)',
    channel: 'photo',
    columns: ['avg1', 'avg5', 'pre1', 'pre5'].map((key) => ({ key, label: key })),
    rows: [{ key: 'r', label: 'fast eps=16', cells: { avg1: pct(1, 4), avg5: pct(0, 0), pre1: pct(0, 0), pre5: null } }],
  };
  return { schemaVersion: 1, generatedAt: '', tables: [t2, t3], captures: { present: true, accepted: 1, rejected: 0, duplicates: 0, discardRate: pct(0, 1), reasons: [] }, notes: [] };
}

describe('PhotoResults', () => {
  it('lists only the chart series that have data, and shows why Table 2 is all "—"', () => {
    const w = mount(PhotoResults, { props: { report: report() } });
    const config = w.getComponent(ChartCanvas).props('config') as ChartConfiguration;
    expect(config.data.datasets.map((d) => d.label)).toEqual(['average, top-1']);
    const t2 = w.get('table[data-table="table2-photo"]');
    expect(t2.findAll('td[data-col]').map((td) => td.text())).toEqual(['—', '—']);
    expect(t2.get('tfoot').text()).toContain('Empty: no image passed the prefilter in any run');
  });

  it('draws no chart at all when no series has a value', () => {
    const r = report();
    r.tables[1].rows[0].cells = { avg1: pct(0, 0), avg5: null, pre1: null, pre5: null };
    const w = mount(PhotoResults, { props: { report: r } });
    expect(w.findComponent(ChartCanvas).exists()).toBe(false);
  });
});
