/**
 * `printshot patch --model M --images D --target T|untargeted --size F[,F…] --out DIR
 *  [--steps N] [--batch B] [--lr R] [--nps-weight W] [--tv-weight W] [--channel default|none|FILE]
 *  [--palette default|EXPERIMENT] [--holdout H] [--draws K] [--seed S] [--transfer MODEL…] [--json]`
 *
 * Trains a universal adversarial patch per size on part of the images, evaluates it on the rest
 * at random placements, and writes DIR/patch-*.png with DIR/patch-*.json. Ctrl-C stops between
 * steps; the same command resumes from the last checkpoint. --transfer measures every patch on
 * other models too, on the same held-out images. docs/patches.md.
 */
import type { Command } from 'commander';
import type { PatchResult } from '../../services/patch-job';
import { createProgress, formatTable, pct } from '../output';
import { positiveInt } from './options';
import { registerPatchPhysicalCommands } from './patch-physical';
import { withInterrupt } from './runs';

interface PatchCliOptions {
  model: string;
  images: string;
  target: string;
  size: string;
  out: string;
  steps?: number;
  batch?: number;
  lr?: string;
  npsWeight?: string;
  tvWeight?: string;
  channel: string;
  palette: string;
  holdout: string;
  draws: number;
  seed: string;
  transfer?: string[];
  json?: boolean;
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0: ${v}`);
  return n;
};

export function registerPatchCommand(program: Command): void {
  const patch = program
    .command('patch')
    .description('train a printable universal adversarial patch (EOT over placement, lighting and the print–camera channel) and evaluate it on held-out images')
    .option('--model <dir>', "model folder or 'default'", 'default')
    .option('--images <dir>', "image folder or 'samples'", 'samples')
    // Not requiredOption: commander checks a parent's mandatory options for its subcommands too (patch apply, sheet, evaluate).
    .option('--target <class>', "target class (name or index), or 'untargeted' (required)")
    .option('--size <fractions>', 'patch area as a fraction of the image, one or more (e.g. 0.05,0.1,0.15,0.2,0.25)', '0.1')
    .option('--out <dir>', 'folder for the patches (PNG + JSON) (required)')
    .option('--steps <n>', 'Adam steps per patch (default 300)', positiveInt)
    .option('--batch <n>', 'training images per step (default 32)', positiveInt)
    .option('--lr <rate>', "Adam's initial step size, decayed to 1/20 of it by a cosine schedule (default 0.05)")
    .option('--nps-weight <w>', 'weight of the non-printability loss (default 0.1)')
    .option('--tv-weight <w>', 'weight of the total-variation loss (default 0.05)')
    .option('--channel <spec>', "print–camera channel drawn at every step: 'default' (print-camera preset), 'none', a preset, a distribution JSON or a fitted channel profile", 'default')
    .option('--palette <src>', "printable colours: 'default' or an experiment whose calibration photos were measured (printshot calibrate)", 'default')
    .option('--holdout <fraction>', 'share of the images kept out of training for evaluation', '0.25')
    .option('--draws <n>', 'random placements per held-out image in the evaluation', positiveInt, 5)
    .option('--seed <s>', 'random seed', '0')
    .option('--transfer <models...>', "other models ('default' or folders) to evaluate every patch on as well (transfer)")
    .option('--json', 'print JSON')
    .option('--shard <i/N>', 'not supported: says why and what to shard instead (docs/scale.md)')
    .action(async (opts: PatchCliOptions & { shard?: string }) => {
      if (opts.shard !== undefined) (await import('../../services/shard')).refuseShard('patch');
      for (const [flag, v] of [['--target <class>', opts.target], ['--out <dir>', opts.out]] as const) if (v === undefined) patch.error(`error: required option '${flag}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
      const sizes = opts.size.split(',').map((s) => Number(s.trim()));
      const params = Object.fromEntries(Object.entries({ steps: opts.steps, batch: opts.batch, lr: num('--lr', opts.lr), npsWeight: num('--nps-weight', opts.npsWeight), tvWeight: num('--tv-weight', opts.tvWeight) }).filter(([, v]) => v !== undefined));
      const progress = createProgress('patch');
      const { runPatchJob } = await import('../../services/patch-job');
      const result = await withInterrupt((signal) => runPatchJob({
        model: opts.model, images: opts.images, out: opts.out, target: opts.target, sizes, channel: opts.channel, palette: opts.palette,
        holdout: Number(opts.holdout), draws: opts.draws, seed: /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed, transfer: opts.transfer, params, signal,
        onProgress: (p) => progress.update(p.step, p.steps, `size ${pct(p.size, 0)} loss ${p.loss.toFixed(3)} hits ${pct(p.success, 0)}`),
      })).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const rate = (s: PatchResult['evaluation']['success']) => [`${pct(s.rate)} (${s.count}/${s.total})`, s.ci ? `${pct(s.ci.low)}–${pct(s.ci.high)}` : '—'];
      const rows = result.patches.flatMap((p) => [
        [pct(p.size, 0), `${p.patchPx}×${p.patchPx}`, result.model, ...rate(p.evaluation.success), p.file],
        ...p.transfer.map((t) => [pct(p.size, 0), `${p.patchPx}×${p.patchPx}`, `${t.model} (transfer)`, ...rate(t.evaluation.success), '']),
      ]);
      process.stdout.write(`${[
        `Patch ${result.target.name}, trained on ${result.train} images, evaluated on ${result.heldOut} held-out images × ${result.patches[0]?.evaluation.draws ?? 0} placements (channel: ${result.channel}; palette: ${result.palette.source}, ${result.palette.colours} colours).`,
        `Success counts ${result.patches[0]?.evaluation.counts ?? ''}.`,
        formatTable(['size', 'patch px', 'model', 'success', '95% CI', 'file'], rows),
      ].join('\n')}\n`);
    });
  registerPatchPhysicalCommands(patch);
}
