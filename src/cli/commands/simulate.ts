/**
 * `printshot simulate --sheets FILE.layout.json|FILE.pdf|DIR [--experiment DIR] --count N [--seed S]
 *  [--ideal] [--jpeg-quality Q | --lossless] [--width W --height H] --out DIR [--json]`
 */
import type { Command } from 'commander';
import type { SimulateOverrides } from '../../simulate';
import { createProgress } from '../output';
import { positiveInt } from './options';

interface SimulateCliOptions {
  sheets: string;
  experiment?: string;
  count: number;
  seed: string;
  ideal?: boolean;
  jpegQuality?: number;
  lossless?: boolean;
  width?: number;
  height?: number;
  out: string;
  json?: boolean;
  channel?: string;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('photograph printed sheets through the physical-channel simulator (print model, camera pose, blur, lighting, noise, JPEG)')
    .requiredOption('--sheets <path>', 'FILE.layout.json, FILE.pdf (layout beside it) or a folder of *.layout.json')
    .option('--experiment <dir>', 'experiment the cell images come from (default: the folder above sheets/)')
    .requiredOption('--count <n>', 'photos per sheet', positiveInt)
    .option('--seed <s>', 'random seed', '0')
    .option('--ideal', 'noise-free channel: perfect print, no lighting change, no sensor noise, lossless')
    .option('--jpeg-quality <q>', 'JPEG quality of the photos (default 90)', positiveInt)
    .option('--lossless', 'write PNG photos (no JPEG)')
    .option('--channel <file>', 'photograph through a fitted channel profile (printshot channel fit) instead of the default print and camera models')
    .option('--width <px>', 'frame width (default 1280)', positiveInt)
    .option('--height <px>', 'frame height (default 720)', positiveInt)
    .requiredOption('--out <dir>', 'output folder for photos and ground truth')
    .option('--json', 'print JSON')
    .action(async (opts: SimulateCliOptions) => {
      const camera: NonNullable<SimulateOverrides['camera']> = {};
      if (opts.lossless) camera.jpegQuality = null;
      else if (opts.jpegQuality !== undefined) camera.jpegQuality = opts.jpegQuality;
      if (opts.width !== undefined || opts.height !== undefined) camera.frame = { width: opts.width ?? 1280, height: opts.height ?? 720 };
      const progress = createProgress('simulate');
      const { runSimulateJob } = await import('../../services/simulate-job');
      const result = await runSimulateJob({
        sheets: opts.sheets,
        experiment: opts.experiment,
        count: opts.count,
        seed: /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed,
        out: opts.out,
        preset: opts.ideal ? 'ideal' : 'default',
        overrides: { camera },
        channel: opts.channel,
        onProgress: (d, t) => progress.update(d, t),
      }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ out: result.out, photos: result.photos }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`wrote ${result.photos.length} photos with ground truth to ${result.out} (manifest simulate.json)\n`);
    });
}
