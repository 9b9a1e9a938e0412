/**
 * The demo's report: the same PDF/HTML/CSV/JSON report `printshot report` writes, built on the
 * demo experiment with the model the demo already has loaded (so nothing loads twice), into
 * <out>/reports/demo.{pdf,html,csv,json}. The Fig. 6 panels are the eps-16 runs' sweeps and
 * Tables 1–3 include the simulated photos when the photo stage ran.
 */
import { join } from 'node:path';
import type { LoadedClassifier } from '../model';
import { buildReportData, writeReport } from '../reports';

export const DEMO_REPORT_FORMATS = ['pdf', 'html', 'csv', 'json'] as const;

export async function writeDemoReport(
  out: string,
  model: LoadedClassifier,
  opts: { seed?: number | string; onProgress?: (stage: string) => void } = {},
): Promise<string[]> {
  const data = await buildReportData({
    dir: out,
    model,
    options: { seed: opts.seed ?? 0, title: 'Printshot demo: the bundled model and samples', onProgress: opts.onProgress },
  });
  const files = DEMO_REPORT_FORMATS.map((ext) => join(out, 'reports', `demo.${ext}`));
  for (const f of files) {
    opts.onProgress?.(`writing ${f}`);
    await writeReport(data, f);
  }
  return files;
}
