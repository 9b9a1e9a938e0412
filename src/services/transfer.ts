/**
 * Transfer: the adversarial images (and photo crops) of experiments, crafted on their source
 * model, classified by other target models. The paper's phone-app demo is such a black-box
 * transfer (crafted on Inception v3, read by the TensorFlow Camera Demo's model).
 *
 * Output: a source × target matrix (see src/reports/transfer-table.ts for the two destruction
 * rates). The source model is added as the first target by default, as the reference column.
 * Classes are matched by name, so a target with other or more classes works as long as it shares
 * some; images of classes the target does not know are left out and counted in a note.
 */
import { readImage8 } from '../images';
import { predictProbabilities } from '../inference';
import { destructionRate, rankPrediction } from '../metrics';
import type { LoadedClassifier } from '../model';
import { readCaptures, photoPairsForRun, ratioCell, sortRuns, type Cell, type ModelSummary, type TopCells, type TransferCell, type TransferMatrix } from '../reports';
import { PrintshotError, type Image8 } from '../shared';
import {
  cleanByRelPath, listRuns, openExperiment, readRunManifest, readVerifiedImage, resolveInExperiment, runShard, unmergedShardNote, type Experiment, type RecordedFile, type RunManifest, type SkippedShard,
} from '../workspace';
import { openModel } from './sources';

export interface TransferOptions {
  /** Experiment folders (each one source model). */
  experiments: string[];
  /** Target model folders (or 'default'). */
  targets: string[];
  /** Put each experiment's own model first among the targets (default true). */
  includeSource?: boolean;
  onProgress?: (stage: string) => void;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** Source label index → target label index, by class name (null when the target lacks it). */
export function labelMap(source: readonly string[], target: readonly string[]): (number | null)[] {
  const byName = new Map(target.map((t, i) => [norm(t), i]));
  return source.map((s) => byName.get(norm(s)) ?? null);
}

export async function evaluateTransfer(opts: TransferOptions): Promise<TransferMatrix> {
  const experiments = await Promise.all(opts.experiments.map(async (dir) => ({ dir, exp: await openExperiment(dir) })));
  const targetSpecs = [...opts.targets];
  if (opts.includeSource ?? true) for (const { exp } of experiments) if (!targetSpecs.includes(exp.model.source)) targetSpecs.unshift(exp.model.source);
  const matrix: TransferMatrix = { sources: [], targets: [], cells: [], notes: [] };
  for (const { exp } of experiments) {
    if (!matrix.sources.some((s) => s.fingerprint === exp.model.fingerprint)) matrix.sources.push({ name: exp.model.name, fingerprint: exp.model.fingerprint, source: exp.model.source });
  }
  for (const spec of targetSpecs) {
    opts.onProgress?.(`loading target ${spec}`);
    const model = await openModel(spec, { probeGradient: false }); // transfer targets are only classified: black-box models need no gradient
    try {
      if (matrix.targets.some((t) => t.fingerprint === model.fingerprint)) {
        matrix.notes.push(`Target ${spec} has the same weights as ${matrix.targets.find((t) => t.fingerprint === model.fingerprint)!.source}; evaluated once.`);
        continue;
      }
      const target: ModelSummary = { name: uniqueName(matrix.targets, model.card.name), fingerprint: model.fingerprint, source: spec };
      matrix.targets.push(target);
      for (const { dir, exp } of experiments) matrix.cells.push(...(await transferOne(dir, exp, model, target, matrix.notes, opts.onProgress)));
    } finally {
      model.dispose();
    }
  }
  return matrix;
}

function uniqueName(existing: readonly ModelSummary[], name: string): string {
  let n = name;
  for (let k = 2; existing.some((t) => t.name === n); k++) n = `${name} #${k}`;
  return n;
}

async function transferOne(dir: string, exp: Experiment, model: LoadedClassifier, target: ModelSummary, notes: string[], onProgress?: (s: string) => void): Promise<TransferCell[]> {
  const sourceLabels = (exp.model.card as { labels?: string[] }).labels ?? [];
  const map = labelMap(sourceLabels, model.labels);
  if (!map.some((m) => m !== null)) {
    throw new PrintshotError('bad-model', `target model '${model.card.name}' shares no class name with '${exp.model.name}'`, 'transfer needs targets that know some of the source classes');
  }
  const unknown = map.filter((m) => m === null).length;
  if (unknown) notes.push(`Target ${target.name} lacks ${unknown} of the ${map.length} source classes; images of those classes are left out of its column.`);
  const captures = await readCaptures(dir);
  const cleanFile = cleanByRelPath(exp);
  const { height, width, channels } = model.inputSpec;
  // Experiment PNGs must match their recorded sha256; photo crops have no record and are read as they are.
  const read = (f: RecordedFile) => readVerifiedImage(dir, f, { channels, width, height });
  const readCrop = (f: string) => readImage8(resolveInExperiment(dir, f), { channels, width, height });
  const cells: TransferCell[] = [];
  const skipped: SkippedShard[] = [];
  for (const run of sortRuns(await listRuns(dir))) {
    if (run.status !== 'complete') continue; // partial runs stay out of every table (the report names them)
    let manifest: RunManifest;
    try {
      manifest = await readRunManifest(dir, run);
    } catch {
      continue; // no manifest yet: nothing to transfer
    }
    const shard = runShard(manifest);
    if (shard) {
      skipped.push({ dir: run.dir, shard, images: manifest.images.length });
      continue;
    }
    const images = manifest.images.filter((im) => map[im.label] !== null && cleanFile.has(im.relPath));
    if (!images.length) continue;
    onProgress?.(`${target.name}: ${run.dir}`);
    const labels = images.map((im) => map[im.label] as number);
    const rankOn = async (imgs: Image8[]) => (await predictProbabilities(model, imgs)).map((p, i) => rankPrediction(p, 5).topK.indexOf(labels[i]));
    const clean = await rankOn(await Promise.all(images.map((im) => read(cleanFile.get(im.relPath)!))));
    const adv = await rankOn(await Promise.all(images.map((im) => read(im))));
    // The source's own view, as the attack recorded it for the saved (8-bit) images.
    const srcClean = images.map((im) => im.cleanTop5.findIndex((t) => t.label === im.label));
    const srcAdv = images.map((im) => im.advTop5.findIndex((t) => t.label === im.label));
    const pairs = photoPairsForRun(captures.crops, run.dir);
    const photoIdx = images.flatMap((im, i) => (pairs.has(im.relPath) ? [i] : []));
    let photo: TransferCell['photo'] = null;
    if (photoIdx.length) {
      const ranks = await rankOn(await Promise.all(photoIdx.map((i) => readCrop(pairs.get(images[i].relPath)!.adversarial))));
      const sub = (xs: number[]) => photoIdx.map((i) => xs[i]);
      photo = { adversarial: acc(ranks), destruction: dest(sub(clean), sub(adv), ranks) };
    }
    cells.push({
      source: exp.model.name,
      target: target.name,
      run: run.id,
      method: run.method,
      eps: run.eps,
      images: images.length,
      clean: acc(clean),
      adversarial: acc(adv),
      transfer: dest(srcClean, srcAdv, adv),
      photo,
    });
  }
  // Said once per experiment, whichever target found them first.
  const note = skipped.length ? unmergedShardNote(skipped, `the transfer table of ${dir}`) : undefined;
  if (note && !notes.includes(note)) notes.push(note);
  return cells;
}

const hit1 = (r: number) => r === 0;
const hit5 = (r: number) => r >= 0 && r < 5;

function acc(ranks: readonly number[]): TopCells {
  return { top1: ratioCell(ranks.filter(hit1).length, ranks.length), top5: ratioCell(ranks.filter(hit5).length, ranks.length) };
}

function dest(clean: readonly number[], adv: readonly number[], t: readonly number[]): TopCells {
  const one = (hit: (r: number) => boolean): Cell => {
    const d = destructionRate({ cleanCorrect: clean.map(hit), advCorrect: adv.map(hit), transformedCorrect: t.map(hit) });
    return { value: d.rate, format: 'pct', numerator: d.numerator, denominator: d.denominator, ci: d.ci };
  };
  return { top1: one(hit1), top5: one(hit5) };
}
