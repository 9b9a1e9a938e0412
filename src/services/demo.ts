/**
 * The headless loop on the bundled model and samples: fast/BIM/ILLC at eps 4, 8, 16, then the
 * five transform sweeps of the paper's Fig. 6 on every run, then (unless photos is false) the
 * physical stage of demo-photos.ts: print → simulate → register → evaluate for every run, the
 * photos drawn through a known non-default channel (demo-channel.ts), which `channel fit` then
 * recovers and `channel compare` uses to predict the photographed destruction rate.
 * Writes an experiment folder, results/demo.json and the report (reports/demo.pdf, .html, .csv,
 * .json: demo-report.ts), and returns everything for the CLI to print.
 */
import { join } from 'node:path';
import { atomicWriteJson } from '../workspace';
import { getTransform, listTransforms, type TransformSpec } from '../transforms';
import { attackIntoExperiment, type AttackSummary } from './attack-job';
import { runDemoChannel, writeDemoChannel, type DemoChannelResult } from './demo-channel';
import { runDemoPhotos, type DemoPhotoResult } from './demo-photos';
import { writeDemoReport } from './demo-report';
import { evaluatePairs, type EvaluationReport } from './evaluate';
import { loadRunImages } from './run-reuse';
import { openImages, openModel } from './sources';
import { runDisplayName } from '../attacks/names';
import { currentBackend } from '../model';

export interface DemoOptions {
  out: string;
  methods?: string[];
  eps?: number[];
  /** Limit the number of sample images (all 200 by default). */
  limit?: number;
  seed?: number;
  /** Print, photograph (simulated), register and evaluate every run (default true). */
  photos?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface DemoRun {
  method: string;
  eps: number;
  dir: string;
  attack: AttackSummary;
  evaluation: EvaluationReport;
}

export interface DemoResult {
  out: string;
  resultsFile: string;
  /** reports/demo.{pdf,html,csv,json} under out. */
  reports: string[];
  model: string;
  backend: string;
  images: number;
  seconds: number;
  runs: DemoRun[];
  /** The photo stage; absent with photos: false. */
  photos?: DemoPhotoResult;
  /** The fitted channel and simulation against capture at the largest eps; absent with photos: false. */
  channel?: DemoChannelResult;
}

/** Every transform's paper sweep (Fig. 6 x-axis grid). */
export function paperSweeps(): TransformSpec[] {
  return listTransforms().flatMap((d) =>
    d.sweep.map((v) => ({ id: d.id, params: { ...(getTransform(d.id).params.parse({}) as Record<string, number>), [d.sweepParam]: v } })),
  );
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const methods = opts.methods ?? ['fgsm', 'bim', 'illc'];
  const epsList = opts.eps ?? [4, 8, 16];
  const model = await openModel('default');
  try {
    const data = await openImages('samples', model);
    const items = opts.limit ? data.items.slice(0, opts.limit) : data.items;
    const sweeps = paperSweeps();
    const runs: DemoRun[] = [];
    const total = methods.length * epsList.length;
    for (const method of methods) {
      for (const eps of epsList) {
        const stage = runDisplayName(method, eps);
        opts.onProgress?.(`attack ${stage}`, runs.length, total);
        const job = await attackIntoExperiment(model, items, data.root, {
          method,
          params: { eps },
          seed: opts.seed ?? 0,
          out: opts.out,
        });
        opts.onProgress?.(`sweeps ${stage}`, runs.length + 0.5, total);
        const cleanImages = items.map((it) => it.image);
        const advByPath = new Map(job.manifest.images.map((im) => [im.relPath, im]));
        const adversarial = await loadRunImages(opts.out, items.map((it) => advByPath.get(it.relPath)!));
        const evaluation = await evaluatePairs(
          model,
          { relPaths: items.map((i) => i.relPath), labels: items.map((i) => i.label), clean: cleanImages, adversarial },
          { transforms: sweeps, select: 'average', seed: opts.seed ?? 0 },
        );
        runs.push({ method, eps, dir: job.run.dir, attack: job.summary, evaluation });
      }
    }
    const photos = opts.photos === false
      ? undefined
      : await runDemoPhotos({ out: opts.out, runs, model, seed: opts.seed ?? 0, channel: await writeDemoChannel(opts.out), onProgress: opts.onProgress });
    // Comparing costs two more simulated photos per photo: the largest eps's runs keep the demo in its time budget (bench:channel does all).
    const top = Math.max(...epsList);
    const channel = photos
      ? await runDemoChannel({ out: opts.out, model, runs: runs.filter((r) => r.eps === top).map((r) => r.dir), seed: opts.seed ?? 0, onProgress: opts.onProgress })
      : undefined;
    // One progress unit for the whole report: its stages (evaluations, charts, each file) come as labels.
    opts.onProgress?.('report', 0, 1);
    const reports = await writeDemoReport(opts.out, model, { seed: opts.seed ?? 0, onProgress: (stage) => opts.onProgress?.(`report: ${stage}`, 0, 1) });
    const result: DemoResult = {
      out: opts.out,
      resultsFile: join(opts.out, 'results', 'demo.json'),
      reports,
      model: model.card.name,
      backend: (await currentBackend())?.name ?? 'unknown',
      images: items.length,
      seconds: (Date.now() - started) / 1000,
      runs,
      ...(photos ? { photos } : {}),
      ...(channel ? { channel } : {}),
    };
    await atomicWriteJson(result.resultsFile, result);
    return result;
  } finally {
    model.dispose();
  }
}
