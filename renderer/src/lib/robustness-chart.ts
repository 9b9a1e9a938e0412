/**
 * A report chart panel as a chart.js line chart, as the report draws it (src/reports/chart.ts):
 * a robustness panel (one per model: accuracy under attack against eps, a line per method,
 * digital solid and photo dashed in the method's colour), the run comparison (success and
 * accuracy against eps) or a Fig. 6 sweep (destruction rate against the transform parameter,
 * top-1 solid and top-5 dashed). The same numbers as text, for the canvas's text alternative.
 */
import type { ChartConfiguration } from 'chart.js';
import type { ChartPanelDto, MaskingWarningDto } from '../../../src/contract';

const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

const percent = (v: number | null) => (v === null ? null : Math.round(1000 * v) / 10);

/** A series' name: its own label, else the method with top-1/top-5 (Fig. 6 panels carry no labels). */
const seriesLabel = (s: ChartPanelDto['series'][number]) => s.label ?? `${s.method} ${s.k === 'top1' ? 'top-1' : 'top-5'}`;

export function robustnessChart(panel: ChartPanelDto): ChartConfiguration {
  const methods = [...new Set(panel.series.map((s) => s.method))];
  const yMax = panel.yMax !== undefined ? 100 * panel.yMax : 100;
  const xs = panel.series.flatMap((s) => s.points.map((p) => p.x));
  return {
    type: 'line',
    data: {
      datasets: panel.series.map((s) => {
        const colour = COLOURS[methods.indexOf(s.method) % COLOURS.length];
        return {
          label: seriesLabel(s),
          data: s.points.map((p) => ({ x: p.x, y: percent(p.rate.value) })),
          borderColor: colour,
          backgroundColor: colour,
          ...((s.dashed ?? s.k === 'top5') ? { borderDash: [6, 4] } : {}),
        };
      }),
    },
    options: {
      plugins: { title: { display: true, text: panel.title } },
      scales: {
        x: { type: 'linear', min: Math.min(0, panel.paperRange.min, ...xs), max: Math.max(panel.paperRange.max, ...xs), title: { display: true, text: panel.param } },
        y: { min: 0, max: yMax, title: { display: true, text: `${panel.yLabel ?? 'rate'} (%)` } },
      },
    },
  };
}

/** "fast digital: eps 0 91.0 %, eps 8 38.0 %; …" */
export function robustnessChartText(panel: ChartPanelDto): string {
  const lines = panel.series.map((s) => {
    const points = s.points.map((p) => `${panel.param} ${p.x} ${p.rate.value === null ? '—' : `${(100 * p.rate.value).toFixed(1)} %`}`);
    return `${seriesLabel(s)}: ${points.join(', ')}`;
  });
  return `${panel.title}. ${lines.join('; ')}.`;
}

/** The masking warnings about the panel's model (panels are 'robustness-<model name>'), shown beside its chart. */
export function panelWarnings(panel: ChartPanelDto, masking: readonly MaskingWarningDto[] | null): MaskingWarningDto[] {
  const model = panel.transform.replace(/^robustness-/, '');
  return (masking ?? []).filter((w) => w.model === model);
}

/** One line above the charts: how many masking warnings, none, or that the checks never ran. */
export function maskingSummary(masking: readonly MaskingWarningDto[] | null): string {
  if (masking === null) return 'Masking checks did not run for this comparison (saved before they existed): run it again to check for gradient masking.';
  if (!masking.length) return 'Masking checks (Carlini et al. 2019; Croce & Hein 2020): none fired.';
  const models = new Set(masking.map((w) => w.model)).size;
  return `Masking checks (Carlini et al. 2019; Croce & Hein 2020): ${masking.length} warning(s) on ${models} model(s). Their accuracy under attack may overstate robustness.`;
}
