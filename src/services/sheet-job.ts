/**
 * A sheet job: pick the images to print, lay them out and write FILE.pdf + FILE.layout.json.
 *
 * Two sources:
 * - an experiment: each clean image is paired with the adversarial image of one attack run,
 *   from the run's manifest. File paths in the layout are relative to the experiment root,
 *   so registration can find the sources again; the default output is sheets/<run>.pdf.
 * - plain folders (--images, optionally --pairs-with): images are paired by relative path
 *   (extension ignored). Paths in the layout are relative to the layout file's folder, and the
 *   experiment id is derived from the folders' absolute paths, so the same folders always give
 *   the same markers. Labels are unknown there (-1).
 *
 * Every source file is hashed when it is listed and again when it is embedded: a file that
 * changed in between (or differs from the manifest's hash) stops the job rather than printing
 * pixels the layout does not describe.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { decodeImage } from '../images/decode';
import { mapLimit } from '../images/limit';
import { listImageFiles } from '../images/list';
import { cameraSampling, layoutSheets, type CameraSampling, type PaperName, type SheetImageRef } from '../sheets/layout';
import { writeSheetsPdf } from '../sheets/node/pdf';
import type { CellPlacement, SheetLayout } from '../sheets/types';
import { log, PrintshotError, type Image8 } from '../shared';
import { runDisplayName } from '../attacks/names';
import { requireCompleteRun } from './complete-run';
import { openExperiment, readRunManifest, readRunShard, resolveInExperiment, sha256, shardStateText, unmergedShardError, verifyRunInputs, type Experiment, type RunRecord } from '../workspace';

export interface SheetJobSpec {
  /** Experiment folder; or `images` for a plain folder. */
  experiment?: string;
  /** Run folder ('adversarial/fgsm-eps16', 'fgsm-eps16', a path to it, or the run id). */
  run?: string;
  method?: string;
  eps?: number;
  images?: string;
  pairsWith?: string;
  paper?: PaperName;
  landscape?: boolean;
  marginMm?: number;
  cellMm?: number;
  dpi?: number;
  dotsPerPixel?: number;
  moduleMm?: number;
  calibration?: boolean;
  labels?: boolean;
  /** Output PDF; required for folders, default <experiment>/sheets/<run>.pdf. */
  out?: string;
  /** The assumed capture of the whole sheet, for the blur warning (default 1280×720). */
  cameraPx?: { width: number; height: number };
  /** Clock for createdAt (tests pass a fixed one). */
  now?: Date;
}

export interface SheetJobResult {
  pdf: string;
  layoutFile: string;
  layouts: SheetLayout[];
  sheets: number;
  cells: number;
  /** Pairs (or single images) per full sheet. */
  perSheet: number;
  experimentId: string;
  run?: string;
  /** Images left out because they had no partner (clean without adversarial, or vice versa). */
  unpaired: number;
  pdfSha256: string;
  /** How a photo of the whole sheet at cameraPx samples the cells (pxPerImagePixel < 1: blurred crops). */
  camera: CameraSampling;
  warnings: string[];
}

interface Source {
  experimentId: string;
  groups: SheetImageRef[][];
  header: { experiment: string; attack?: string };
  out: string;
  /** Absolute path of a cell's file. */
  locate: (file: string) => string;
  classNames?: readonly string[];
  run?: string;
  unpaired: number;
}

export async function runSheetJob(spec: SheetJobSpec): Promise<SheetJobResult> {
  if ((spec.experiment === undefined) === (spec.images === undefined)) {
    throw new PrintshotError('bad-argument', 'give either --experiment DIR or --images DIR');
  }
  if (spec.images === undefined && spec.pairsWith !== undefined) throw new PrintshotError('bad-argument', '--pairs-with goes with --images');
  if (spec.experiment === undefined && (spec.run ?? spec.method ?? spec.eps) !== undefined) {
    throw new PrintshotError('bad-argument', '--run, --method and --eps go with --experiment');
  }
  if (spec.out !== undefined && !/\.pdf$/i.test(spec.out)) throw new PrintshotError('bad-argument', `--out ${spec.out}: must end in .pdf`);
  const src = spec.experiment !== undefined ? await fromExperiment(spec.experiment, spec) : await fromFolders(spec);
  const createdAt = (spec.now ?? new Date()).toISOString();
  const pairs = src.groups[0]?.length === 2;
  const layouts = layoutSheets({
    experimentId: src.experimentId,
    ...(pairs ? { pairs: src.groups.map((g) => [g[0], g[1]] as const) } : { images: src.groups.map((g) => g[0]) }),
    paper: spec.paper,
    orientation: spec.landscape ? 'landscape' : 'portrait',
    marginMm: spec.marginMm,
    cellMm: spec.cellMm,
    dpi: spec.dpi,
    dotsPerPixel: spec.dotsPerPixel,
    moduleMm: spec.moduleMm,
    labels: spec.labels,
    calibration: spec.calibration,
    header: { ...src.header, date: createdAt.slice(0, 10) },
    createdAt,
  });
  const written = await writeSheetsPdf(src.out, layouts, {
    loadImage: (cell) => loadVerified(src.locate(cell.file), cell),
    labels: spec.labels,
    classNames: src.classNames,
  });
  const cellsPerGroup = pairs ? 2 : 1;
  const camera = cameraSampling(layouts[0], spec.cameraPx);
  const warnings = camera.pxPerImagePixel < 1 ? [blurWarning(camera, layouts[0])] : [];
  for (const w of warnings) log.warn(w);
  return {
    pdf: written.pdf,
    layoutFile: written.layoutFile,
    layouts,
    sheets: layouts.length,
    cells: layouts.reduce((s, l) => s + l.cells.length, 0),
    perSheet: layouts[0].cells.length / cellsPerGroup,
    experimentId: src.experimentId,
    ...(src.run !== undefined ? { run: src.run } : {}),
    unpaired: src.unpaired,
    pdfSha256: written.pdfSha256,
    camera,
    warnings,
  };
}

function blurWarning(c: CameraSampling, layout: SheetLayout): string {
  const page = Math.min(layout.paper.widthMm, layout.paper.heightMm) - 2 * layout.marginMm;
  const remedy = c.neededCellMm <= page ? `cells of ${Math.ceil(c.neededCellMm)} mm (--cell-mm)` : 'cells larger than the page';
  return `a ${c.camera.width}×${c.camera.height} photo of the whole sheet gives ${c.pxPerImagePixel.toFixed(2)} camera pixels per image pixel (< 1): ` +
    `the crops will be blurred; capture at a higher resolution (--camera-px), or use ${remedy}`;
}

async function readHashed(path: string, expected?: string): Promise<{ bytes: Buffer; sha: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new PrintshotError('io', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const sha = sha256(bytes);
  if (expected !== undefined && sha !== expected) {
    throw new PrintshotError('bad-experiment', `${path}: content differs from its recorded sha256 (${expected.slice(0, 12)}…)`, 'the file was changed after it was recorded; re-run the attack');
  }
  return { bytes, sha };
}

async function describe(abs: string, file: string, base: Omit<SheetImageRef, 'file' | 'sha256' | 'pixelWidth' | 'pixelHeight'>, expected?: string): Promise<SheetImageRef> {
  const { bytes, sha } = await readHashed(abs, expected);
  const img = await decodeImage(bytes, {}, abs);
  return { ...base, file, sha256: sha, pixelWidth: img.width, pixelHeight: img.height };
}

async function loadVerified(abs: string, cell: CellPlacement): Promise<Image8> {
  const { bytes } = await readHashed(abs, cell.sha256);
  return decodeImage(bytes, {}, abs);
}

async function selectRun(dir: string, exp: Experiment, spec: SheetJobSpec): Promise<RunRecord> {
  const list = (runs: RunRecord[]) => runs.map((r) => r.dir).join(', ');
  let matches: RunRecord[];
  if (spec.run !== undefined) {
    const want = spec.run.replace(/[/\\]+$/, '');
    const abs = resolve(want);
    matches = exp.runs.filter(
      (r) => r.dir === want || basename(r.dir) === want || r.id === want || resolve(resolveInExperiment(dir, r.dir)) === abs || resolveInExperiment(dir, r.dir) === join(dir, want),
    );
  } else if (spec.method !== undefined || spec.eps !== undefined) {
    matches = exp.runs.filter((r) => (spec.method === undefined || r.method === spec.method) && (spec.eps === undefined || r.eps === spec.eps));
  } else {
    matches = exp.runs;
  }
  if (exp.runs.length === 0) throw new PrintshotError('bad-experiment', `${dir}: has no attack runs yet`, 'run `npx printshot attack` first, or print plain folders with --images');
  if (matches.length === 0) throw new PrintshotError('bad-argument', `no run of ${dir} matches (runs: ${list(exp.runs)})`);
  // Only complete, whole runs are printed: when a filter also matches stopped runs or unmerged
  // shards (a fraction of the images, src/workspace/shard-run.ts), the one whole run is meant.
  const shards = new Map(await Promise.all(matches.map(async (r) => [r.id, await readRunShard(dir, r)] as const)));
  const whole = matches.filter((r) => r.status === 'complete' && !shards.get(r.id));
  if (matches.length > 1 && whole.length === 1) {
    const left = matches.filter((r) => shards.get(r.id));
    if (left.length) log.warn(`left out: ${left.map((r) => `${r.dir}, ${shardStateText(shards.get(r.id)!)}`).join('; ')}; printing ${whole[0].dir}`);
    return whole[0];
  }
  if (matches.length > 1 && whole.length === 0 && matches.every((r) => shards.get(r.id))) {
    throw unmergedShardError(matches[0], shards.get(matches[0].id)!, 'printed'); // every candidate is a shard: the fix is the same for all
  }
  if (matches.length > 1) throw new PrintshotError('bad-argument', `${matches.length} runs match: ${list(matches)}`, 'choose one with --run');
  const run = matches[0];
  requireCompleteRun(dir, run, 'printed');
  const shard = shards.get(run.id);
  if (shard) throw unmergedShardError(run, shard, 'printed');
  return run;
}

async function fromExperiment(dir: string, spec: SheetJobSpec): Promise<Source> {
  const exp = await openExperiment(dir);
  const run = await selectRun(dir, exp, spec);
  const manifest = await readRunManifest(dir, run);
  // All files up front, so a replaced PNG is named with the check fix before any layout work.
  await verifyRunInputs(dir, exp, [manifest]);
  const advByRel = new Map(manifest.images.map((im) => [im.relPath, im]));
  const groups: SheetImageRef[][] = [];
  for (const item of exp.images.items) {
    const adv = advByRel.get(item.relPath);
    if (!adv) continue;
    const clean = await describe(resolveInExperiment(dir, item.file), item.file, { relPath: item.relPath, label: item.label }, item.sha256);
    const attacked = await describe(resolveInExperiment(dir, adv.file), adv.file, { relPath: adv.relPath, label: adv.label, run: run.dir }, adv.sha256);
    groups.push([clean, attacked]);
  }
  if (groups.length === 0) throw new PrintshotError('bad-experiment', `run ${run.dir} has no adversarial images to print`);
  const unpaired = exp.images.items.length - groups.length;
  if (unpaired > 0) log.warn(`${unpaired} clean image(s) have no adversarial image in ${run.dir}; left out`);
  const labels = (exp.model.card as { labels?: unknown }).labels;
  return {
    experimentId: exp.id,
    groups,
    header: { experiment: `${exp.name} (${exp.id.slice(0, 8)})`, attack: runDisplayName(run.method, run.eps) },
    out: spec.out ?? join(dir, 'sheets', `${basename(run.dir)}.pdf`),
    locate: (file) => resolveInExperiment(dir, file),
    classNames: Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : undefined,
    run: run.dir,
    unpaired,
  };
}

/** A uuid-shaped id from the folders' absolute paths, so reprinting the same folders matches. */
export function folderExperimentId(images: string, pairsWith?: string): string {
  const h = sha256(`printshot-folders\n${resolve(images)}\n${pairsWith === undefined ? '' : resolve(pairsWith)}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

async function fromFolders(spec: SheetJobSpec): Promise<Source> {
  if (spec.out === undefined) throw new PrintshotError('bad-argument', '--out FILE.pdf is required with --images');
  const out = spec.out;
  const images = spec.images!;
  const base = dirname(resolve(out));
  const rel = (abs: string) => relative(base, abs).split(sep).join('/');
  const stem = (p: string) => p.replace(/\.(png|jpe?g)$/i, '');
  const ref = (root: string, p: string, extra: { run?: string } = {}) => describe(join(root, p), rel(join(resolve(root), p)), { relPath: p, label: -1, ...extra });
  const cleanFiles = await listImageFiles(images);
  let groups: SheetImageRef[][];
  let unpaired = 0;
  if (spec.pairsWith === undefined) {
    groups = await mapLimit(cleanFiles, 8, async (p) => [await ref(images, p)]);
  } else {
    const pairsWith = spec.pairsWith;
    const advByStem = new Map((await listImageFiles(pairsWith)).map((p) => [stem(p), p]));
    groups = [];
    for (const p of cleanFiles) {
      const adv = advByStem.get(stem(p));
      if (adv === undefined) continue;
      advByStem.delete(stem(p));
      groups.push([await ref(images, p), await ref(pairsWith, adv, { run: rel(resolve(pairsWith)) })]);
    }
    unpaired = cleanFiles.length - groups.length + advByStem.size;
    if (groups.length === 0) throw new PrintshotError('bad-dataset', `no image in ${images} has a partner with the same relative path in ${pairsWith}`);
    if (unpaired > 0) log.warn(`${unpaired} image(s) without a partner of the same name were left out`);
  }
  const name = spec.pairsWith === undefined ? basename(resolve(images)) : `${basename(resolve(images))} vs ${basename(resolve(spec.pairsWith))}`;
  return {
    experimentId: folderExperimentId(images, spec.pairsWith),
    groups,
    header: { experiment: name, ...(spec.pairsWith !== undefined ? { attack: `pairs with ${basename(resolve(spec.pairsWith))}` } : {}) },
    out,
    locate: (file) => resolve(base, file),
    unpaired,
  };
}
