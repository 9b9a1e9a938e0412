/**
 * `printshot robustness --model A --model B … [--images DIR|samples|IDX] --method M --eps N…
 *  [--transform SPEC…] [--photos] [--no-save] [--limit N [--sample first|stratified|random]] --out DIR`: the same attack grid against several
 * models (plain, hardened, distilled), each attacked white-box. --no-save keeps only the numbers
 * (for a full test set); otherwise each model gets an experiment folder under --out.
 *
 * `--suite standard|rand --eps 4,8,16,25 [--minimal cw-l2,lbfgs]` runs the worst-case attack
 * ensemble instead (src/services/robustness-suite.ts): no experiment folders, results/robustness.json
 * and results/robustness-curves.csv under --out.
 */
import type { Command } from 'commander';
import { createProgress } from '../output';
import { parseSampleMode, type SampleMode } from '../../images/sample';
import { PrintshotError } from '../../shared';
import { collect, nonNegativeNumber, positiveInt } from './options';

interface RobustnessCliOptions {
  model: string[];
  images: string;
  method: string[];
  eps: string[];
  transform?: string[];
  photos?: boolean;
  save: boolean;
  limit?: number;
  sample: SampleMode;
  batch?: number;
  seed: string;
  out: string;
  json?: boolean;
  suite?: 'standard' | 'rand';
  minimal?: string[];
}

/** '--eps 4,8 --eps 16' → [4, 8, 16]. */
function epsList(values: readonly string[] | undefined): number[] {
  return (values ?? ['25']).flatMap((v) => v.split(',')).map((e) => nonNegativeNumber(e.trim()));
}

export function registerRobustnessCommand(program: Command): void {
  program
    .command('robustness')
    .description('attack several models (e.g. plain, adversarially trained, distilled) with the same grid and compare')
    .requiredOption('--model <dir>', "model folder or 'default' (repeat)", collect)
    .option('--images <dir>', "image folder, 'samples', or an IDX set (folder with t10k-*-ubyte.gz)", 'samples')
    .option('--method <name>', 'attack method (repeat; default fgsm)', collect)
    .option('--eps <n>', 'eps on the 0..255 scale, or a list 4,8,16,25 (repeat; default 25)', collect)
    .option('--suite <name>', 'worst case over an attack ensemble instead of the grid: standard (apgd-ce, apgd-t, square) | rand (apgd-ce, apgd-dlr)')
    .option('--minimal <methods>', "with --suite: per-image minimal perturbation of minimum-norm attacks, e.g. 'cw-l2,lbfgs'", (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((x) => x.trim()).filter(Boolean)])
    .option('--transform <spec>', "synthetic transform to judge under, e.g. 'jpeg:quality=75' (repeat)", collect)
    .option('--photos', 'print, photograph (simulated) and register every run (needs saving)')
    .option('--no-save', 'keep only results/robustness.json (no experiment folders)')
    .option('--limit <n>', 'use only n images, chosen by --sample', positiveInt)
    .option('--sample <mode>', 'with --limit: first (dataset order) | stratified (equal per class, seeded by --seed) | random (seeded)', parseSampleMode, 'first')
    .option('--batch <n>', 'attack batch size', positiveInt)
    .option('--seed <s>', 'random seed', '0')
    .requiredOption('--out <dir>', 'output folder')
    .option('--json', 'print JSON')
    .option('--shard <i/N>', 'not supported: says why and what to shard instead (docs/scale.md)')
    .action(async (opts: RobustnessCliOptions & { shard?: string }) => {
      if (opts.shard !== undefined) (await import('../../services/shard')).refuseShard('robustness');
      const eps = epsList(opts.eps);
      if (opts.suite) return runSuite(opts, eps);
      if (opts.minimal) throw new PrintshotError('bad-argument', '--minimal needs a suite', 'add --suite standard');
      const grid = (opts.method ?? ['fgsm']).flatMap((method) => eps.map((e) => ({ method, params: { eps: e }, photo: Boolean(opts.photos) })));
      const progress = createProgress('robustness');
      const [{ compareRobustness }, { parseTransformSpec }, { robustnessText }] = await Promise.all([
        import('../../services/robustness'),
        import('../../transforms'),
        import('../robustness-tables'),
      ]);
      const result = await compareRobustness({
        out: opts.out,
        models: opts.model,
        images: opts.images,
        limit: opts.limit,
        sample: opts.sample,
        grid,
        transforms: (opts.transform ?? []).flatMap((s) => parseTransformSpec(s)),
        save: opts.save,
        seed: Number(opts.seed),
        batchSize: opts.batch,
        onProgress: (s, d, t) => progress.update(d, t, s),
      }).finally(() => progress.stop());
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${robustnessText(result)}\n\nResults JSON: ${result.resultsFile}\n`);
    });
}

async function runSuite(opts: RobustnessCliOptions, eps: number[]): Promise<void> {
  if (opts.suite !== 'standard' && opts.suite !== 'rand') throw new PrintshotError('bad-argument', `unknown suite '${String(opts.suite)}'`, 'use --suite standard or --suite rand');
  if (opts.method || opts.transform || opts.photos) throw new PrintshotError('bad-argument', '--suite runs its own attacks', 'drop --method, --transform and --photos');
  const progress = createProgress('robustness');
  const [{ runRobustnessSuite }, { suiteText }] = await Promise.all([import('../../services/robustness-suite'), import('../robustness-tables')]);
  const result = await runRobustnessSuite({
    out: opts.out,
    models: opts.model,
    images: opts.images,
    limit: opts.limit,
    sample: opts.sample,
    suite: opts.suite,
    eps,
    minimal: opts.minimal,
    seed: Number(opts.seed),
    batchSize: opts.batch,
    onProgress: (s, d, t) => progress.update(d, t, s),
  }).finally(() => progress.stop());
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${suiteText(result)}\n\nResults JSON: ${result.resultsFile}\nCurves CSV: ${result.curvesFile}\n`);
}
