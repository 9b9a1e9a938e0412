/**
 * The CSV report: one row per table cell (long format), so every number of every table, and of
 * the Fig. 6 series, loads straight into a data frame. Rates are fractions in [0,1] with the
 * numerator and denominator they came from; RFC 4180 quoting.
 */
import { runDisplayName } from '../attacks/names';
import type { Cell, ReportData } from './types';

export const CSV_COLUMNS = [
  'table',
  'number',
  'title',
  'channel',
  'row',
  'row_label',
  'run',
  'method',
  'eps',
  'column',
  'column_group',
  'column_label',
  'format',
  'value',
  'numerator',
  'denominator',
  'ci_low',
  'ci_high',
] as const;

type CsvRow = Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined>;

export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cellFields(c: Cell): Pick<CsvRow, 'format' | 'value' | 'numerator' | 'denominator' | 'ci_low' | 'ci_high'> {
  return { format: c.format, value: c.value, numerator: c.numerator, denominator: c.denominator, ci_low: c.ci?.low, ci_high: c.ci?.high };
}

export function csvRows(data: ReportData): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const t of data.tables) {
    for (const r of t.rows) {
      for (const c of t.columns) {
        const cell = r.cells[c.key];
        if (!cell) continue;
        rows.push({
          table: t.id,
          number: t.number,
          title: t.title,
          channel: t.channel,
          row: r.key,
          row_label: r.label,
          run: r.run,
          method: r.method,
          eps: r.eps,
          column: c.key,
          column_group: c.group,
          column_label: c.label,
          ...cellFields(cell),
        });
      }
    }
  }
  for (const p of data.fig6.panels) {
    for (const s of p.series) {
      for (const pt of s.points) {
        rows.push({
          table: `fig6-${p.transform}`,
          number: 'Fig. 6',
          title: `Destruction rate vs ${p.param} — ${p.title}`,
          channel: p.transform,
          row: `${s.run}:${s.k}`,
          row_label: `${runDisplayName(s.method, s.eps)} ${s.k === 'top1' ? 'top-1' : 'top-5'}`,
          run: s.run,
          method: s.method,
          eps: s.eps,
          column: `${p.param}=${pt.x}`,
          column_group: p.param,
          column_label: String(pt.x),
          ...cellFields(pt.rate),
        });
      }
    }
  }
  return rows;
}

export function renderCsv(data: ReportData): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of csvRows(data)) lines.push(CSV_COLUMNS.map((k) => csvField(r[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
