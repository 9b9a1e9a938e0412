/** `printshot transform --images DIR --transform NAME:param=value[,...] --out DIR` */
import type { Command } from 'commander';
import { createProgress } from '../output';

export function registerTransformCommand(program: Command): void {
  program
    .command('transform')
    .description('apply a synthetic transform (brightness, contrast, gaussian-blur, gaussian-noise, jpeg) to a folder')
    .requiredOption('--images <dir>', 'input image folder')
    .requiredOption('--transform <spec>', "e.g. 'jpeg:quality=30' or 'gaussian-blur:sigma=1.5'")
    .requiredOption('--out <dir>', 'output folder for lossless PNGs')
    .option('--seed <s>', 'random seed (noise)', '0')
    .option('--json', 'print JSON')
    .action(async (opts: { images: string; transform: string; out: string; seed: string; json?: boolean }) => {
      const progress = createProgress(opts.transform);
      const { runTransformJob } = await import('../../services/transform-job');
      const result = await runTransformJob({ ...opts, onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `wrote ${result.images} images (${result.spec}) to ${result.out}\n`);
    });
}
