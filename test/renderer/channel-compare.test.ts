// @vitest-environment jsdom
/**
 * Simulation against capture in the Evaluate view (issue 17, deliverable 3): the three top-1
 * destruction rates of every photographed run side by side, with counts, intervals and the gaps
 * in points, the pooled row, the out-of-date notes, and what to run when nothing was compared yet.
 */
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { ChannelCompareDto } from '../../src/contract';
import ChannelCompareTable from '../../renderer/src/components/ChannelCompareTable.vue';

const r = (numerator: number, denominator: number, ci: [number, number] | null) => ({ numerator, denominator, rate: denominator ? numerator / denominator : null, ci: ci && { low: ci[0], high: ci[1] } });
const row = (run: string, label: string, p: number, f: number, d: number, n: number) => ({
  run, label, photos: 3, photographed: r(p, n, [0.4, 0.7]), profile: r(f, n, [0.38, 0.68]), default: r(d, n, [0.3, 0.6]),
  gapProfile: (100 * (f - p)) / n, gapDefault: (100 * (d - p)) / n,
});
const compare: ChannelCompareDto = {
  computedAt: '2026-12-07T10:00:00Z', profile: { file: 'channel/profile.json', photos: 6 }, poses: { registered: 27, drawn: 0 },
  rows: [row('fgsm-eps16', 'fgsm eps=16', 30, 29, 22, 50), row('bim-eps16', 'iter. basic eps=16', 33, 32, 27, 56)],
  total: row('all', 'all', 63, 61, 49, 106),
  stale: ['2 photos were registered after the comparison'],
};

describe('ChannelCompareTable', () => {
  it('sets photographed, fitted-profile and default-channel rates side by side with counts, intervals and gaps', () => {
    const w = mount(ChannelCompareTable, { props: { compare } });
    const rows = w.findAll('tbody tr').map((tr) => tr.findAll('th, td').map((c) => c.text()));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual(['fgsm eps=16', '60.0 % (30/50) [40–70 %]', '58.0 % (29/50) [38–68 %]', '-2.0 points', '44.0 % (22/50) [30–60 %]', '-16.0 points']);
    expect(rows[2][0]).toBe('All runs');
    expect(rows[2][1]).toBe('59.4 % (63/106) [40–70 %]');
    expect(rows[2][3]).toBe('-1.9 points');
    expect(rows[2][5]).toBe('-13.2 points');
    expect(w.get('[data-testid="channel-compare-stale"]').text()).toContain('registered after the comparison');
    expect(w.text()).toContain('Poses: 27 from the registered photos');
  });

  it('says which commands compute the comparison when there is none', () => {
    const w = mount(ChannelCompareTable, { props: { compare: null } });
    expect(w.find('table').exists()).toBe(false);
    expect(w.get('[data-testid="channel-compare-empty"]').text()).toContain('npx printshot channel compare --experiment DIR');
  });
});
