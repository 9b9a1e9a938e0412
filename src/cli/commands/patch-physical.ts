/**
 * The physical channel for patches (issue 19 §3), as subcommands of `printshot patch`:
 *
 *   patch apply    --patch FILE.png --experiment EXP [--model M] [--images D] [--limit N [--sample …]] [--at CX,CY[,DEG[,SIDE]]] [--seed S]
 *                  a run (method patch) of clean images with the patch pasted; then `printshot sheet --experiment EXP --method patch`
 *   patch sheet    --experiment EXP --size-mm N [--patch FILE.png] [--copies K] [--paper a4|letter] [--landscape] [--no-calibration] [--out FILE.pdf]
 *                  the patch alone at an exact printed size, with the QR markers
 *   patch evaluate --experiment EXP [--model M]
 *                  per-image and full-frame results of the registered photos, by capture condition
 *
 * Services: src/services/patch-apply.ts, patch-sheet.ts, patch-evaluate.ts. docs/patches.md,
 * "Photographing a patch".
 */
import type { Command } from 'commander';
import { parseSampleMode, type SampleMode } from '../../images/sample';
import type { Rate } from '../../metrics';
import type { PatchApplyResult } from '../../services/patch-apply';
import { createProgress, formatTable, pct } from '../output';
import { positiveInt } from './options';
import { withInterrupt } from './runs';

const rateText = (r: Rate) => (r.total ? `${pct(r.rate)} (${r.count}/${r.total}) ${r.ci ? `${pct(r.ci.low)}–${pct(r.ci.high)}` : ''}`.trim() : '— (0)');

function parseAt(v: string): { cx: number; cy: number; rotationDeg?: number; side?: number } {
  const n = v.split(',').map((s) => Number(s.trim()));
  if (n.length < 2 || n.length > 4 || n.some((x) => !Number.isFinite(x))) throw new Error(`--at takes CX,CY[,DEGREES[,SIDE]] in image pixels: ${v}`);
  return { cx: n[0], cy: n[1], ...(n.length > 2 ? { rotationDeg: n[2] } : {}), ...(n.length > 3 ? { side: n[3] } : {}) };
}

/**
 * This command's options, with the ones `printshot patch` shares (--model, --images, --seed, --out,
 * --json) taken from the parent when given: commander lets a parent consume its options after the
 * subcommand's name too, unless the whole program uses positional options.
 */
function optsOf<T>(cmd: Command): T {
  const own: Record<string, unknown> = { ...cmd.opts() };
  const parent = cmd.parent;
  for (const o of cmd.options) {
    const k = o.attributeName();
    if (parent?.options.some((p) => p.attributeName() === k) && parent.getOptionValueSource(k) === 'cli') own[k] = parent.getOptionValue(k);
  }
  return own as T;
}

const print = (json: boolean | undefined, value: unknown, text: () => string[]) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text().join('\n')}\n`);

/** A patch run made or resumed (its JSON, or what it holds and what to do next); shared with `runs resume`. */
export function printPatchApplyResult(r: PatchApplyResult, json: boolean | undefined): void {
  print(json, { experimentDir: r.experimentDir, run: r.run, patchFile: r.patchFile, target: r.target, success: r.success, images: r.manifest.images.length, resumedFrom: r.resumedFrom ?? 0 }, () => [
    `Patch ${r.patchFile} (target ${r.target.name}) pasted onto ${r.manifest.images.length} images: run ${r.run.dir} of ${r.experimentDir}${r.resumedFrom ? ` (resumed after ${r.resumedFrom})` : ''}.`,
    `Digital success on the 8-bit PNGs: ${rateText(r.success)}, counting ${r.target.index === null ? 'predictions other than the label among images the model got right' : `predictions of ${r.target.name} among images not of that class`}.`,
    `Next: npx printshot sheet --experiment ${r.experimentDir} --run ${r.run.dir}`,
  ]);
}

export function registerPatchPhysicalCommands(patch: Command): void {
  patch
    .command('apply')
    .description('paste a trained patch onto clean images as a run of an experiment (method patch), ready for printshot sheet')
    .requiredOption('--patch <file>', 'a patch PNG written by printshot patch (its JSON beside it)')
    .requiredOption('--experiment <dir>', 'experiment folder (created if missing)')
    .option('--model <dir>', "the model the patch was trained on, or 'default'", 'default')
    .option('--images <dir>', "image folder or 'samples'", 'samples')
    .option('--limit <n>', 'paste onto this many images', positiveInt)
    .option('--sample <mode>', 'which images with --limit: first, stratified or random', parseSampleMode)
    .option('--at <cx,cy[,deg[,side]]>', 'one placement for every image (image pixels, degrees); default: random placements from the seed', parseAt)
    .option('--seed <s>', 'random seed of the placements', '0')
    .option('--json', 'print JSON')
    .action(async (_: unknown, cmd: Command) => {
      const o = optsOf<{ patch: string; experiment: string; model: string; images: string; limit?: number; sample?: SampleMode; at?: ReturnType<typeof parseAt>; seed: string; json?: boolean }>(cmd);
      const { runPatchApplyJob } = await import('../../services/patch-apply');
      const progress = createProgress('patch apply');
      const r = await withInterrupt((signal) => runPatchApplyJob({
        patch: o.patch, experiment: o.experiment, model: o.model, images: o.images, limit: o.limit, sample: o.sample, at: o.at,
        seed: /^-?\d+$/.test(o.seed) ? Number(o.seed) : o.seed, signal,
        onProgress: (p) => progress.update(p.imagesDone, p.imagesTotal, 'images'),
      })).finally(() => progress.stop());
      printPatchApplyResult(r, o.json);
    });

  patch
    .command('sheet')
    .description('print the patch alone at an exact size (mm) with QR markers, to photograph in a scene')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .requiredOption('--size-mm <mm>', 'side of the printed patch in millimetres', Number)
    .option('--patch <file>', "the patch PNG (default: the one the experiment's patch run pasted)")
    .option('--copies <n>', 'copies of the patch on the sheet', positiveInt, 1)
    .option('--paper <name>', 'a4 or letter', 'a4')
    .option('--landscape', 'landscape page')
    .option('--no-calibration', 'leave out the colour calibration strip')
    .option('--out <file.pdf>', 'output PDF (default EXP/sheets/<patch>-<size>mm.pdf)')
    .option('--json', 'print JSON')
    .action(async (_: unknown, cmd: Command) => {
      const o = optsOf<{ experiment: string; sizeMm: number; patch?: string; copies: number; paper: string; landscape?: boolean; calibration: boolean; out?: string; json?: boolean }>(cmd);
      if (o.paper !== 'a4' && o.paper !== 'letter') throw new Error(`--paper must be a4 or letter: ${o.paper}`);
      const { runPatchSheetJob } = await import('../../services/patch-sheet');
      const r = await runPatchSheetJob({ experiment: o.experiment, sizeMm: o.sizeMm, patch: o.patch, copies: o.copies, paper: o.paper, landscape: o.landscape, calibration: o.calibration, out: o.out });
      print(o.json, { pdf: r.pdf, layoutFile: r.layoutFile, patchFile: r.patchFile, sizeMm: r.sizeMm, pixelMm: r.pixelMm, camera: r.camera, cells: r.layouts[0].cells.length, pdfSha256: r.pdfSha256 }, () => [
        `${r.pdf}: ${r.layouts[0].cells.length} × ${r.patchFile} at ${r.sizeMm} mm (${r.pixelMm.toFixed(2)} mm per patch pixel), layout ${r.layoutFile}.`,
        'Print at 100 % scale (no "fit to page"), photograph, then: npx printshot register --experiment EXP --photos DIR [--condition k=v]; npx printshot patch evaluate --experiment EXP',
      ]);
    });

  patch
    .command('evaluate')
    .description("classify the registered photos of the experiment's patches: per image and full frame, by capture condition")
    .requiredOption('--experiment <dir>', 'experiment folder')
    .option('--model <dir>', "the experiment's model folder (default: the one it records)")
    .option('--json', 'print JSON')
    .action(async (_: unknown, cmd: Command) => {
      const o = optsOf<{ experiment: string; model?: string; json?: boolean }>(cmd);
      const { runPatchEvaluateJob } = await import('../../services/patch-evaluate');
      const r = await runPatchEvaluateJob({ experiment: o.experiment, model: o.model });
      print(o.json, r, () => [
        `Patch photos of ${r.experiment.name}: ${r.counts}. Written to ${r.file}.`,
        ...(r.perImage.length ? [formatTable(['condition', 'run', 'target', 'photos', 'photo success', 'digital success', 'clean photo acc.', 'located'],
          r.perImage.map((g) => [g.condition || '(none)', g.run, g.targetName, g.photos, rateText(g.success), rateText(g.digital), rateText(g.cleanAccuracy), g.located]))] : []),
        ...(r.fullFrame.length ? [formatTable(['condition', 'patch', 'view', 'target', 'success', 'most frequent'],
          r.fullFrame.map((f) => [f.condition || '(none)', f.patch, f.view, f.targetName, rateText(f.success), f.mode.name]))] : []),
      ]);
    });
}
