/**
 * `printshot check --experiment DIR [--repair] [--json]`
 *
 * Exit code 0 when the experiment is intact (incomplete runs and warnings included), 1 when it
 * has problems (missing or modified files, unreadable JSON): the report is printed first, then
 * the usual one-line error.
 */
import type { Command } from 'commander';
import { PrintshotError } from '../../shared';
import { createProgress, formatTable } from '../output';

interface CheckOptions {
  experiment: string;
  repair?: boolean;
  json?: boolean;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('verify an experiment folder: schema, sha256 of every image, run manifests, leftovers of killed jobs')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .option('--repair', 'remove stray temp files, rebuild clean PNGs from their sources when they hash to the record, finalise runs killed at the end (never rewrites adversarial PNGs; see docs/experiments.md)')
    .option('--json', 'print JSON')
    .action(async (opts: CheckOptions) => {
      const progress = createProgress('verifying');
      const { runCheckJob } = await import('../../services/check-job');
      const report = await runCheckJob({
        experiment: opts.experiment,
        repair: opts.repair,
        onProgress: (done, total) => progress.update(done, total),
      }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const lines = [`experiment ${report.name ?? '?'} (${report.dir})`, `clean images: ${report.images.verified}/${report.images.recorded} verified`];
        if (report.runs.length > 0) {
          lines.push(
            formatTable(
              ['run', 'state', 'recorded', 'on disk', 'of', 'reason'],
              report.runs.map((r) => [r.dir, r.state, r.imagesRecorded, r.imagesOnDisk, r.imagesTotal, r.reason ?? '']),
            ),
          );
        }
        for (const p of report.problems) lines.push(`${p.severity.toUpperCase().padEnd(7)} ${p.path ?? ''}${p.path ? ': ' : ''}${p.message}${p.repairable ? ' [repairable]' : ''}`);
        for (const r of report.repaired) lines.push(`repaired: ${r}`);
        for (const r of report.notRepaired) lines.push(`not repaired: ${r}`);
        lines.push(report.verdict);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (!report.ok) throw new PrintshotError('bad-experiment', `${opts.experiment}: check failed (${report.errors} problem(s))`);
    });
}
