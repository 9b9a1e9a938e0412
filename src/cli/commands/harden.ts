/**
 * `printshot harden --model DIR|default [--from-scratch] --method fgsm|pgd --eps N --alpha 0.5
 *  --epochs K --data DIR --out DIR [--force] [--json]`: adversarial training (Goodfellow et al. §6)
 * in PyTorch. Ctrl+C checkpoints; the same command resumes. See docs/defended-models.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CommonOptions, DefendEvent, DefendResult } from '../../services/defend';
import { DEFAULT_DATA_DIR } from '../../shared/node/paths';
import { createProgress, formatTable, pct } from '../output';
import { nonNegativeNumber, positiveInt } from './options';

/** Options both commands share, as commander hands them over (defaults already applied). */
export interface TrainCliOptions extends Omit<CommonOptions, 'model' | 'data' | 'evalBimSteps' | 'python' | 'signal' | 'onEvent'> {
  model: string;
  data: string;
  json?: boolean;
}

export function addTrainingOptions(cmd: Command, epochsDefault: number): Command {
  return cmd
    .option('--model <dir>', "TF.js Layers model to start from (architecture and initial weights), or 'default'", 'default')
    .option('--from-scratch', "keep --model's architecture but start from fresh random weights")
    .option('--epochs <k>', `training epochs (default ${epochsDefault})`, positiveInt)
    .option('--data <dir>', 'folder with the Fashion-MNIST IDX files (train-*/t10k-*-ubyte.gz)', DEFAULT_DATA_DIR)
    .requiredOption('--out <dir>', 'new model folder (the run works in DIR.partial until it is complete)')
    .option('--force', 'write into an existing --out (replaces model.json, shard, model-card.json only) or restart over a different checkpoint')
    .option('--resume', 'fail unless a checkpoint exists (a checkpoint of the same options is resumed anyway)')
    .option('--seed <n>', 'random seed (default 0)', (v) => Number.parseInt(v, 10))
    .option('--threads <n>', 'PyTorch CPU threads (default 1)', positiveInt)
    .option('--batch-size <n>', 'minibatch size (default 64)', positiveInt)
    .option('--lr <rate>', 'Adam learning rate (default 5e-4 for harden fine-tuning, else 1e-3)', positiveNumber)
    .option('--limit <n>', 'train and test on the first n images only (quick checks)', positiveInt)
    .option('--checkpoint-every <steps>', 'minibatches between checkpoints (default 200; also after every epoch)', positiveInt)
    .option('--eval-eps <eps>', 'eps (0..255) of the final PyTorch FGSM/BIM measurement (default 25)', positiveNumber)
    .option('--json', 'print JSON');
}

export function positiveNumber(value: string): number {
  const n = nonNegativeNumber(value);
  if (n === 0) throw new InvalidArgumentError(`'${value}' is not a number > 0`);
  return n;
}

export function commonArgs(o: TrainCliOptions) {
  return {
    model: o.model, fromScratch: o.fromScratch, epochs: o.epochs, data: o.data, out: o.out, force: o.force, resume: o.resume,
    seed: o.seed, threads: o.threads, batchSize: o.batchSize, lr: o.lr, limit: o.limit, checkpointEvery: o.checkpointEvery, evalEps: o.evalEps,
  };
}

/**
 * Runs a training with a progress bar on a TTY (epoch lines on stderr otherwise) and Ctrl+C /
 * SIGTERM forwarded as a checkpointing stop, then prints the result.
 */
export async function runTraining(title: string, json: boolean | undefined, start: (signal: AbortSignal, onEvent: (e: DefendEvent) => void) => Promise<DefendResult>): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = Boolean(process.stderr.isTTY);
  const progress = createProgress(title, tty);
  const onEvent = (e: DefendEvent) => {
    if (e.type === 'progress') progress.update(e.done, e.total, `${e.phase} epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(3)}`);
    else if (e.type === 'eval') progress.update(e.done, e.total, `measuring ${e.model} model`);
    else if (e.type === 'start' && e.resumed && !json) process.stderr.write(`resuming from the checkpoint in ${e.partial}\n`);
    else if (e.type === 'epoch' && !tty && !json) process.stderr.write(`${e.phase} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, test accuracy ${pct(e.testAccuracy, 2)} (${e.seconds.toFixed(0)} s)\n`);
  };
  try {
    const r = await start(controller.signal, onEvent).finally(() => progress.stop());
    process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : `${resultText(title, r)}\n`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function resultText(title: string, r: DefendResult): string {
  const { base, trained } = r.report;
  const row = (name: string, m: typeof base) => [name, pct(m.cleanAccuracy, 2), pct(m.fgsmError, 1), pct(m.bimError, 1), pct(m.zeroGradientFraction, 1)];
  return [
    `printshot ${title}: wrote ${r.out} in ${r.seconds.toFixed(0)} s${r.resumed ? ' (resumed from a checkpoint)' : ''}`,
    '',
    `PyTorch, ${trained.n} test images, eps ${trained.eps}/255 (BIM: ${trained.bimSteps} steps of ${trained.bimStepSize}):`,
    formatTable(['model', 'clean acc', 'FGSM error', 'BIM error', 'zero gradient'], [row('base', base), row(String(r.card.name), trained)]),
  ].join('\n');
}

interface HardenCliOptions extends TrainCliOptions {
  method: 'fgsm' | 'pgd';
  eps: number;
  alpha: number;
  pgdSteps?: number;
  pgdStep?: number;
  advLabels?: 'true' | 'predicted';
}

export function registerHardenCommand(program: Command): void {
  const cmd = program
    .command('harden')
    .description('adversarial training (Goodfellow et al. §6): J = α·J(x,y) + (1−α)·J(x_adv,y), x_adv remade every minibatch; writes a new model folder')
    .option('--method <m>', 'how x_adv is made: fgsm or pgd', (v) => {
      if (v !== 'fgsm' && v !== 'pgd') throw new InvalidArgumentError(`'${v}' is not fgsm or pgd`);
      return v;
    }, 'fgsm')
    .option('--eps <eps>', 'perturbation size on the 0..255 scale', positiveNumber, 25)
    .option('--alpha <a>', 'weight of the clean loss', nonNegativeNumber, 0.5)
    .option('--pgd-steps <k>', 'pgd: steps (default 7)', positiveInt)
    .option('--pgd-step <size>', 'pgd: step size, 0..255 scale (default 2.5·eps/steps)', positiveNumber)
    .option('--adv-labels <which>', "labels for x_adv: 'true' (the paper) or 'predicted' (avoids label leaking)", (v) => {
      if (v !== 'true' && v !== 'predicted') throw new InvalidArgumentError(`'${v}' is not true or predicted`);
      return v;
    });
  addTrainingOptions(cmd, 3).action(async (o: HardenCliOptions) => {
    const { runHarden } = await import('../../services/defend');
    await runTraining('harden', o.json, (signal, onEvent) =>
      runHarden({ ...commonArgs(o), method: o.method, eps: o.eps, alpha: o.alpha, pgdSteps: o.pgdSteps, pgdStep: o.pgdStep, advLabels: o.advLabels, signal, onEvent }),
    );
  });
}
