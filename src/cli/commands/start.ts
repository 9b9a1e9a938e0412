/**
 * `printshot start` (npm start): the Electron desktop app where its binary is installed;
 * elsewhere the same workbench in a local browser (serve mode), saying why in one line.
 */
import type { Command } from 'commander';
import { startWorkbench } from './serve';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('open the workbench: the desktop app, or the browser workbench where Electron cannot start')
    .option('--workspace <dir>', 'folder for new experiments')
    .action(async (opts: { workspace?: string }) => {
      await startWorkbench({ workspace: opts.workspace });
    });
}
