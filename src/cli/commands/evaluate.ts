/**
 * `printshot evaluate --model DIR|default --clean DIR --adversarial DIR [--transform SPEC]...
 *  [--select average|prefiltered] [--n N] [--json]`
 */
import { Option, type Command } from 'commander';
import { runEvaluateJob } from '../../services/evaluate-job';
import { createProgress } from '../output';
import { accuracyLine, destructionTable } from '../tables';
import { collect, positiveInt } from './options';

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('accuracy and destruction rate (top-1/top-5, with confidence intervals) under transforms')
    .option('--model <dir>', "TF.js model folder, or 'default'", 'default')
    .requiredOption('--clean <dir>', 'clean images (e.g. EXPERIMENT/clean)')
    .requiredOption('--adversarial <dir>', 'adversarial images at the same paths (e.g. EXPERIMENT/adversarial/fgsm-eps16)')
    .option('--transform <spec>', "transform or sweep, repeatable (e.g. 'jpeg:sweep', 'gaussian-blur:sigma=1')", collect, [])
    .addOption(new Option('--select <mode>', 'image selection').choices(['average', 'prefiltered']).default('average'))
    .option('--n <count>', 'images to keep after selection (paper: 102)', positiveInt)
    .option('--seed <s>', 'random seed (selection, noise)', '0')
    .option('--json', 'print JSON')
    .action(async (opts: { model: string; clean: string; adversarial: string; transform: string[]; select: 'average' | 'prefiltered'; n?: number; seed: string; json?: boolean }) => {
      const progress = createProgress('evaluate');
      const report = await runEvaluateJob({
        model: opts.model,
        clean: opts.clean,
        adversarial: opts.adversarial,
        transforms: opts.transform,
        select: opts.select,
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
