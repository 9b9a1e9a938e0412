/**
 * `printshot reproduce ilyas-features`: Ilyas et al., "Adversarial Examples Are Not Bugs, They Are
 * Features" (NeurIPS 2019, arXiv 1905.02175) on Fashion-MNIST. The work runs in PyTorch
 * (scripts/ilyas_features.py, the JSON-lines protocol of scripts/defend_io.py): a PGD-trained robust
 * model, the robust dataset D_R, the non-robust D_det (or D_rand), standard models trained from
 * scratch on each, their standard and robust accuracy and the transfer of the standard model's
 * adversarial examples. This layer checks the inputs Node can check at once, runs the script
 * (cancel = SIGTERM, the script saves the stage so far; a rerun resumes and skips finished stages),
 * and writes reports/ilyas-features.{html,csv,json}. See docs/reproduction.md.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PrintshotError } from '../shared';
import { DEFAULT_DATA_DIR, fromPackageRoot } from '../shared/node/paths';
import { atomicWrite, atomicWriteJson } from '../workspace';
import { runDefendScript } from './defend/script';
import { ilyasCsv, ilyasHtml, type IlyasResults } from './ilyas-features-report';

export type { IlyasResults, IlyasRate } from './ilyas-features-report';

export const ILYAS_SCRIPT = fromPackageRoot('scripts', 'ilyas_features.py');
const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** One line of the script's stdout (scripts/ilyas_features.py, defend_io.emit). */
export type IlyasEvent =
  | { type: 'start'; out: string; resumed: boolean; stages: string[] }
  | { type: 'stage'; name: string; index: number; stages: number }
  | { type: 'progress'; phase: string; done: number; total: number; epoch?: number; epochs?: number; loss?: number; model?: string }
  | { type: 'epoch'; phase: string; epoch: number; loss: number; testAccuracy: number; seconds: number }
  | { type: 'checkpoint'; path: string; done: number; total: number }
  | { type: 'done'; out: string; result: string; seconds: number }
  | { type: 'cancelled'; checkpoint: string; partial: string }
  | { type: 'error'; code: string; message: string; hint?: string };

/** Numeric settings passed straight to the script as --kebab-case flags (see its --help). */
export interface IlyasTuning {
  robustTrain?: number;
  robustEpochs?: number;
  robustPgdSteps?: number;
  robustAlpha?: number;
  drSteps?: number;
  drStep?: number;
  detEps?: number;
  detSteps?: number;
  epochs?: number;
  batchSize?: number;
  genBatch?: number;
  evalN?: number;
  evalSteps?: number;
  checkpointEvery?: number;
}

export const ILYAS_TARGETS = ['det', 'random', 'both'] as const;
export type IlyasTarget = (typeof ILYAS_TARGETS)[number];

export interface IlyasOptions extends IlyasTuning {
  out: string;
  /** Folder with the four Fashion-MNIST IDX .gz files. */
  data?: string;
  /** Training images of D_R and of the real D it is compared with (default 1000). */
  limit?: number;
  /** Training images of D_det and of D_rand (default 10000). */
  detLimit?: number;
  /** A robust model to use instead of training one (e.g. from `printshot harden --method pgd`). */
  robustModel?: string;
  /** The standard model D_det attacks (default: the bundled fashion-cnn). */
  standardModel?: string;
  /** Which non-robust dataset to build: D_det (t = y+1 mod 10), D_rand (t random), or both (default). */
  target?: IlyasTarget;
  detNorm?: 'l2' | 'linf';
  seed?: number;
  threads?: number;
  /** Start over when --out holds a run with other settings. */
  force?: boolean;
  /** Report files, relative to `out` unless absolute (default reports/ilyas-features.{html,csv,json}). */
  reports?: string[];
  command?: string[];
  python?: string;
  signal?: AbortSignal;
  onEvent?: (e: IlyasEvent) => void;
}

export interface IlyasResult {
  out: string;
  results: IlyasResults;
  reports: string[];
  /** True when the run continued from saved stages. */
  resumed: boolean;
  seconds: number;
}

const kebab = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const TUNING: (keyof IlyasTuning)[] = ['robustTrain', 'robustEpochs', 'robustPgdSteps', 'robustAlpha', 'drSteps', 'drStep', 'detEps', 'detSteps', 'epochs', 'batchSize', 'genBatch', 'evalN', 'evalSteps', 'checkpointEvery'];

/** The script's arguments for `opts` (exported for the tests). */
export function ilyasArgs(opts: IlyasOptions): string[] {
  const model = (m: string | undefined) => (m === undefined || m === 'default' ? 'default' : path.resolve(m));
  const args = ['--data', path.resolve(opts.data ?? DEFAULT_DATA_DIR), '--out', path.resolve(opts.out), '--standard-model', model(opts.standardModel)];
  if (opts.robustModel) args.push('--robust-model', path.resolve(opts.robustModel));
  const numbers: [string, number | undefined][] = [['limit', opts.limit], ['detLimit', opts.detLimit], ['seed', opts.seed], ['threads', opts.threads], ...TUNING.map((t): [string, number | undefined] => [t, opts[t]])];
  for (const [k, v] of numbers) if (v !== undefined) args.push(kebab(k), String(v));
  if (opts.target) args.push('--target', opts.target);
  if (opts.detNorm) args.push('--det-norm', opts.detNorm);
  if (opts.force) args.push('--force');
  return args;
}

export async function runIlyasFeatures(opts: IlyasOptions): Promise<IlyasResult> {
  const started = Date.now();
  await checkInputs(opts);
  let resumed = false;
  const done = (await runDefendScript(ilyasArgs(opts), {
    script: ILYAS_SCRIPT,
    python: opts.python,
    signal: opts.signal,
    onEvent: (e) => {
      const ev = e as unknown as IlyasEvent;
      if (ev.type === 'start') resumed = ev.resumed;
      opts.onEvent?.(ev);
    },
  })) as unknown as Extract<IlyasEvent, { type: 'done' }>;
  const results = JSON.parse(await readFile(done.result, 'utf8')) as IlyasResults;
  const out = path.resolve(opts.out);
  const command = opts.command ?? ['printshot', 'reproduce', 'ilyas-features', '--out', opts.out];
  await atomicWriteJson(path.join(out, 'results', 'reproduce.json'), { template: 'ilyas-features', command, at: new Date().toISOString() });
  const files = (opts.reports ?? ['html', 'csv', 'json'].map((ext) => `reports/ilyas-features.${ext}`)).map((f) => (path.isAbsolute(f) ? f : path.join(out, f)));
  for (const f of files) {
    if (f.endsWith('.html')) await atomicWrite(f, ilyasHtml(results, command));
    else if (f.endsWith('.csv')) await atomicWrite(f, ilyasCsv(results));
    else await atomicWriteJson(f, { ...results, command });
  }
  return { out, results, reports: files, resumed, seconds: (Date.now() - started) / 1000 };
}

async function checkInputs(opts: IlyasOptions): Promise<void> {
  const data = path.resolve(opts.data ?? DEFAULT_DATA_DIR);
  if (!(await stat(data).catch(() => undefined))?.isDirectory()) {
    throw new PrintshotError('bad-dataset', `data folder not found: ${data}`, 'point --data at a folder with the Fashion-MNIST IDX files (*-idx3-ubyte.gz)');
  }
  for (const f of IDX_FILES) {
    if (!(await isFile(path.join(data, f)))) throw new PrintshotError('bad-dataset', `${data} has no ${f}`, `expected ${IDX_FILES.join(', ')}`);
  }
  for (const [flag, dir] of [['--robust-model', opts.robustModel], ['--model', opts.standardModel]] as const) {
    if (dir && dir !== 'default' && !(await isFile(path.join(path.resolve(dir), 'model.json')))) {
      throw new PrintshotError('bad-model', `${flag} ${dir}: no model.json there`, 'pass a TF.js Layers model folder');
    }
  }
  if (opts.target && !ILYAS_TARGETS.includes(opts.target)) {
    throw new PrintshotError('bad-argument', `--target ${String(opts.target)}: expected ${ILYAS_TARGETS.join(', ')}`);
  }
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}
