/**
 * Runs compared across eps (issue 17, "run comparison"): attack success among the originally
 * correct images, and adversarial top-1 accuracy, against eps, a line per method, every run of the
 * experiment on one chart. Built from the report's digital table, so the chart shows exactly the
 * numbers of that table (with their counts and 95 % intervals), drawn like the Fig. 6 panels.
 */
import { methodName } from './tables';
import type { Cell, Fig6Panel, ReportTable } from './types';

type Row = ReportTable['rows'][number];

/**
 * Lines of one panel: a line per method, points sorted by eps. Two runs of one method at the same
 * eps (other parameters) go to separate lines, in the table's order, rather than being averaged.
 */
function series(rows: readonly Row[], key: string): Fig6Panel['series'] {
  const byMethod = new Map<string, Row[][]>();
  for (const r of rows) {
    if (!r.method || r.eps === undefined || !r.cells[key]) continue;
    const lines = byMethod.get(r.method) ?? [];
    const free = lines.find((l) => !l.some((x) => x.eps === r.eps));
    if (free) free.push(r);
    else lines.push([r]);
    byMethod.set(r.method, lines);
  }
  return [...byMethod].flatMap(([method, lines]) =>
    lines.map((line, i) => ({
      run: line.map((r) => r.run ?? r.key).join(','),
      method,
      eps: 0,
      k: 'top1' as const,
      label: lines.length > 1 ? `${methodName(method)} (${i + 1})` : methodName(method),
      points: [...line].sort((a, b) => a.eps! - b.eps!).map((r) => ({ x: r.eps!, rate: r.cells[key] as Cell })),
    })),
  );
}

/** The two panels (success, accuracy) from the report's digital table; none when no run has an eps. */
export function comparisonPanels(digital: ReportTable): Fig6Panel[] {
  const rows = digital.rows.filter((r) => r.eps !== undefined && r.eps < 255);
  if (!rows.length) return [];
  const maxEps = Math.max(16, ...rows.map((r) => r.eps!));
  const panel = (transform: string, title: string, key: string, yLabel: string): Fig6Panel => ({
    transform,
    title,
    param: 'eps',
    yLabel,
    yMax: 1,
    paperRange: { min: 0, max: maxEps },
    series: series(rows, key),
  });
  return [
    panel('runs-success', 'Attack success against eps (originally correct images)', 'success', 'attack success'),
    panel('runs-accuracy', 'Adversarial accuracy against eps (top-1, all images)', 'adv1', 'adversarial accuracy'),
  ].filter((p) => p.series.length > 0);
}
