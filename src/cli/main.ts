/**
 * The `printshot` command line: a thin layer over src/services. Human output by default,
 * `--json` for machines. Every user error is one line on stderr and a non-zero exit code
 * (1 for bad input, 2 for bad usage); only unexpected failures print a stack.
 */
import { Command, CommanderError } from 'commander';
import { isPrintshotError } from '../shared';
import { installNodeHost } from '../transforms/node/host';
import { registerAttackCommand } from './commands/attack';
import { registerCalibrateCommand } from './commands/calibrate';
import { registerChannelCommand } from './commands/channel';
import { registerPatchCommand } from './commands/patch';
import { registerCheckCommand } from './commands/check';
import { registerExperimentsCommand } from './commands/experiments';
import { registerModelsCommand } from './commands/models';
import { registerRegisterCommand } from './commands/register';
import { registerReportCommand } from './commands/report';
import { registerReproduceCommand } from './commands/reproduce';
import { registerRobustnessCommand } from './commands/robustness';
import { registerRunsCommand } from './commands/runs';
import { registerServeCommand } from './commands/serve';
import { registerSimulateCommand } from './commands/simulate';
import { registerClassifyCommand } from './commands/classify';
import { registerDemoCommand } from './commands/demo';
import { registerDoctorCommand } from './commands/doctor';
import { registerDistillCommand } from './commands/distill';
import { registerEvaluateCommand } from './commands/evaluate';
import { registerHardenCommand } from './commands/harden';
import { registerSheetCommand } from './commands/sheet';
import { registerStartCommand } from './commands/start';
import { registerTransformCommand } from './commands/transform';
import { lockWriters, releaseCommandLocks } from './writer-lock';

export function buildProgram(): Command {
  const program = new Command('printshot')
    .description('Test adversarial examples in the physical world (Kurakin, Goodfellow & Bengio, arXiv 1607.02533).')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // In a clone the command is not on PATH: `npx printshot` (or `npm run printshot --`) finds it.
    .addHelpText('after', '\nIn a clone of the repository run it as `npx printshot <command>`, e.g. `npx printshot attack --method fgsm --eps 16 --out exp1`.')
    .exitOverride();
  for (const register of [
    registerDoctorCommand,
    registerClassifyCommand,
    registerAttackCommand,
    registerTransformCommand,
    registerEvaluateCommand,
    registerSheetCommand,
    registerSimulateCommand,
    registerRegisterCommand,
    registerCalibrateCommand,
    registerChannelCommand,
    registerPatchCommand,
    registerReportCommand,
    registerReproduceCommand,
    registerRobustnessCommand,
    registerCheckCommand,
    registerRunsCommand,
    registerExperimentsCommand,
    registerModelsCommand,
    registerDemoCommand,
    registerHardenCommand,
    registerDistillCommand,
    registerServeCommand,
    registerStartCommand,
  ]) {
    register(program);
  }
  program.commands.forEach((c) => c.exitOverride());
  lockWriters(program);
  installBackendFor(program);
  return program;
}

/** Commands that run tensors; the others (help, check, sheet, register, runs list…) never load tfjs. */
const TENSOR_COMMANDS = new Set(['classify', 'attack', 'transform', 'evaluate', 'simulate', 'calibrate', 'channel', 'report', 'reproduce', 'robustness', 'models', 'demo', 'harden', 'distill', 'runs resume', 'patch']);

/**
 * The CLI's one explicit installBackend() (src/model/backend.ts): backend, version guard and
 * gradient registration, in a fixed order, before any command that runs tensors, instead of as a
 * side effect of whichever module is imported first.
 */
function installBackendFor(program: Command): void {
  program.hook('preAction', async (_root, action) => {
    const parent = action.parent && action.parent !== program ? `${action.parent.name()} ` : '';
    if (!TENSOR_COMMANDS.has(action.name()) && !TENSOR_COMMANDS.has(`${parent}${action.name()}`)) return;
    const { installBackend } = await import('../model/backend');
    await installBackend();
  });
}

export async function main(argv: string[]): Promise<number> {
  installNodeHost();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed what they had to.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isPrintshotError(e)) {
      process.stderr.write(`error: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
      return e.code === 'cancelled' ? 130 : 1;
    }
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 3;
  } finally {
    await releaseCommandLocks();
  }
}
