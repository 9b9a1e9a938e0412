/**
 * One-command reproductions of Kurakin et al. (arXiv 1607.02533) on any model and image set:
 *
 * - kurakin-table: fast / basic iterative / l.l. class × eps {2, 4, 8, 16} (§3.2, Tables 1–3).
 *   Attacks every image, writes the sheets to print (one PDF per run, all images, so both the
 *   average and the prefiltered case can be drawn from the photos), and a report whose Tables
 *   1–3 hold digital and synthetic-transform numbers now and photo numbers once photos are
 *   registered (`printshot register`, then run this again: finished attacks and sheets are kept).
 * - kurakin-fig6: the three methods at eps 16, then the five transform sweeps of §4 / Fig. 6;
 *   writes a report with the Fig. 6 panels.
 *
 * Rerunning into the same folder resumes: a complete run with the same method, eps and seed is
 * reused, existing sheets are not redrawn (photos may already have been taken of them), and the
 * report evaluation is cached in results/.
 */
import { access } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { buildReportData, writeReport, type ReportData } from '../reports';
import { log } from '../shared';
import { atomicWriteJson } from '../workspace';
import { attackIntoExperiment } from './attack-job';
import { findCompleteRun } from './run-reuse';
import { runSheetJob } from './sheet-job';
import { runDisplayName } from '../attacks/names';
import { openImages, openModel } from './sources';

export const TEMPLATES = ['kurakin-table', 'kurakin-fig6'] as const;
export type Template = (typeof TEMPLATES)[number];

export const TEMPLATE_PLAN: Record<Template, { methods: string[]; eps: number[] }> = {
  'kurakin-table': { methods: ['fgsm', 'bim', 'illc'], eps: [2, 4, 8, 16] },
  'kurakin-fig6': { methods: ['fgsm', 'bim', 'illc'], eps: [16] },
};

export interface ReproduceOptions {
  template: Template;
  out: string;
  model?: string;
  images?: string;
  /** Images per case at evaluation (the paper: 102); all by default. */
  n?: number;
  seed?: number;
  /** Attack only the first `limit` images (quick checks and tests). */
  limit?: number;
  /** Skip writing sheets (kurakin-table), e.g. in tests. */
  sheets?: boolean;
  /** Report files to write, relative to `out` unless absolute (default reports/<template>.{pdf,html,csv,json}). */
  reports?: string[];
  /** The command line as typed, kept in results/reproduce.json for the report. */
  command?: string[];
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface ReproduceRun {
  method: string;
  eps: number;
  dir: string;
  /** True when an earlier complete run was reused. */
  reused: boolean;
}

export interface ReproduceResult {
  template: Template;
  out: string;
  runs: ReproduceRun[];
  sheets: { pdf: string; sheets: number; reused: boolean }[];
  reports: string[];
  data: ReportData;
  seconds: number;
}

const exists = (p: string) => access(p).then(() => true, () => false);

export async function runReproduce(opts: ReproduceOptions): Promise<ReproduceResult> {
  const started = Date.now();
  const plan = TEMPLATE_PLAN[opts.template];
  const seed = opts.seed ?? 0;
  const model = await openModel(opts.model ?? 'default');
  try {
    const data = await openImages(opts.images ?? 'samples', model);
    const items = opts.limit ? data.items.slice(0, opts.limit) : data.items;
    const total = plan.methods.length * plan.eps.length;
    const runs: ReproduceRun[] = [];
    for (const method of plan.methods) {
      for (const eps of plan.eps) {
        opts.onProgress?.(`attack ${runDisplayName(method, eps)}`, runs.length, total);
        const reuse = await findCompleteRun(opts.out, method, { eps }, seed, items.length);
        if (reuse) {
          runs.push({ method, eps, dir: reuse.run.dir, reused: true });
          continue;
        }
        const job = await attackIntoExperiment(model, items, data.root, { method, params: { eps }, seed, out: opts.out });
        runs.push({ method, eps, dir: job.run.dir, reused: false });
      }
    }
    await atomicWriteJson(join(opts.out, 'results', 'reproduce.json'), {
      template: opts.template,
      command: opts.command ?? ['printshot', 'reproduce', opts.template, '--model', opts.model ?? 'default', '--images', opts.images ?? 'samples', ...(opts.n ? ['--n', String(opts.n)] : []), '--out', opts.out],
      seed,
      images: items.length,
      at: new Date().toISOString(),
    });
    const sheets: ReproduceResult['sheets'] = [];
    if (opts.template === 'kurakin-table' && (opts.sheets ?? true)) {
      for (const r of runs) {
        opts.onProgress?.(`sheets ${r.dir}`, total, total);
        const pdf = join(opts.out, 'sheets', `${basename(r.dir)}.pdf`);
        // Sheets already printed (and maybe photographed) must not change under the photos.
        if (await exists(pdf)) sheets.push({ pdf, sheets: 0, reused: true });
        else sheets.push({ pdf, sheets: (await runSheetJob({ experiment: opts.out, run: r.dir, out: pdf })).sheets, reused: false });
      }
    }
    opts.onProgress?.('report', total, total);
    const files = (opts.reports ?? ['pdf', 'html', 'csv', 'json'].map((ext) => `reports/${opts.template}.${ext}`)).map((f) => (isAbsolute(f) ? f : join(opts.out, f)));
    const sweeps = opts.template === 'kurakin-fig6' ? undefined : [];
    const report = await buildReportData({
      dir: opts.out,
      model,
      options: {
        n: opts.n ?? null,
        seed,
        // kurakin-table is about photos: its synthetic columns use one setting per transform;
        // the sweeps are kurakin-fig6's job (and would double the table template's time).
        sweeps,
        title: `Printshot reproduction of Kurakin et al. (${opts.template})`,
        reportArgs: [...files.flatMap((f) => ['--out', f]), ...(opts.n ? ['--n', String(opts.n)] : []), ...(seed ? ['--seed', String(seed)] : []), ...(sweeps ? ['--no-sweeps'] : [])],
        onProgress: (s) => log.debug(s),
      },
    });
    for (const f of files) await writeReport(report, f);
    return { template: opts.template, out: opts.out, runs, sheets, reports: files, data: report, seconds: (Date.now() - started) / 1000 };
  } finally {
    model.dispose();
  }
}
