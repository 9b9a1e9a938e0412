/**
 * The parts of a report's JSON (ReportData, src/reports/types.ts) the Evaluate view reads:
 * the paper's Tables 1–3 for photos, the capture log and the Fig. 6 panels. Declared here
 * rather than imported, so the renderer's type check does not pull in the Node-side report code.
 */
import { interval } from './format';

export interface ReportCell {
  value: number | null;
  format: 'pct' | 'num' | 'db';
  numerator?: number;
  denominator?: number;
  ci?: { low: number; high: number } | null;
}

export interface ReportTableData {
  id: string;
  number: string;
  title: string;
  channel?: string;
  columns: { key: string; label: string; group?: string }[];
  rows: { key: string; label: string; run?: string; method?: string; eps?: number; cells: Record<string, ReportCell | null> }[];
  note?: string;
}

export interface ReportCaptures {
  present: boolean;
  accepted: number;
  rejected: number;
  duplicates: number;
  discardRate: ReportCell;
  reasons: { reason: string; count: number }[];
}

export interface ReportJson {
  schemaVersion: number;
  generatedAt: string;
  tables: ReportTableData[];
  captures: ReportCaptures;
  notes: string[];
}

export function parseReport(text: string): ReportJson {
  const data = JSON.parse(text) as Partial<ReportJson>;
  if (!data || !Array.isArray(data.tables) || !data.captures) throw new Error('not a Printshot report (tables or captures missing)');
  return { schemaVersion: data.schemaVersion ?? 1, generatedAt: data.generatedAt ?? '', tables: data.tables, captures: data.captures, notes: data.notes ?? [] };
}

export function cellText(c: ReportCell | null | undefined): string {
  if (!c || c.value === null) return '—';
  // A rate is never shown without its counts and, where the report computed it, its 95 % interval.
  if (c.format === 'pct') return `${(100 * c.value).toFixed(1)} %${c.denominator !== undefined ? ` (${c.numerator}/${c.denominator})` : ''}${c.ci ? ` ${interval(c.ci)}` : ''}`;
  if (c.format === 'db') return `${c.value.toFixed(1)} dB`;
  return c.value.toFixed(2);
}
