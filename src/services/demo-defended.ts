/**
 * `printshot demo --defended`: the plain bundled model against its adversarially trained
 * (Goodfellow et al., arXiv 1412.6572 §6) and defensively distilled (Papernot et al., broken by
 * Carlini & Wagner, arXiv 1608.04644) versions, under the same attack grid: fast and basic
 * iterative at eps 8/16/25 and C&W-L2 with κ = 0, digitally, under the synthetic transforms and
 * through simulated photos (eps 16 and C&W). When the Fashion-MNIST test set is installed, the
 * paper's headline number, error under FGSM at eps 25 on all 10,000 test images, is added.
 *
 * Writes one experiment per model under out/<model>/, results/robustness.json, and a report
 * (reports/defended.{pdf,html,csv,json}) built on the plain model's experiment.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { assetPath } from '../shared/node/paths';
import { buildReportData, defaultTableSpecs, writeReport } from '../reports';
import { PrintshotError, log } from '../shared';
import { parseTransformSpec } from '../transforms';
import { DEFAULT_DATA_DIR } from './defend';
import { compareRobustness, type GridCell, type RobustnessResult } from './robustness';
import { openModel } from './sources';

export const HARDENED_MODEL_DIR = assetPath('models', 'fashion-cnn-hardened');
export const DISTILLED_MODEL_DIR = assetPath('models', 'fashion-cnn-distilled');
/** Debian's dataset-fashion-mnist, the same folder harden/distill train from. */
export const FASHION_MNIST_DIR = DEFAULT_DATA_DIR;

/** C&W budget for the demo: fewer search steps than the paper, enough on a 28×28 model. */
export const DEMO_CW = { confidence: 0, binarySteps: 5, maxIterations: 100, initialConst: 0.1 };

export const DEFENDED_GRID: GridCell[] = [
  ...[8, 16, 25].map((eps) => ({ method: 'fgsm', params: { eps }, photo: eps === 16 })),
  ...[8, 16, 25].map((eps) => ({ method: 'bim', params: { eps }, photo: eps === 16 })),
  { method: 'cw-l2', params: { ...DEMO_CW }, photo: true },
];

export interface DefendedDemoOptions {
  out: string;
  limit?: number;
  photos?: boolean;
  hardened?: string;
  distilled?: string;
  /** Attack grid (default DEFENDED_GRID; tests use a smaller one). */
  grid?: GridCell[];
  /** IDX folder for the full-test-set FGSM measurement; null skips it. */
  testSet?: string | null;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface DefendedDemoResult {
  out: string;
  samples: RobustnessResult;
  testSet: RobustnessResult | null;
  reports: string[];
  seconds: number;
}

const exists = (p: string) => access(p).then(() => true, () => false);

export async function runDefendedDemo(opts: DefendedDemoOptions): Promise<DefendedDemoResult> {
  const started = Date.now();
  const models = ['default', opts.hardened ?? HARDENED_MODEL_DIR, opts.distilled ?? DISTILLED_MODEL_DIR];
  for (const m of models.slice(1)) {
    if (!(await exists(join(m, 'model.json')))) {
      throw new PrintshotError('bad-model', `defended model not found: ${m}`, 'make it with npx printshot harden / npx printshot distill (see docs/defended-models.md), or pass --hardened/--distilled');
    }
  }
  const seed = opts.seed ?? 0;
  const base = opts.grid ?? DEFENDED_GRID;
  const grid = opts.photos === false ? base.map((c) => ({ ...c, photo: false })) : base;
  const samples = await compareRobustness({
    out: opts.out,
    models,
    images: 'samples',
    limit: opts.limit,
    grid,
    transforms: defaultTableSpecs().map((s) => parseTransformSpec(s)[0]),
    seed,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  let testSet: RobustnessResult | null = null;
  const testDir = opts.testSet === undefined ? FASHION_MNIST_DIR : opts.testSet;
  if (testDir && (await exists(testDir))) {
    testSet = await compareRobustness({
      out: join(opts.out, 'full-test-set'),
      models,
      images: testDir,
      grid: [{ method: 'fgsm', params: { eps: 25 } }],
      save: false,
      seed,
      batchSize: 256,
      signal: opts.signal,
      onProgress: (s, d, t) => opts.onProgress?.(`test set: ${s}`, d, t),
    });
  } else if (testDir) {
    log.info(`${testDir} not found: the full-test-set measurement is skipped (apt-get install dataset-fashion-mnist)`);
  }
  opts.onProgress?.('report', 1, 1);
  const reports = await writeDefendedReport(opts.out, samples, testSet);
  return { out: opts.out, samples, testSet, reports, seconds: (Date.now() - started) / 1000 };
}

async function writeDefendedReport(out: string, samples: RobustnessResult, testSet: RobustnessResult | null): Promise<string[]> {
  const plain = samples.models[0];
  if (!plain?.experiment) return [];
  const model = await openModel(plain.source);
  try {
    const data = await buildReportData({
      dir: plain.experiment,
      model,
      robustness: samples,
      options: { sweeps: [], title: 'Printshot: plain vs adversarially trained vs distilled (bundled model)' },
    });
    if (testSet) {
      for (const m of testSet.models) {
        const c = m.cells[0];
        data.notes.push(`Full test set (${testSet.images.count} images): ${m.name} clean top-1 ${pct(m.clean.top1.accuracy)}, error under FGSM eps ${c.eps} ${pct(c.error)}.`);
      }
    }
    const files = ['pdf', 'html', 'csv', 'json'].map((ext) => join(out, 'reports', `defended.${ext}`));
    for (const f of files) await writeReport(data, f);
    return files;
  } finally {
    model.dispose();
  }
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
