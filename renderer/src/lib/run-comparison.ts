/**
 * The run comparison as the report computed it (issue 17): every run's attack success and
 * adversarial accuracy against eps (the report's comparison.panels, src/reports/run-comparison.ts)
 * and the Fig. 6 sweeps overlaying the methods at one eps (fig6.panels, src/reports/figures.ts),
 * read from a JSON report of the experiment. Only the panels are read; they are checked against
 * the contract's chart schema, the same one the robustness charts use.
 */
import { ChartPanelDto } from '../../../src/contract';

const Panels = ChartPanelDto.array();

export interface RunComparisonData {
  /** The report file it came from, relative to the experiment. */
  file: string;
  generatedAt: string;
  /** Success and accuracy against eps; empty in reports written before the comparison existed. */
  eps: ChartPanelDto[];
  fig6Eps: number | null;
  fig6: ChartPanelDto[];
}

export function parseRunComparison(file: string, text: string): RunComparisonData {
  const r = JSON.parse(text) as { generatedAt?: unknown; fig6?: { eps?: unknown; panels?: unknown }; comparison?: { panels?: unknown } };
  const fig6 = Panels.safeParse(r.fig6?.panels);
  const eps = Panels.safeParse(r.comparison?.panels ?? []);
  if (!fig6.success || !eps.success) throw new Error(`${file} is not a Printshot JSON report (no chart panels)`);
  return { file, generatedAt: typeof r.generatedAt === 'string' ? r.generatedAt : '', eps: eps.data, fig6Eps: typeof r.fig6?.eps === 'number' ? r.fig6.eps : null, fig6: fig6.data };
}

/** The newest JSON report of the experiment (reports/report-<ISO time>.json sort by time), or null. */
export function latestJsonReport(files: readonly string[]): string | null {
  return files.filter((f) => /^reports\/[^/]+\.json$/.test(f)).sort().at(-1) ?? null;
}
