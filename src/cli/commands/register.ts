/**
 * `printshot register --experiment DIR --photos FILE|DIR [--max-error-mm N] [--allow-repeat-sheets]
 *   [--condition k=v,...] [--protocol kurakin|rp2|FILE] [--json]`
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
  condition?: string;
  protocol?: string;
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
    .option('--condition <tags>', 'capture condition recorded on every photo, key=value pairs (e.g. distance=5ft,angle=15); repeat shots of a sheet are then accepted')
    .option('--protocol <name|file>', "'kurakin', 'rp2' (distances 5-40 ft × angles 0/15/30°) or a protocol JSON file: says which of its conditions are still missing")
    .option('--json', 'print JSON')
    .action(async (opts: RegisterOptions) => {
      const progress = createProgress('register');
      const { runRegisterJob, registerFailure } = await import('../../services/register-job');
      const { parseCondition, conditionKey } = await import('../../registration/protocol');
      const condition = opts.condition === undefined ? undefined : parseCondition(opts.condition);
      const result = await runRegisterJob({
        experiment: opts.experiment,
        photos: opts.photos,
        maxReprojectionMm: opts.maxErrorMm,
        allowRepeatSheets: opts.allowRepeatSheets,
        condition,
        protocol: opts.protocol,
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
          ` (discarded ${pct(c.photos ? (c.rejected + c.duplicate) / c.photos : null)}${reasons ? `: ${reasons}` : ''})\n` +
          (condition ? `condition ${conditionKey(condition)}\n` : '') +
          (result.protocol
            ? `protocol ${result.protocol.name}: ${result.protocol.missing.length ? `${result.protocol.missing.length} condition(s) still missing: ${result.protocol.missing.map(conditionKey).join('; ')}` : 'every condition photographed'}\n`
            : ''),
      );
      if (failure) throw failure;
    });
}
