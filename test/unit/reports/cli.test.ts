/**
 * The report and reproduce commands as registered on a commander program (main.ts wires the
 * same functions): argument checking happens before any work, with one-line errors.
 */
import { Command, CommanderError } from 'commander';
import { expect, it } from 'vitest';
import { registerReportCommand } from '../../../src/cli/commands/report';
import { registerReproduceCommand } from '../../../src/cli/commands/reproduce';
import { isPrintshotError } from '../../../src/shared';

function program(): Command {
  const p = new Command('printshot').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerReportCommand(p);
  registerReproduceCommand(p);
  p.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined }));
  return p;
}

const run = (args: string[]) => program().parseAsync(['node', 'printshot', ...args]);

it('report: an --out without a known extension is refused before anything is read', async () => {
  const e = await run(['report', '--experiment', '/nonexistent', '--out', 'report.txt']).catch((x: unknown) => x);
  expect(isPrintshotError(e) && e.code).toBe('bad-argument');
  expect(isPrintshotError(e) && e.hint).toMatch(/\.pdf, \.html, \.csv or \.json/);
});

it('report: a folder that is not an experiment is a one-line bad-experiment error', async () => {
  const e = await run(['report', '--experiment', '/nonexistent', '--out', 'r.json']).catch((x: unknown) => x);
  expect(isPrintshotError(e) && e.code).toBe('bad-experiment');
});

it('report: --out is required; reproduce: the template must be known', async () => {
  await expect(run(['report', '--experiment', 'x'])).rejects.toBeInstanceOf(CommanderError);
  const e = await run(['reproduce', 'kurakin-table2', '--out', 'x']).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(CommanderError);
  expect((e as CommanderError).message).toMatch(/kurakin-table, kurakin-fig6/);
});
