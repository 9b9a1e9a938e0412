/**
 * `printshot start` (npm start): the desktop workbench. Until the Electron shell lands, and on
 * machines without the Electron binary, it says so and runs the headless demo instead.
 */
import type { Command } from 'commander';
import { doctor } from '../../services/doctor';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('open the workbench (falls back to the headless demo where the desktop app cannot start)')
    .action(async () => {
      const report = await doctor();
      process.stderr.write(
        `printshot: the desktop workbench is not available here (electron: ${report.electron}); running the headless demo instead.\n`,
      );
      await program.parseAsync(['node', 'printshot', 'demo']);
    });
}
