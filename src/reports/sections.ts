/**
 * The report's sections, in order, shared by the HTML and PDF writers (and the tests that check
 * a report contains all of them). Text helpers used by both writers live here too.
 */
import { executionLine } from './environment';
import type { ReportData, ReportTable, RunInfo } from './types';

export const SECTIONS = [
  { id: 'model', title: 'Model card' },
  { id: 'images', title: 'Image set' },
  { id: 'attacks', title: 'Attack parameters' },
  { id: 'digital', title: 'Digital accuracy' },
  { id: 'tables', title: 'Tables 1–3: photos and synthetic transforms' },
  { id: 'fig6', title: 'Destruction rate vs transform parameter (Fig. 6)' },
  { id: 'examples', title: 'Examples: clean / adversarial / photo' },
  { id: 'patches', title: 'Patches' },
  { id: 'perturbation', title: 'Perturbation statistics' },
  { id: 'transfer', title: 'Transfer to other models' },
  { id: 'robustness', title: 'Robustness of defended models' },
  { id: 'captures', title: 'Capture log' },
  { id: 'reproduce', title: 'Reproducibility' },
  { id: 'notes', title: 'Notes' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

export function tablesOf(data: ReportData, section: SectionId): ReportTable[] {
  if (section === 'digital') return data.tables.filter((t) => t.id === 'digital');
  if (section === 'perturbation') return data.tables.filter((t) => t.id === 'perturbation');
  if (section === 'transfer') return data.tables.filter((t) => t.id.startsWith('transfer'));
  if (section === 'robustness') return data.tables.filter((t) => t.id.startsWith('robustness'));
  if (section === 'patches') return data.tables.filter((t) => t.id.startsWith('patch-'));
  if (section === 'tables') return data.tables.filter((t) => /^table[123]-/.test(t.id) || t.id === 'channel-compare');
  return [];
}

/** 'Table 1. Accuracy…' for the paper's tables, the bare title for the others. */
export function tableHeading(t: ReportTable): string {
  return t.number.startsWith('Table') ? `${t.number}. ${t.title}` : t.title;
}

export function paramsText(run: RunInfo): string {
  return Object.entries(run.params)
    .filter(([k]) => k !== 'eps')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** Key/value lines of the model card section. */
export function modelLines(data: ReportData): [string, string][] {
  const m = data.model;
  const prov = m.provenance ?? {};
  const lines: [string, string][] = [
    ['Name', m.name],
    ['Description', m.description ?? '—'],
    ['Input', `${m.input}, pixel range ${m.range ?? '—'}`],
    ['Classes', `${m.labels.length}: ${m.labels.join(', ')}`],
    ['Fingerprint (sha256)', m.fingerprint],
    ['Source', m.source],
  ];
  for (const k of ['dataset', 'testAccuracy', 'framework', 'trainingScript', 'date']) {
    if (prov[k] !== undefined) lines.push([`Provenance: ${k}`, String(prov[k])]);
  }
  return lines;
}

export function imageSetLines(data: ReportData): [string, string][] {
  return [
    ['Source', data.imageSet.source],
    ['Images', String(data.imageSet.count)],
    ['Per class', data.imageSet.classes.map((c) => `${c.name} ${c.count}`).join(', ')],
    [
      'Selection',
      `average case: ${data.selection.n === null ? 'all images' : `${data.selection.n} at random`}; prefiltered: confidence ≥ ${data.selection.minConfidence} on ${data.selection.confidenceOn}; seed ${String(data.selection.seed)}`,
    ],
  ];
}

export function environmentLines(data: ReportData): [string, string][] {
  const e = data.environment;
  return [
    ['Printshot', e.printshot],
    ['Node', e.node],
    ['Platform', e.platform],
    ['CPU', e.cpus],
    ['Backend (report)', e.backend],
    ['Backends (attacks)', [...new Set(data.runs.map((r) => r.backend))].join(', ') || '—'],
    ['Model execution (attacks)', executionLine(data.runs)],
    ['Packages', Object.entries(e.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['Seeds', data.reproduce.seeds.map(String).join(', ')],
    ['Generated', data.generatedAt],
  ];
}

/** Column-group header spans: consecutive columns with the same group merge. */
export function groupSpans(t: ReportTable): { label: string; span: number }[] {
  const spans: { label: string; span: number }[] = [];
  for (const c of t.columns) {
    const g = c.group ?? '';
    const last = spans[spans.length - 1];
    if (last && last.label === g) last.span++;
    else spans.push({ label: g, span: 1 });
  }
  return spans;
}
