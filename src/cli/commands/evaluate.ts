/**
 * `printshot evaluate [--model DIR|default] --clean DIR --adversarial DIR [--transform SPEC]... [--fit fill|crop|pad]
 *  [--select average|prefiltered] [--n N] [--json]`
 * `printshot evaluate --experiment DIR --photos [--select average|prefiltered] [--n N] [--json]`:
 *  the paper's Tables 1–3 for the registered photos (src/services/photo-eval.ts).
 */
import { Option, type Command } from 'commander';
import type { FitMode } from '../../images/decode';
import { PrintshotError } from '../../shared';
import type { DestructionRate } from '../../metrics';
import type { ConditionsReport } from '../../reports/conditions-section';
import { createProgress, formatTable, pct } from '../output';
import { accuracyLine, destructionTable } from '../tables';
import { collect, fitOption, positiveInt } from './options';

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('accuracy and destruction rate (top-1/top-5, with confidence intervals) under transforms')
    .option('--model <dir>', "TF.js model folder, or 'default' (default: the model the experiment of --clean/--experiment was made with; outside an experiment, 'default')")
    .option('--clean <dir>', 'clean images (e.g. EXPERIMENT/clean)')
    .option('--adversarial <dir>', 'adversarial images at the same paths (e.g. EXPERIMENT/adversarial/fgsm-eps16)')
    .option('--experiment <dir>', 'experiment folder (with --photos)')
    .option('--photos', "Tables 1–3 for the experiment's registered photos")
    .option('--transform <spec>', "transform or sweep, repeatable (e.g. 'jpeg:sweep', 'gaussian-blur:sigma=1')", collect, [])
    .addOption(new Option('--select <mode>', 'image selection (default average; with --photos: both Tables 1 and 2)').choices(['average', 'prefiltered']))
    .option('--n <count>', 'images to keep after selection (paper: 102)', positiveInt)
    .addOption(fitOption())
    .option('--seed <s>', 'random seed (selection, noise)', '0')
    .option('--json', 'print JSON')
    .option('--shard <i/N>', 'not supported: says why and what to shard instead (docs/scale.md)')
    .action(async (opts: EvaluateOptions & { shard?: string }) => {
      if (opts.shard !== undefined) (await import('../../services/shard')).refuseShard('evaluate');
      if (opts.photos || opts.experiment !== undefined) return evaluatePhotosAction(opts);
      if (opts.clean === undefined || opts.adversarial === undefined) {
        throw new PrintshotError('bad-argument', 'give --clean DIR and --adversarial DIR, or --experiment DIR --photos');
      }
      const progress = createProgress('evaluate');
      const { runEvaluateJob } = await import('../../services/evaluate-job');
      const report = await runEvaluateJob({
        model: opts.model,
        fit: opts.fit,
        clean: opts.clean,
        adversarial: opts.adversarial,
        transforms: opts.transform,
        select: opts.select ?? 'average',
        n: opts.n,
        seed: opts.seed,
        onProgress: (d, t, label) => progress.update(d, t, label),
      }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const s = report.selection;
      const lines = [
        `selection: ${s.mode}, ${s.used} of ${s.eligible} eligible images${s.confidenceOn ? ` (confidence ≥ 0.8 on ${s.confidenceOn})` : ''}`,
        accuracyLine('clean (digital)', report.digital.clean),
        accuracyLine('adversarial (digital)', report.digital.adversarial),
      ];
      if (report.transforms.length) lines.push('', destructionTable(report.transforms));
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

interface EvaluateOptions {
  model?: string;
  clean?: string;
  adversarial?: string;
  experiment?: string;
  photos?: boolean;
  transform: string[];
  select?: 'average' | 'prefiltered';
  n?: number;
  fit?: FitMode;
  seed: string;
  json?: boolean;
}

async function evaluatePhotosAction(opts: EvaluateOptions): Promise<void> {
  if (!opts.photos || opts.experiment === undefined) throw new PrintshotError('bad-argument', '--experiment and --photos go together');
  if (opts.clean !== undefined || opts.adversarial !== undefined || opts.transform.length) {
    throw new PrintshotError('bad-argument', '--photos evaluates an experiment: --clean, --adversarial and --transform do not apply');
  }
  const [{ evaluatePhotos }, { photoTablesText }] = await Promise.all([import('../../services/photo-eval'), import('../demo-tables')]);
  const progress = createProgress('evaluate photos');
  const ev = await evaluatePhotos({
    experiment: opts.experiment,
    select: opts.select,
    n: opts.n,
    seed: /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed,
    model: opts.model,
    onProgress: (stage) => progress.update(0, 1, stage),
  }).finally(() => progress.stop());
  // Runs the tables leave out (unmerged shards, incomplete runs) are said here too, not only in --json.
  const left = ev.notes.filter((n) => /^(Unmerged shard runs|Incomplete runs)/.test(n)).map((n) => `note: ${n}\n`).join('');
  process.stdout.write(opts.json ? `${JSON.stringify(ev, null, 2)}\n` : `${photoTablesText(ev)}\n${ev.conditions ? `\n${conditionsText(ev.conditions)}\n` : ''}${left}`);
}

/** Per-condition rows: registered and unregistered side by side (k/n and 95% Wilson interval). */
function conditionsText(c: ConditionsReport): string {
  const r = (x: DestructionRate) => (x.denominator ? `${pct(x.rate)} ${x.numerator}/${x.denominator} [${pct(x.ci!.low)}, ${pct(x.ci!.high)}]` : '—');
  const rows = c.rows.map((x) => [x.condition || '(none)', x.run.replace(/^adversarial\//, ''), x.photos, r(x.registered.advAccuracy), r(x.registered.destruction), r(x.registered.conditionalSuccess), r(x.unregistered.advAccuracy), r(x.unregistered.conditionalSuccess)]);
  const frames = c.wholeFrame.map((f) => `whole frame, ${f.condition || '(none)'}, ${f.role}: accuracy ${r(f.accuracy)}`);
  return [
    `By capture condition (RP2 success counts only pairs whose clean photo is right; unregistered = cell box + ${Math.round(c.margin * 100)}% margin, no rectification):`,
    formatTable(['condition', 'run', 'photos', 'adv acc', 'destruction (Eq. 1)', 'RP2 success', 'unreg adv acc', 'unreg RP2 success'], rows),
    ...frames,
  ].join('\n');
}
