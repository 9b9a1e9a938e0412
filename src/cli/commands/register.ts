/**
 * `printshot register --experiment DIR --photos FILE|DIR [--max-error-mm N] [--allow-repeat-sheets] [--json]`
 *
 * Exit code 1 (after the table) when every photo this run looked at was rejected: a capture
 * session that registered nothing must not look like a success to a script.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createProgress, formatTable, pct } from '../output';

interface RegisterOptions {
  experiment: string;
  photos: string;
  maxErrorMm?: number;
  allowRepeatSheets?: boolean;
  json?: boolean;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a number > 0`);
  return n;
}

export function registerRegisterCommand(program: Command): void {
  program
    .command('register')
    .description('find the corner QR markers in photos of printed sheets, rectify them and crop every cell (originals kept untouched)')
    .requiredOption('--experiment <dir>', 'experiment folder holding sheets/*.layout.json')
    .requiredOption('--photos <path>', 'a photo (PNG/JPEG) or a folder of photos')
    .option('--max-error-mm <n>', 'reject a photo whose marker corners fit worse than this, in mm on the page (default 1.0)', positiveNumber)
    .option('--allow-repeat-sheets', 'accept several photos of the same sheet (default: later ones are marked duplicate)')
    .option('--json', 'print JSON')
    .action(async (opts: RegisterOptions) => {
      const progress = createProgress('register');
      const { runRegisterJob, registerFailure } = await import('../../services/register-job');
      const result = await runRegisterJob({
        experiment: opts.experiment,
        photos: opts.photos,
        maxReprojectionMm: opts.maxErrorMm,
        allowRepeatSheets: opts.allowRepeatSheets,
        onProgress: (done, total, name) => progress.update(done, total, name),
      }).finally(() => progress.stop());
      const failure = registerFailure(result);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, (k, v: unknown) => (k === 'homography' ? undefined : v), 2)}\n`);
        if (failure) throw failure;
        return;
      }
      const rows = result.added.map((p) => [
        p.id,
        p.status,
        p.reason ?? '',
        p.sheetId ? `${p.sheetId} (${(p.sheetIndex ?? 0) + 1})` : '',
        p.reprojection ? p.reprojection.maxMm.toFixed(2) : '',
        p.crops.length,
      ]);
      const c = result.counts;
      const reasons = Object.entries(c.byReason).map(([r, n]) => `${r} ${n}`).join(', ');
      process.stdout.write(
        (rows.length ? `${formatTable(['photo', 'status', 'reason', 'sheet', 'max err mm', 'crops'], rows)}\n` : '') +
          (result.alreadyRegistered.length ? `${result.alreadyRegistered.length} photo(s) already registered, skipped\n` : '') +
          (result.ignored.length ? `ignored (not PNG/JPEG): ${result.ignored.join(', ')}\n` : '') +
          `log ${result.experimentDir}/${result.log}: ${c.photos} photos, ${c.accepted} accepted, ${c.rejected} rejected, ${c.duplicate} duplicate` +
          ` (discarded ${pct(c.photos ? (c.rejected + c.duplicate) / c.photos : null)}${reasons ? `: ${reasons}` : ''})\n`,
      );
      if (failure) throw failure;
    });
}
