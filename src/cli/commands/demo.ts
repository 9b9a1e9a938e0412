/** `printshot demo [--out DIR] [--limit N] [--json]`: the whole headless loop on the bundled model. */
import type { Command } from 'commander';
import { runDemo } from '../../services/demo';
import { createProgress } from '../output';
import { demoDigitalTable, demoFig6Tables, demoOrdering, demoPhotoSection } from '../demo-tables';
import { positiveInt } from './options';

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
    .option('--json', 'print JSON')
    .action(async (opts: { out?: string; limit?: number; photos: boolean; json?: boolean }) => {
      const out = opts.out ?? defaultDemoDir();
      const progress = createProgress('demo');
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
          `Experiment folder: ${result.out}`,
          `Results JSON:      ${result.resultsFile}`,
        ].join('\n') + '\n',
      );
    });
}
