/**
 * Defended targets: `printshot harden` (adversarial training, Goodfellow et al. §6) and
 * `printshot distill` (defensive distillation, Papernot et al.). Both train in PyTorch through
 * scripts/defend_train.py; this layer checks the inputs Node can check cheaply (so the common
 * mistakes fail in milliseconds, not after Python has imported torch), runs the script and
 * returns its report. See docs/defended-models.md.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MODEL_DIR } from '../../model/node';
import { PrintshotError } from '../../shared';
import { DEFAULT_DATA_DIR } from '../../shared/node/paths';
import { runDefendScript, type DefendEvent, type RobustnessReport } from './script';

export { DEFEND_SCRIPT, findPython, runDefendScript, type DefendEvent, type RobustnessReport } from './script';

export { DEFAULT_DATA_DIR };
const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

export interface CommonOptions {
  /** TF.js Layers folder to start from, or 'default' (the bundled fashion-cnn). */
  model?: string;
  /** Keep the model's architecture, reinitialise its weights. */
  fromScratch?: boolean;
  epochs?: number;
  /** Folder with the four Fashion-MNIST IDX .gz files. */
  data?: string;
  out: string;
  /** Write into an existing --out (model files only) / restart over a mismatched checkpoint. */
  force?: boolean;
  /** Fail unless there is a checkpoint to resume (a matching checkpoint is resumed anyway). */
  resume?: boolean;
  seed?: number;
  /** PyTorch threads (default 1: training shares the machine). */
  threads?: number;
  batchSize?: number;
  lr?: number;
  /** Use only the first N train and test images (tests, quick checks). */
  limit?: number;
  checkpointEvery?: number;
  /** eps (0..255) of the final FGSM/BIM report; default 25. */
  evalEps?: number;
  evalBimSteps?: number;
  python?: string;
  signal?: AbortSignal;
  onEvent?: (e: DefendEvent) => void;
}

export interface HardenOptions extends CommonOptions {
  method?: 'fgsm' | 'pgd';
  /** On the 0..255 scale. */
  eps?: number;
  alpha?: number;
  pgdSteps?: number;
  /** PGD step size, 0..255 scale (default 2.5·eps/steps). */
  pgdStep?: number;
  /** Labels used to make x_adv: the true ones (Goodfellow) or the model's predictions (no label leaking). */
  advLabels?: 'true' | 'predicted';
}

export interface DistillOptions extends CommonOptions {
  temperature?: number;
  /** Default: epochs. */
  teacherEpochs?: number;
}

export interface DefendResult {
  out: string;
  card: Record<string, unknown> & { provenance: Record<string, unknown> };
  /** PyTorch robustness of the starting model and the trained one. */
  report: { base: RobustnessReport; trained: RobustnessReport };
  seconds: number;
  /** True when the run continued from a checkpoint. */
  resumed: boolean;
}

export async function runHarden(opts: HardenOptions): Promise<DefendResult> {
  const eps = opts.eps ?? 25;
  const alpha = opts.alpha ?? 0.5;
  if (!(eps > 0 && eps <= 255)) throw new PrintshotError('bad-argument', `--eps ${eps}: expected a value in (0, 255] on the 0..255 scale`);
  if (!(alpha >= 0 && alpha <= 1)) throw new PrintshotError('bad-argument', `--alpha ${alpha}: expected a weight in [0, 1]`);
  const method = opts.method ?? 'fgsm';
  if (method !== 'fgsm' && method !== 'pgd') throw new PrintshotError('unknown-method', `harden --method ${String(method)}: expected fgsm or pgd`);
  const extra = ['--method', method, '--eps', String(eps), '--alpha', String(alpha), ...flag('--adv-labels', opts.advLabels)];
  if (method === 'pgd') extra.push(...flag('--pgd-steps', opts.pgdSteps), ...flag('--pgd-step', opts.pgdStep));
  return run('harden', opts, extra);
}

export async function runDistill(opts: DistillOptions): Promise<DefendResult> {
  const t = opts.temperature ?? 100;
  if (!(t > 0 && Number.isFinite(t))) throw new PrintshotError('bad-argument', `--temperature ${t}: expected a positive number`);
  return run('distill', opts, ['--temperature', String(t), ...flag('--teacher-epochs', opts.teacherEpochs)]);
}

function flag(name: string, v: string | number | undefined): string[] {
  return v === undefined ? [] : [name, String(v)];
}

async function run(command: 'harden' | 'distill', opts: CommonOptions, extra: string[]): Promise<DefendResult> {
  const data = path.resolve(opts.data ?? DEFAULT_DATA_DIR);
  const out = path.resolve(opts.out);
  await checkInputs(opts.model ?? 'default', data, out, opts.force ?? false);
  const args = [
    command,
    '--model', opts.model === undefined || opts.model === 'default' ? 'default' : path.resolve(opts.model),
    '--data', data,
    '--out', out,
    ...extra,
    ...(opts.fromScratch ? ['--from-scratch'] : []),
    ...(opts.force ? ['--force'] : []),
    ...(opts.resume ? ['--resume'] : []),
    ...flag('--epochs', opts.epochs),
    ...flag('--seed', opts.seed),
    ...flag('--threads', opts.threads),
    ...flag('--batch-size', opts.batchSize),
    ...flag('--lr', opts.lr),
    ...flag('--limit', opts.limit),
    ...flag('--checkpoint-every', opts.checkpointEvery),
    ...flag('--eval-eps', opts.evalEps),
    ...flag('--eval-bim-steps', opts.evalBimSteps),
  ];
  let resumed = false;
  let report: DefendResult['report'] | undefined;
  const done = await runDefendScript(args, {
    python: opts.python,
    signal: opts.signal,
    onEvent: (e) => {
      if (e.type === 'start') resumed = e.resumed;
      if (e.type === 'report') report = { base: e.base, trained: e.trained };
      opts.onEvent?.(e);
    },
  });
  if (!report) throw new PrintshotError('io', 'training script finished without a robustness report');
  return { out: done.out, card: done.card, report, seconds: done.seconds, resumed };
}

async function checkInputs(model: string, data: string, out: string, force: boolean): Promise<void> {
  const modelDir = model === 'default' ? DEFAULT_MODEL_DIR : path.resolve(model);
  if (!(await isFile(path.join(modelDir, 'model.json')))) {
    throw new PrintshotError('bad-model', `no model.json in ${modelDir}`, "pass a TF.js Layers model folder, or 'default'");
  }
  const st = await stat(data).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new PrintshotError('bad-dataset', `data folder not found: ${data}`, 'point --data at a folder with the Fashion-MNIST IDX files (*-idx3-ubyte.gz)');
  }
  for (const f of IDX_FILES) {
    if (!(await isFile(path.join(data, f)))) throw new PrintshotError('bad-dataset', `${data} has no ${f}`, `expected ${IDX_FILES.join(', ')}`);
  }
  // Never train for minutes only to refuse at the end; never touch a folder the user made.
  if (!force && (await stat(out).catch(() => undefined))) {
    throw new PrintshotError('bad-argument', `output folder already exists: ${out}`, 'choose another --out, or --force to replace the model files in it');
  }
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}
