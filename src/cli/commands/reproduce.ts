/**
 * `printshot reproduce kurakin-table|kurakin-fig6 [--model DIR|default] [--images DIR|samples]
 *  [--n N] [--seed S] [--limit N] [--no-sheets] --out DIR [--json]`, and
 * `printshot reproduce szegedy-spectral [--model DIR] [--images DIR] --out DIR` (Szegedy et al.
 * Table 5: per-layer Lipschitz bounds; services/lipschitz-report.ts).
 */
import { Argument, Option, type Command } from 'commander';
import type { ReportData } from '../../reports';
import { cellText } from '../../reports/stats';
import type { Template } from '../../services/reproduce';
import { createProgress, formatTable } from '../output';
import { positiveInt } from './options';
import { reportTableText } from './report';

// Listed here rather than imported so that `--help` does not load the reproduce service; the
// types keep the list equal to the service's.
const TEMPLATES = ['kurakin-table', 'kurakin-fig6'] as const satisfies readonly Template[];
const _allTemplates: [Exclude<Template, (typeof TEMPLATES)[number]>] extends [never] ? true : never = true;
/** Templates served by their own services rather than runReproduce's attack plan. */
const OTHER_TEMPLATES = ['szegedy-spectral', 'szegedy-cross-training', 'ilyas-features'] as const;

export interface ReproduceCliOptions {
  model: string;
  images: string;
  n?: number;
  seed: number;
  limit?: number;
  sheets: boolean;
  out: string;
  json?: boolean;
  data?: string;
  epochs?: number;
  robustModel?: string;
  detLimit?: number;
  target?: 'det' | 'random' | 'both';
  threads?: number;
  force?: boolean;
}

/** The reports module's method names; passed in, since importing it at start would load tfjs. */
type MethodName = (method: string) => string;

/** Fig. 6 as text: one block per transform, rows = parameter values, columns = method × top-k. */
export function fig6Text(d: ReportData, methodName: MethodName): string {
  return d.fig6.panels
    .map((p) => {
      const xs = p.series[0]?.points.map((pt) => pt.x) ?? [];
      const head = [p.param, ...p.series.map((s) => `${methodName(s.method)} ${s.k === 'top1' ? 'top-1' : 'top-5'}`)];
      const rows = xs.map((x, i) => [String(x), ...p.series.map((s) => `${cellText(s.points[i]?.rate)}%`)]);
      return `${p.title}\n${formatTable(head, rows)}`;
    })
    .join('\n\n');
}

/** Mean destruction per method over all sweep settings: the paper finds fast < basic < l.l. */
export function fig6Means(d: ReportData, methodName: MethodName): string {
  const rows: string[][] = [];
  for (const method of [...new Set(d.fig6.panels.flatMap((p) => p.series.map((s) => s.method)))]) {
    const mean = (k: 'top1' | 'top5') => {
      const v = d.fig6.panels.flatMap((p) => p.series.filter((s) => s.method === method && s.k === k).flatMap((s) => s.points.map((pt) => pt.rate.value))).filter((x): x is number => x !== null);
      return v.length ? `${((v.reduce((a, b) => a + b, 0) / v.length) * 100).toFixed(1)}%` : '—';
    };
    rows.push([methodName(method), mean('top1'), mean('top5')]);
  }
  return `Mean destruction over all transform settings\n${formatTable(['method', 'top-1', 'top-5'], rows)}`;
}

export function registerReproduceCommand(program: Command): void {
  program
    .command('reproduce')
    .description("reproduce Kurakin et al.: 'kurakin-table' (3 methods × eps 2,4,8,16, sheets to print, Tables 1–3) or 'kurakin-fig6' (eps 16, five transform sweeps); Szegedy et al.: 'szegedy-spectral' (Table 5, per-layer Lipschitz bounds), 'szegedy-cross-training' (Tables 3-4, adversarial examples across models trained on disjoint halves); Ilyas et al.: 'ilyas-features' (robust / non-robust datasets, Fig. 2 / Table 1)")
    .addArgument(new Argument('<template>', 'what to reproduce').choices([...TEMPLATES, ...OTHER_TEMPLATES]))
    .option('--model <dir>', "TF.js model folder, or 'default'", 'default')
    .option('--images <dir>', "image folder, or 'samples'", 'samples')
    .option('--n <count>', 'images per case at evaluation (paper: 102; default all)', positiveInt)
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 0)
    .option('--limit <n>', 'attack only the first n images (quick check); szegedy-cross-training: test images per model (default 300); ilyas-features: training images of D_R and of the real D (default 1000)', positiveInt)
    .option('--det-limit <n>', 'ilyas-features: training images of D_det and of D_rand (default 10000)', positiveInt)
    .option('--no-sheets', 'kurakin-table: do not write the sheets to print')
    .option('--data <dir>', 'szegedy-cross-training, ilyas-features: folder with the Fashion-MNIST IDX files (default: the Debian datasets folder, or $PRINTSHOT_DATASETS_DIR, + fashion-mnist)')
    .option('--epochs <n>', 'szegedy-cross-training, ilyas-features: training epochs per model (default 10)', positiveInt)
    .option('--robust-model <dir>', 'ilyas-features: robust model to build D_R from (default: PGD-train one)')
    .addOption(new Option('--target <kind>', "ilyas-features: the non-robust datasets to build: D_det, t = (y+1) mod 10 ('det'), D_rand, t random ('random'), or 'both' (default)").choices(['det', 'random', 'both']))
    .option('--threads <n>', 'ilyas-features: PyTorch CPU threads (default 1)', positiveInt)
    .option('--force', 'ilyas-features: start over when --out holds a run with other settings')
    .requiredOption('--out <dir>', 'experiment folder (created, or resumed)')
    .option('--json', 'print JSON')
    .action(async (template: Template | (typeof OTHER_TEMPLATES)[number], opts: ReproduceCliOptions) => {
      const progress = createProgress(template);
      if (template === 'szegedy-cross-training') {
        const { crossTrainingCommand } = await import('./reproduce-cross-training');
        return crossTrainingCommand(opts, progress);
      }
      if (template === 'ilyas-features') {
        const { ilyasCommand } = await import('./reproduce-ilyas');
        return ilyasCommand(opts, progress);
      }
      if (template === 'szegedy-spectral') {
        const { runSpectralReproduce } = await import('../../services/lipschitz-report');
        const command = ['printshot', 'reproduce', template, '--model', opts.model, '--images', opts.images, '--out', opts.out];
        const r = await runSpectralReproduce({ out: opts.out, model: opts.model, images: opts.images, command, onProgress: (s, d, t) => progress.update(d, t, s) }).finally(() => progress.stop());
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ template, out: r.out, seconds: r.seconds, reports: r.reports, report: r.report }, null, 2)}\n`);
          return;
        }
        const { lipschitzTable } = await import('../../services/lipschitz');
        const t = lipschitzTable(r.report);
        process.stdout.write(`printshot reproduce ${template}: model ${r.report.model.name}, ${r.seconds.toFixed(0)} s\n${formatTable(t.head, t.rows)}\n${t.footer.join('\n')}\n\n${r.reports.map((f) => `wrote ${f}`).join('\n')}\n`);
        return;
      }
      const command = ['printshot', 'reproduce', template, '--model', opts.model, '--images', opts.images, ...(opts.n ? ['--n', String(opts.n)] : []), ...(opts.seed ? ['--seed', String(opts.seed)] : []), ...(opts.limit ? ['--limit', String(opts.limit)] : []), '--out', opts.out];
      const [{ runReproduce }, { methodName }] = await Promise.all([import('../../services/reproduce'), import('../../reports/tables')]);
      const r = await runReproduce({
        template,
        out: opts.out,
        model: opts.model,
        images: opts.images,
        n: opts.n,
        seed: opts.seed,
        limit: opts.limit,
        sheets: opts.sheets,
        command,
        onProgress: (stage, d, t) => progress.update(d, t, stage),
      }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ template, out: r.out, seconds: r.seconds, runs: r.runs, sheets: r.sheets, reports: r.reports, report: r.data }, null, 2)}\n`);
        return;
      }
      const d = r.data;
      const lines = [`printshot reproduce ${template}: model ${d.model.name}, ${d.imageSet.count} images, backend ${d.environment.backend}, ${r.seconds.toFixed(0)} s`, ''];
      lines.push(reportTableText(d.tables.find((t) => t.id === 'digital')!), '');
      if (template === 'kurakin-fig6') {
        lines.push(`Destruction rate under synthetic transforms at eps ${d.fig6.eps ?? '—'} (Kurakin et al. Fig. 6, average case):`, fig6Text(d, methodName), '', fig6Means(d, methodName), '');
      } else {
        const photo = d.tables.filter((t) => t.channel === 'photo');
        if (photo.length) for (const t of photo) lines.push(reportTableText(t), '');
        else lines.push('Photos: none registered yet. Print the sheets, photograph them, then:', `  npx printshot register --experiment ${opts.out} --photos PHOTOS_DIR`, `  npx printshot reproduce ${template} --out ${opts.out}   (reuses the attacks and sheets)`, '');
        if (r.sheets.length) lines.push(`Sheets to print: ${r.sheets.map((s) => s.pdf).join(', ')}`, '');
      }
      lines.push(...r.reports.map((f) => `wrote ${f}`));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
