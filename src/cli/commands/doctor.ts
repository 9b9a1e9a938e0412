/**
 * `printshot doctor [--model DIR] [--json]`: backend, versions, and whether the bundled model and
 * samples are usable; with --model, that model's architecture summary after the backend lines.
 */
import type { Command } from 'commander';
import { infoLines } from './models';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('show the compute backend, versions, and the bundled model and samples')
    .option('--model <dir>', 'check this model folder instead of the bundled one, and print its architecture summary')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean; model?: string }) => {
      const { doctor } = await import('../../services/doctor');
      const report = await doctor({ model: opts.model });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const lines = [
        `backend     ${report.backend.name} (${report.backend.reason})`,
        ...Object.entries(report.backend.versions).map(([k, v]) => `  ${k.padEnd(20)}${v}`),
        `node        ${report.node}`,
        ...(report.architecture
          ? await infoLines(report.architecture)
          : [`model       ${report.model.ok ? `${report.model.name}, ${report.model.classes} classes, ${report.model.input}` : `unavailable: ${report.model.error}`}`]),
        `samples     ${report.samples.ok ? `${report.samples.count} images in ${report.samples.classes} classes` : `unavailable: ${report.samples.error}`}`,
        `electron    ${report.electron}`,
        `gpu         ${report.gpu}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
