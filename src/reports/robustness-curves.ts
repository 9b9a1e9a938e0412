/**
 * The robustness suite in the report (issue 18): robust accuracy per (model, eps) under the
 * per-image worst case of an attack ensemble, which attack broke how many images, time and
 * queries; and the minimal-perturbation distribution of the minimum-norm attacks in the shape of
 * Szegedy et al.'s Table 1 "minimal distortion" column. The curves themselves are the suite's
 * lines in robustnessPanels (robustness-table.ts).
 *
 * Structural input (the service's SuiteResult satisfies it), as in robustness-table.ts.
 */
import { ratioCell } from './stats';
import type { Cell, ReportTable } from './types';

interface Count {
  count: number;
  total: number;
}

export interface SuitePointData {
  eps: number;
  clean: Count;
  robust: Count;
  fgsm: Count;
  brokenBy: Record<string, number>;
  attacks: { method: string; attacked: number; broken: number; seconds: number; queries: number | null }[];
}

export interface MinimalData {
  method: string;
  images: number;
  found: number;
  l2: { q1: number; median: number; q3: number } | null;
  linf: { q1: number; median: number; q3: number } | null;
  distortion: number | null;
  cdf: { x: number; share: number }[];
}

export interface SuiteModelData {
  name: string;
  suite?: { name: string; attacks: string[]; points: SuitePointData[]; randomness?: string };
  minimal?: MinimalData[];
}

const num = (value: number | null | undefined): Cell => ({ value: value ?? null, format: 'num' });
const count = (c: Count): Cell => ratioCell(c.count, c.total);

export function suiteTables(models: readonly SuiteModelData[]): ReportTable[] {
  const withSuite = models.filter((m) => m.suite?.points.length);
  const tables: ReportTable[] = [];
  if (withSuite.length) {
    const attacks = [...new Set(withSuite.flatMap((m) => m.suite!.attacks))];
    const names = [...new Set(withSuite.map((m) => m.suite!.name))].join(', ');
    tables.push({
      id: 'robustness-suite',
      number: '',
      title: `Robustness suite (${names}): robust accuracy under the per-image worst case (%)`,
      columns: [
        { key: 'clean', label: 'clean', group: 'Accuracy' },
        { key: 'fgsm', label: 'FGSM', group: 'Accuracy' },
        { key: 'robust', label: 'robust', group: 'Accuracy' },
        ...attacks.map((a) => ({ key: `by:${a}`, label: a, group: 'Broken by' })),
        { key: 'seconds', label: 'seconds', group: 'Cost' },
        { key: 'queries', label: 'square queries', group: 'Cost' },
      ],
      rows: withSuite.flatMap((m) =>
        m.suite!.points.map((p) => {
          const cells: Record<string, Cell | null> = { clean: count(p.clean), fgsm: count(p.fgsm), robust: count(p.robust) };
          for (const a of attacks) cells[`by:${a}`] = num(p.brokenBy[a] ?? 0);
          cells.seconds = num(p.attacks.reduce((s, a) => s + a.seconds, 0));
          const q = p.attacks.find((a) => a.queries !== null);
          cells.queries = q ? num(q.queries) : null;
          return { key: `${m.name}/suite/${p.eps}`, label: `${m.name} · eps=${p.eps}`, eps: p.eps, cells };
        }),
      ),
      note: [
        `Attacks run in order (${attacks.join(', ')}), each only on the images still robust; an image is robust only if every attack fails, and a clean-misclassified image is never attacked and never robust.`,
        'Broken: top-1 ≠ label after 8-bit rounding. Robust accuracy over all images, 95 % Wilson interval. FGSM at the same eps on all images, for reference.',
        ...withSuite.flatMap((m) => (m.suite!.randomness && m.suite!.name === 'rand' ? [`${m.name}: ${m.suite!.randomness}.`] : [])),
      ].join(' '),
    });
  }
  const minimal = models.flatMap((m) => (m.minimal ?? []).map((s) => ({ m, s })));
  if (minimal.length) {
    tables.push({
      id: 'robustness-minimal',
      number: '',
      title: 'Minimal perturbation per image: minimum-norm attacks on the correctly classified images',
      columns: [
        { key: 'found', label: 'found', group: 'Images' },
        { key: 'l2q1', label: 'Q1', group: 'L2 (0..255)' },
        { key: 'l2med', label: 'median', group: 'L2 (0..255)' },
        { key: 'l2q3', label: 'Q3', group: 'L2 (0..255)' },
        { key: 'linfmed', label: 'L∞ median', group: 'L∞ (0..255)' },
        { key: 'distortion', label: 'minimal distortion', group: 'Szegedy Table 1' },
      ],
      rows: minimal.map(({ m, s }) => ({
        key: `${m.name}/minimal/${s.method}`,
        label: `${m.name} · ${s.method}`,
        method: s.method,
        cells: { found: ratioCell(s.found, s.images), l2q1: num(s.l2?.q1), l2med: num(s.l2?.median), l2q3: num(s.l2?.q3), linfmed: num(s.linf?.median), distortion: num(s.distortion) },
      })),
      note: 'Quartiles over the images where a misclassified point was found. Minimal distortion as Szegedy et al.: sqrt(Σ(x′−x)²/n) on the [0,1] scale, mean over found images. CDF points (share of the attacked images broken within an L2) are in the JSON.',
    });
  }
  return tables;
}
