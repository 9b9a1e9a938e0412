/**
 * `printshot attack --model DIR|default --images DIR|samples --method M --eps N [--alpha N]
 *  [--iterations N] [--steps N] [--binary-steps N] [--target T] [--seed S] [--limit N [--sample first|stratified|random]]
 *  [--batch N] [--workers N] [--fit fill|crop|pad] [--skip-unreadable] [--shard i/N] --out DIR [--json]`
 *
 * --shard i/N computes one shard of the job (batches i, i + N, … of its partition) into --out;
 * `printshot experiments merge` joins the N shard folders (src/services/shard.ts, docs/scale.md).
 *
 * The same command again on the same --out resumes its cancelled (Ctrl-C) or interrupted (killed)
 * run in place and attacks only the missing images (src/services/run-resume.ts).
 */
import type { Command } from 'commander';
import type { FitMode } from '../../images/decode';
import { parseSampleMode, type SampleMode } from '../../images/sample';
import type { AttackJobResult } from '../../services/attack-job';
import { runDisplayName } from '../../attacks/names';
import { parseShard, type Shard } from '../../services/shard';
import { attackSummaryTable } from '../tables';
import { fitOption, nonNegativeNumber, positiveInt, skipUnreadableOption } from './options';
import { attackProgress, withInterrupt } from './runs';

interface AttackOptions {
  model: string;
  images: string;
  method: string;
  eps: number;
  alpha?: number;
  iterations?: number;
  steps?: number;
  binarySteps?: number;
  decay?: number;
  target?: string;
  samples?: number;
  distribution?: string;
  confidence?: number;
  norm?: string;
  queries?: number;
  seed: string;
  limit?: number;
  sample: SampleMode;
  batch: number;
  workers?: number;
  fit?: FitMode;
  skipUnreadable?: boolean;
  shard?: Shard;
  out: string;
  json?: boolean;
}

export function registerAttackCommand(program: Command): void {
  program
    .command('attack')
    .description('craft adversarial examples into an experiment folder (lossless 8-bit PNGs + manifest)')
    .option('--model <dir>', "TF.js model folder, or 'default'", 'default')
    .option('--images <dir>', "image folder, or 'samples'", 'samples')
    .requiredOption('--method <name>', 'fgsm (fast) | bim | illc | pgd | mifgsm | eot-pgd | cw-l2 | cw-l0 | cw-linf | lbfgs | apgd-ce | apgd-dlr | apgd-t | square')
    .requiredOption('--eps <n>', 'L∞ radius on the 0..255 scale', nonNegativeNumber)
    .option('--alpha <n>', 'step size on the 0..255 scale', nonNegativeNumber)
    .option('--iterations <n>', 'number of steps', nonNegativeNumber)
    .option('--steps <n>', 'step budget: iterations, or C&W/L-BFGS optimiser steps per value of c (maxIterations)', positiveInt)
    .option('--binary-steps <n>', 'C&W/L-BFGS: values of the constant c searched (binarySteps; C&W-L0/L∞: the c schedule length)', positiveInt)
    .option('--decay <mu>', 'MI-FGSM momentum decay', nonNegativeNumber)
    .option('--target <t>', "untargeted | least-likely | random | class index")
    .option('--samples <k>', 'EOT: transforms averaged per step', positiveInt)
    .option('--distribution <d>', 'EOT: print-camera | photometric | none, a JSON file, or a channel profile (channel fit)')
    .option('--confidence <kappa>', 'C&W: logit margin κ', nonNegativeNumber)
    .option('--norm <norm>', "APGD, Square: linf (default) | l2 (then --eps is the L2 norm of δ on the 0..255 scale)")
    .option('--queries <n>', 'Square: model queries per image', positiveInt)
    .option('--seed <s>', 'random seed (attack and --sample)', '0')
    .option('--limit <n>', 'attack only n images, chosen by --sample', positiveInt)
    .option('--sample <mode>', 'with --limit: first (dataset order) | stratified (equal per class, seeded) | random (seeded)', parseSampleMode, 'first')
    .option('--batch <n>', 'images per batch (FGSM, BIM, ILLC, MI-FGSM: at most, so that a small job keeps every thread busy; same bytes)', positiveInt, 32)
    .option('--workers <n>', 'threads attacking whole batches, the main thread included (default: as many as pay off, up to one per core; same bytes for any count)', positiveInt)
    .addOption(fitOption())
    .addOption(skipUnreadableOption())
    .option('--shard <i/N>', 'compute only shard i of N (1-based) of the job, for a scheduler; join the N --out folders with `experiments merge`', parseShard)
    .requiredOption('--out <dir>', 'experiment folder (created, or a run is added)')
    .option('--json', 'print JSON')
    .action(async (opts: AttackOptions) => {
      const params: Record<string, unknown> = { eps: opts.eps };
      if (opts.alpha !== undefined) params.alpha = opts.alpha;
      if (opts.iterations !== undefined) params.iterations = opts.iterations;
      if (opts.decay !== undefined) params.decay = opts.decay;
      if (opts.samples !== undefined) params.samples = opts.samples;
      if (opts.distribution !== undefined) params.distribution = opts.distribution;
      if (opts.confidence !== undefined) params.confidence = opts.confidence;
      if (opts.norm !== undefined) params.norm = opts.norm;
      if (opts.queries !== undefined) params.queries = opts.queries;
      if (opts.target !== undefined) params.target = /^\d+$/.test(opts.target) ? Number(opts.target) : opts.target;
      const [{ applyBudget, getAttack }, { runAttackJob }] = await Promise.all([import('../../attacks'), import('../../services/attack-job')]);
      const budgeted = applyBudget(getAttack(opts.method), params, { steps: opts.steps, binarySteps: opts.binarySteps });
      const progress = attackProgress(runDisplayName(opts.method, opts.eps), opts.batch);
      const result = await withInterrupt((signal) => runAttackJob({
        model: opts.model,
        images: opts.images,
        method: opts.method,
        params: budgeted,
        seed: /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed,
        limit: opts.limit,
        sample: opts.sample,
        batchSize: opts.batch,
        workers: opts.workers ?? 'auto',
        fit: opts.fit,
        skipUnreadable: opts.skipUnreadable,
        shard: opts.shard,
        out: opts.out,
        signal,
        onProgress: progress.update,
      })).finally(() => progress.stop());
      await printAttackResult(result, opts.json);
    });
}

/** The attack summary (or JSON) of a finished or resumed run; shared with `runs resume`. */
export async function printAttackResult(result: AttackJobResult, json: boolean | undefined): Promise<void> {
  if (json) {
    const resumed = result.resumedFrom !== undefined ? { resumedFrom: result.resumedFrom } : {};
    process.stdout.write(`${JSON.stringify({ experiment: result.experimentDir, run: result.run, summary: result.summary, execution: result.manifest.execution, ...resumed }, null, 2)}\n`);
    return;
  }
  const s = result.summary;
  const { describeExecution } = await import('../../model/summary');
  const ran = result.manifest.execution ? `model ${describeExecution(result.manifest.execution)}\n` : '';
  const resumed = result.resumedFrom !== undefined ? `resumed run ${result.run.dir} in place: ${result.resumedFrom} of ${s.images} images were already done\n` : '';
  process.stdout.write(
    `${attackSummaryTable(result.run.dir, runDisplayName(result.run.method, result.run.eps), s)}\n${ran}${resumed}wrote ${result.experimentDir}/${result.run.dir} and ${result.experimentDir}/${result.run.manifest}\n`,
  );
}
