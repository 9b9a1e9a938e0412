/**
 * `printshot report --experiment DIR --out FILE.pdf|.html|.csv|.json [--out FILE]...
 *  [--transfer-model DIR]... [--n N] [--seed S] [--transform SPEC]... [--sweep SPEC]... [--no-sweeps]
 *  [--fig6-eps N] [--confidence-on both|clean|adversarial] [--examples N] [--model DIR] [--json]`
 */
import { Option, type Command } from 'commander';
import type { ReportTable } from '../../reports';
import { cellText } from '../../reports/stats';
import { createProgress, formatTable } from '../output';
import { collect, nonNegativeNumber, positiveInt } from './options';

interface ReportCliOptions {
  experiment: string;
  out: string[];
  transferModel: string[];
  model?: string;
  n?: number;
  seed: string;
  transform: string[];
  sweep: string[];
  sweeps: boolean;
  fig6Eps?: number;
  confidenceOn: 'both' | 'clean' | 'adversarial';
  examples: number;
  json?: boolean;
}

/** A ReportTable as aligned text: values only (counts and intervals are in the files). */
export function reportTableText(t: ReportTable): string {
  const head = ['', ...t.columns.map((c) => (c.group ? `${c.group} ${c.label}` : c.label))];
  return `${t.number}. ${t.title}\n${formatTable(head, t.rows.map((r) => [r.label, ...t.columns.map((c) => cellText(r.cells[c.key]))]))}`;
}

async function expand(specs: string[]): Promise<string[]> {
  const { parseTransformSpec, formatTransformSpec } = await import('../../transforms');
  return specs.flatMap((s) => parseTransformSpec(s).map(formatTransformSpec));
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("experiment report: model card, attack parameters, the paper's Tables 1–3, Fig. 6 plots, examples, capture log (PDF/HTML/CSV/JSON)")
    .requiredOption('--experiment <dir>', 'experiment folder')
    .requiredOption('--out <file>', 'output file, format from the extension (.pdf .html .csv .json); repeatable', collect)
    .option('--transfer-model <dir>', 'also evaluate the adversarial images and photos on this model (repeatable)', collect, [])
    .option('--model <dir>', "the experiment's model, if it moved (must be the same weights)")
    .option('--n <count>', 'images per case after selection (paper: 102; default all)', positiveInt)
    .option('--seed <s>', 'seed for the random selection and noise', '0')
    .option('--transform <spec>', "synthetic channel for Tables 1–3, repeatable (default: each transform's default setting)", collect, [])
    .option('--sweep <spec>', "Fig. 6 sweep, repeatable (default: every transform's paper grid), e.g. 'jpeg:sweep'", collect, [])
    .option('--no-sweeps', 'leave the Fig. 6 sweeps out')
    .option('--fig6-eps <n>', 'eps of the Fig. 6 panels (default 16 when present)', nonNegativeNumber)
    .addOption(new Option('--confidence-on <which>', 'prefiltered case: image(s) the 0.8 confidence filter applies to').choices(['both', 'clean', 'adversarial']).default('both'))
    .option('--examples <n>', 'example images per run', positiveInt, 3)
    .option('--json', 'print a JSON summary')
    .action(async (opts: ReportCliOptions) => {
      const progress = createProgress('report');
      let step = 0;
      const seed = /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
      const { runReportJob } = await import('../../services/report-job');
      const result = await runReportJob({
        experiment: opts.experiment,
        out: opts.out,
        model: opts.model,
        transferModels: opts.transferModel,
        n: opts.n ?? null,
        seed,
        confidenceOn: opts.confidenceOn,
        tableTransforms: opts.transform.length ? await expand(opts.transform) : undefined,
        sweeps: !opts.sweeps ? [] : opts.sweep.length ? await expand(opts.sweep) : undefined,
        fig6Eps: opts.fig6Eps,
        examplesPerRun: opts.examples,
        reportArgs: reportArgs(opts),
        onProgress: (stage) => progress.update(++step, step + 1, stage),
      }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ files: result.files, seconds: result.seconds, runs: result.data.runs.length, tables: result.data.tables.map((t) => t.id), notes: result.data.notes }, null, 2)}\n`);
        return;
      }
      const d = result.data;
      const lines = [
        `Report on ${d.experiment.name}: model ${d.model.name}, ${d.runs.length} run(s), ${d.captures.present ? `${d.captures.accepted} accepted photo(s)` : 'no photos yet'}, ${result.seconds.toFixed(1)} s`,
        '',
        ...d.tables.filter((t) => t.id === 'digital' || t.id === 'table3-photo' || t.id === 'transfer-matrix').flatMap((t) => [reportTableText(t), '']),
        ...d.notes.map((n) => `note: ${n}`),
        ...result.files.map((f) => `wrote ${f.path} (${f.format})`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** The options as typed, for the report's "command to reproduce" line. */
function reportArgs(o: ReportCliOptions): string[] {
  const a: string[] = [];
  for (const f of o.out) a.push('--out', f);
  for (const m of o.transferModel) a.push('--transfer-model', m);
  if (o.model) a.push('--model', o.model);
  if (o.n !== undefined) a.push('--n', String(o.n));
  if (o.seed !== '0') a.push('--seed', o.seed);
  for (const t of o.transform) a.push('--transform', t);
  for (const s of o.sweep) a.push('--sweep', s);
  if (!o.sweeps) a.push('--no-sweeps');
  if (o.fig6Eps !== undefined) a.push('--fig6-eps', String(o.fig6Eps));
  if (o.confidenceOn !== 'both') a.push('--confidence-on', o.confidenceOn);
  return a;
}
