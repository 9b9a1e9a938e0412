/**
 * `printshot robustness --model A --model B … [--images DIR|samples|IDX] --method M --eps N…
 *  [--transform SPEC…] [--photos] [--no-save] --out DIR`: the same attack grid against several
 * models (plain, hardened, distilled), each attacked white-box. --no-save keeps only the numbers
 * (for a full test set); otherwise each model gets an experiment folder under --out.
 */
import type { Command } from 'commander';
import { createProgress } from '../output';
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
  batch?: number;
  seed: string;
  out: string;
  json?: boolean;
}

export function registerRobustnessCommand(program: Command): void {
  program
    .command('robustness')
    .description('attack several models (e.g. plain, adversarially trained, distilled) with the same grid and compare')
    .requiredOption('--model <dir>', "model folder or 'default' (repeat)", collect)
    .option('--images <dir>', "image folder, 'samples', or an IDX set (folder with t10k-*-ubyte.gz)", 'samples')
    .option('--method <name>', 'attack method (repeat; default fgsm)', collect)
    .option('--eps <n>', 'eps on the 0..255 scale (repeat; default 25)', collect)
    .option('--transform <spec>', "synthetic transform to judge under, e.g. 'jpeg:quality=75' (repeat)", collect)
    .option('--photos', 'print, photograph (simulated) and register every run (needs saving)')
    .option('--no-save', 'keep only results/robustness.json (no experiment folders)')
    .option('--limit <n>', 'use only the first n images', positiveInt)
    .option('--batch <n>', 'attack batch size', positiveInt)
    .option('--seed <s>', 'random seed', '0')
    .requiredOption('--out <dir>', 'output folder')
    .option('--json', 'print JSON')
    .action(async (opts: RobustnessCliOptions) => {
      const eps = (opts.eps ?? ['25']).map((e) => nonNegativeNumber(e));
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
