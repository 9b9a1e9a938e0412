/**
 * `printshot calibrate --experiment DIR [--photo FILE|ID] [--redo] [--json]`: measure the
 * calibration strip of registered photos (all accepted photos without a record, or one photo)
 * and store EXPERIMENT/calibration/<photo>.json. See docs/calibration.md.
 */
import type { Command } from 'commander';

export function registerCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description('measure the printer + camera colour response from the calibration strip of registered photos')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .option('--photo <file|id>', 'one photo: a capture id, the registered file, or an unregistered photo of a sheet of this experiment')
    .option('--redo', 'measure photos that already have a record again')
    .option('--json', 'print JSON')
    .action(async (opts: { experiment: string; photo?: string; redo?: boolean; json?: boolean }) => {
      const { calibrateCaptures, calibratePhoto, calibrationText, fitText, meanFit } = await import('../../calibration/node');
      const results = opts.photo !== undefined ? [await calibratePhoto(opts.experiment, opts.photo)] : await calibrateCaptures(opts.experiment, { redo: opts.redo });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        return;
      }
      if (!results.length) {
        process.stdout.write('nothing to calibrate: no accepted photo of a sheet with a calibration strip lacks a record (use --redo to measure again)\n');
        return;
      }
      const blocks = results.length === 1 ? [calibrationText(results[0].record)] : [`Mean response over ${results.length} photos:`, fitText(meanFit(results.map((r) => r.record))!)];
      blocks.push(`wrote ${results.map((r) => `${opts.experiment}/${r.file}`).slice(0, 3).join(', ')}${results.length > 3 ? `, … (${results.length} files)` : ''}`);
      process.stdout.write(`${blocks.join('\n')}\n`);
    });
}
