/**
 * `printshot sheet --experiment DIR [--run RUNDIR | --method M --eps N] [--paper a4|letter]
 *  [--landscape] [--cell-mm N | --dpi N [--dots-per-pixel N]] [--camera-px WxH] [--no-calibration] [--no-labels]
 *  [--out FILE.pdf] [--json]`
 * `printshot sheet --images DIR [--pairs-with DIR] ... --out FILE.pdf`
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { PaperName } from '../../sheets/layout';
import { createProgress, formatTable } from '../output';
import { nonNegativeNumber, positiveInt } from './options';

interface SheetOptions {
  experiment?: string;
  run?: string;
  method?: string;
  eps?: number;
  images?: string;
  pairsWith?: string;
  paper: PaperName;
  landscape?: boolean;
  margin?: number;
  cellMm?: number;
  dpi?: number;
  dotsPerPixel?: number;
  moduleMm?: number;
  cameraPx: { width: number; height: number };
  calibration: boolean;
  labels: boolean;
  out?: string;
  json?: boolean;
}

/** '1280x720' → { width, height } (the same rule as parseCameraPx, kept here so --help loads no sheet code). */
function cameraPx(value: string): { width: number; height: number } {
  const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(value.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`'${value}' is not WIDTHxHEIGHT in pixels (e.g. 1920x1080)`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a number > 0`);
  return n;
}

export function registerSheetCommand(program: Command): void {
  program
    .command('sheet')
    .description('lay out clean/adversarial pairs at exact physical size with corner QR markers, as a printable PDF + layout JSON')
    .option('--experiment <dir>', 'experiment folder (pairs each clean image with a run’s adversarial image)')
    .option('--run <dir>', "run to print, e.g. 'adversarial/fgsm-eps16' (default: the only run)")
    .option('--method <name>', 'select the run by attack method')
    .option('--eps <n>', 'select the run by eps (0..255 scale)', nonNegativeNumber)
    .option('--images <dir>', 'plain image folder instead of an experiment')
    .option('--pairs-with <dir>', 'second folder; images are paired by relative path')
    .addOption(new Option('--paper <name>', 'paper size').choices(['a4', 'letter']).default('a4'))
    .option('--landscape', 'landscape orientation')
    .option('--margin <mm>', 'page margin in mm (default 10)', positiveNumber)
    .option('--cell-mm <n>', 'long side of each image in mm (default 0.2 mm per image pixel, at least 25, capped to the page)', positiveNumber)
    .option('--dpi <n>', 'printer resolution: size cells in printer dots instead of mm', positiveInt)
    .option('--dots-per-pixel <n>', 'printer dots per image pixel with --dpi (default: closest to the default cell size)', positiveInt)
    .option('--camera-px <WxH>', 'assumed photo of the whole sheet, for the blur warning', cameraPx, { width: 1280, height: 720 })
    .option('--module-mm <n>', 'QR marker module size in mm (default 2)', positiveNumber)
    .option('--no-calibration', 'leave out the colour/grey calibration strip')
    .option('--no-labels', 'leave out the small label under each image')
    .option('--out <file>', 'output PDF (default <experiment>/sheets/<run>.pdf); the layout goes to <file>.layout.json')
    .option('--json', 'print JSON')
    .action(async (opts: SheetOptions) => {
      const { runSheetJob } = await import('../../services/sheet-job');
      const progress = createProgress('sheet');
      progress.update(0, 1, 'hashing, laying out and writing the PDF');
      const result = await runSheetJob({
        experiment: opts.experiment,
        run: opts.run,
        method: opts.method,
        eps: opts.eps,
        images: opts.images,
        pairsWith: opts.pairsWith,
        paper: opts.paper,
        landscape: opts.landscape,
        marginMm: opts.margin,
        cellMm: opts.cellMm,
        dpi: opts.dpi,
        dotsPerPixel: opts.dotsPerPixel,
        moduleMm: opts.moduleMm,
        cameraPx: opts.cameraPx,
        calibration: opts.calibration,
        labels: opts.labels,
        out: opts.out,
      }).finally(() => progress.stop());
      if (opts.json) {
        const { layouts: _layouts, ...summary } = result;
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const first = result.layouts[0];
      const cell = first.cells[0];
      const size = first.dpi ? `${cell.widthMm.toFixed(2)} mm (${first.dotsPerPixel} dots/px at ${first.dpi} dpi)` : `${cell.widthMm.toFixed(2)} mm`;
      process.stdout.write(
        `${formatTable(
          ['sheets', 'images', 'per sheet', 'cell', 'paper'],
          [[result.sheets, result.cells, result.perSheet, size, `${first.paper.name} ${first.paper.orientation}`]],
        )}\nwrote ${result.pdf} and ${result.layoutFile}\nprint at actual size (printer scaling off)\n`,
      );
    });
}
