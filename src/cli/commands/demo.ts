/**
 * `printshot demo [--out DIR] [--limit N] [--json]`: the whole headless loop on the bundled model;
 * `--defended` runs the defence comparison of services/demo-defended.ts instead.
 */
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR as FASHION_MNIST_DIR } from '../../shared/node/paths';
import { createProgress, defaultProgressMode, type Progress } from '../output';
import { positiveInt } from './options';

interface DemoCliOptions {
  out?: string;
  limit?: number;
  photos: boolean;
  defended?: boolean;
  hardened?: string;
  distilled?: string;
  testSet: string | false;
  json?: boolean;
}

async function defendedDemo(out: string, opts: DemoCliOptions): Promise<void> {
  const progress = demoProgress('demo --defended', opts.json);
  const [{ runDefendedDemo }, { robustnessText }] = await Promise.all([import('../../services/demo-defended'), import('../robustness-tables')]);
  const result = await runDefendedDemo({
    out,
    limit: opts.limit,
    photos: opts.photos,
    hardened: opts.hardened,
    distilled: opts.distilled,
    testSet: opts.testSet === false ? null : opts.testSet,
    onProgress: (stage, d, t) => progress.update(d, t, stage),
  }).finally(() => progress.stop());
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      'Printshot demo --defended: the same attacks on the plain, adversarially trained and distilled bundled model',
      '',
      robustnessText(result.samples),
      ...(result.testSet ? ['', 'Full test set:', robustnessText(result.testSet)] : []),
      '',
      `Total: ${result.seconds.toFixed(0)} s`,
      `Report: ${result.reports.join(', ')}`,
    ].join('\n') + '\n',
  );
}

/**
 * The demo runs for minutes. Its output is often a log (`npm run demo > demo.log`, CI, a pipe to
 * tee) whose reader sees stdout only, so when stdout is not a terminal the progress lines go there,
 * before the tables; with --json (stdout must stay JSON) or a terminal, progress stays on stderr.
 */
export function demoProgress(title: string, json: boolean | undefined, stdoutIsTTY = Boolean(process.stdout.isTTY)): Progress {
  const mode = defaultProgressMode();
  if (json || stdoutIsTTY || mode === 'off' || process.env.PRINTSHOT_PROGRESS === 'bar') return createProgress(title);
  return createProgress(title, { mode: 'lines', write: (line) => process.stdout.write(`${line}\n`) });
}

export function defaultDemoDir(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `printshot-demo/${stamp}`;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('attack the bundled samples with fast/BIM/ILLC at eps 4, 8, 16, run the Fig. 6 transform sweeps, then print, photograph (simulated), register and evaluate')
    .option('--out <dir>', 'experiment folder to write (default printshot-demo/<timestamp>)')
    .option('--limit <n>', 'use only the first n sample images', positiveInt)
    .option('--no-photos', 'skip the print → simulate → register → evaluate stage')
    .option('--defended', 'instead: plain vs adversarially trained vs distilled bundled model under the same attacks (docs/defended-models.md)')
    .option('--hardened <dir>', 'with --defended: the adversarially trained model', undefined)
    .option('--distilled <dir>', 'with --defended: the distilled model', undefined)
    .option('--test-set <dir>', 'with --defended: IDX test set for the full-test-set FGSM eps 25 error', FASHION_MNIST_DIR)
    .option('--no-test-set', 'with --defended: skip the full-test-set measurement')
    .option('--json', 'print JSON')
    .action(async (opts: DemoCliOptions) => {
      const out = opts.out ?? defaultDemoDir();
      if (opts.defended) return defendedDemo(out, opts);
      const progress = demoProgress('demo', opts.json);
      const [{ runDemo }, { demoDigitalTable, demoFig6Tables, demoOrdering, demoPhotoSection }, { demoChannelSection }] = await Promise.all([
        import('../../services/demo'),
        import('../demo-tables'),
        import('../demo-channel-text'),
      ]);
      const result = await runDemo({ out, limit: opts.limit, photos: opts.photos, onProgress: (stage, d, t) => progress.update(d, t, stage) }).finally(() =>
        progress.stop(),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        [
          `Printshot demo: model ${result.model}, ${result.images} sample images, backend ${result.backend}, ${result.seconds.toFixed(0)} s`,
          '',
          'Digital attack results (success judged after 8-bit rounding):',
          demoDigitalTable(result),
          '',
          "Destruction rate under synthetic transforms at eps 16 (shaped like Kurakin et al. Fig. 6):",
          demoFig6Tables(result, 16),
          '',
          demoOrdering(result, 16),
          '',
          ...(result.photos ? [demoPhotoSection(result.photos), ''] : []),
          ...(result.channel ? [demoChannelSection(result.channel), ''] : []),
          `Experiment folder: ${result.out}`,
          `Results JSON:      ${result.resultsFile}`,
          `Report:            ${result.reports.join(', ')}`,
        ].join('\n') + '\n',
      );
    });
}
